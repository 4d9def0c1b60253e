import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@tensorflow-models/universal-sentence-encoder/dist/tokenizer';
import { RETRIEVAL_SET } from '../../bench/retrieval-set';
import { PieceTokenizer, USE_MODEL_PACKAGE } from '../embeddings/use-model';

/**
 * The use provider's tokenizer gives the token ids of the one published with the model
 * (@tensorflow-models/universal-sentence-encoder), on which stored vectors depend.
 */
const vocabulary = JSON.parse(
  readFileSync(join(dirname(require.resolve(`${USE_MODEL_PACKAGE}/dist/model.json`)), 'vocab.json'), 'utf8'),
) as Array<[string, number]>;
const theirs = new Tokenizer(vocabulary);
const ours = new PieceTokenizer(vocabulary);

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

describe('the use tokenizer', () => {
  test('matches the published tokenizer on the retrieval set', () => {
    const texts = [...RETRIEVAL_SET.memories.map((m) => m.text), ...RETRIEVAL_SET.queries.map((q) => q.text)];
    for (const text of texts) expect(ours.encode(text)).toEqual(theirs.encode(text));
  });

  test('matches it on odd texts: unknown characters, other scripts, emoji, spacing, NFKC', () => {
    const texts = [
      'x',
      '?!',
      '😀',
      '😀😀 a😀b',
      '東京で会議',
      'Zoë naïve café ﬁne Ⅻ ｆｕｌｌｗｉｄｔｈ',
      '  leading and trailing  ',
      'tab\there\nnew line',
      '\u2581already a separator',
      '���',
      'INC-4471 PR-20931 2024-03-17 x86_64 O’Brien don’t',
      "I don't know what you're doing",
      'a'.repeat(300),
      'word '.repeat(200),
      'supercalifragilisticexpialidocious antidisestablishmentarianism',
    ];
    for (const text of texts) expect(ours.encode(text)).toEqual(theirs.encode(text));
  });

  test('matches it on random texts from the vocabulary and beyond', () => {
    const next = random(7);
    const pieces = vocabulary.map(([p]) => p.replace(/\u2581/g, ' '));
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?\'"-()éèüß東京😀\u00a0\u2581';
    for (let i = 0; i < 400; i++) {
      let text = '';
      const length = 1 + Math.floor(next() * (i % 10 === 0 ? 400 : 40));
      for (let k = 0; k < length; k++) {
        text +=
          next() < 0.6
            ? pieces[Math.floor(next() * pieces.length)]!
            : [...chars][Math.floor(next() * [...chars].length)]!;
      }
      expect(ours.encode(text)).toEqual(theirs.encode(text));
    }
  });
});
