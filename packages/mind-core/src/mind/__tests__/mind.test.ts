import { MAX_EMOTIONS, type MindDocument } from '../mind-document';
import { buildMindService } from './support';

async function created() {
  const built = buildMindService();
  const mind = await built.service.createMind({ name: 'Atlas' });
  return { ...built, mind };
}

/** A created Mind loaded twice more: two writers `a` and `b` of the same document. */
async function twoWriters() {
  const built = await created();
  const a = await built.service.loadMind(built.mind.gmid);
  const b = await built.service.loadMind(built.mind.gmid);
  return { ...built, a, b };
}

/** The change that sets the document's state.status. */
const status =
  (value: string) =>
  (d: MindDocument): void => {
    d.state.status = value;
  };

describe('Mind', () => {
  test('feel sets an emotion, fades the others and keeps the strongest primary', async () => {
    const { mind, clock } = await created();
    expect(mind.feel('joy', 0.8)).toMatchObject({
      primaryEmotion: 'joy',
      intensity: 0.8,
      emotions: { joy: 0.8 },
      lastUpdate: new Date(clock.now()).toISOString(),
    });
    clock.advance(1000);
    const state = mind.feel('calm', 0.3, { valence: 2, arousal: -1, mood: 'content' });
    expect(state).toMatchObject({
      primaryEmotion: 'joy',
      intensity: 0.72,
      emotions: { joy: 0.72, calm: 0.3 },
      valence: 1,
      arousal: 0,
      mood: 'content',
    });
    expect(state.lastUpdate).toBe(new Date(clock.now()).toISOString());
    expect(mind.emotionalState).toEqual(state);
    for (let i = 0; i < 40; i++) mind.feel(`feeling${i}`, 0.9);
    expect(Object.keys(mind.emotionalState.emotions).length).toBeLessThanOrEqual(MAX_EMOTIONS);
    expect(() => mind.feel('not a word!', 0.5)).toThrow(/emotion must be a word/);
    expect(() => mind.feel('joy', 2)).toThrow(/intensity must be a number from 0 to 1/);
  });

  test('update changes a copy of the document; the GMID cannot change', async () => {
    const { mind } = await created();
    mind.update(status('thinking'));
    expect(mind.document.state.status).toBe('thinking');
    const copy = mind.document;
    copy.state.status = 'changed outside';
    expect(mind.document.state.status).toBe('thinking');
    expect(() =>
      mind.update((d) => {
        d.identity.gmid = 'GMD-2026-0000-0000';
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'identity.gmid' }));
    expect(mind.gmid).toBe(mind.identity.gmid);
  });

  test('save writes the document and increments its revision', async () => {
    const { mind, documents, service } = await created();
    expect(mind.revision).toBe(1);
    mind.update(status('reflecting'));
    const result = await mind.save();
    expect(result).toEqual({
      file: documents.pathFor(mind.gmid),
      revision: 2,
      bytes: await documents.size(mind.gmid),
      merged: false,
    });
    expect(mind.revision).toBe(2);
    expect((await documents.read(mind.gmid))?.value).toMatchObject({ revision: 2, state: { status: 'reflecting' } });
    const loaded = await service.loadMind(mind.gmid);
    expect(loaded.revision).toBe(2);
    expect(loaded.document.state.status).toBe('reflecting');
    expect((await mind.save()).revision).toBe(3);
  });

  test('merges changes to different sections saved by another writer meanwhile', async () => {
    const { mind, documents, a, b } = await twoWriters();
    a.update(status('from a'));
    expect((await a.save()).revision).toBe(2);
    b.update((d) => {
      d.config.locale = 'fr';
    });
    expect(await b.save()).toMatchObject({ revision: 3, merged: true });
    expect((await documents.read(mind.gmid))?.value).toMatchObject({
      revision: 3,
      state: { status: 'from a' },
      config: { locale: 'fr' },
    });
    expect(b.document).toMatchObject({ state: { status: 'from a' }, config: { locale: 'fr' } });
  });

  test('refuses with SAVE_CONFLICT when both writers changed the same section, writing nothing', async () => {
    const { mind, documents, a, b } = await twoWriters();
    a.update(status('from a'));
    await a.save();
    b.update(status('from b'));
    await expect(b.save()).rejects.toMatchObject({
      code: 'SAVE_CONFLICT',
      message: expect.stringContaining('both changed: state'),
    });
    expect((await documents.read(mind.gmid))?.value).toMatchObject({ revision: 2, state: { status: 'from a' } });
  });

  test("after a conflict the Mind holds the other writer's version: the very next save succeeds", async () => {
    const { mind, documents, a, b } = await twoWriters();
    a.update(status('from a'));
    await a.save();
    b.update((d) => {
      d.state.status = 'from b';
      d.config.locale = 'fr';
    });
    const before = (await documents.read(mind.gmid))!.raw;
    const conflict = await b.save().catch((error: unknown) => error);
    expect(conflict).toMatchObject({
      code: 'SAVE_CONFLICT',
      field: 'state',
      message: expect.stringContaining('both changed: state.'),
    });
    expect((await documents.read(mind.gmid))!.raw.equals(before)).toBe(true);
    // Rebased on revision 2: the lost section is the other writer's, the other change is kept.
    expect(b.revision).toBe(2);
    expect(b.document).toMatchObject({ state: { status: 'from a' }, config: { locale: 'fr' } });

    expect(await b.save()).toEqual(expect.objectContaining({ revision: 3, merged: false }));
    expect((await documents.read(mind.gmid))?.value).toMatchObject({
      revision: 3,
      state: { status: 'from a' },
      config: { locale: 'fr' },
    });
  });

  test('a conflict on several sections names the first as field and lists them all; other secrets wait for the next save', async () => {
    const { mind, documents, a, b } = await twoWriters();
    a.update((d) => {
      d.state.status = 'from a';
      d.config.locale = 'de';
    });
    a.feel('joy', 0.9);
    await a.save();
    b.update((d) => {
      d.state.status = 'from b';
      d.config.locale = 'fr';
      d.config.api_key = 'sk-lost';
      d.intelligence.openai_api_key = 'sk-kept';
    });
    b.feel('fear', 0.4);
    const order = Object.keys(b.document).filter((k) => ['state', 'config', 'emotionalState'].includes(k));
    await expect(b.save()).rejects.toMatchObject({
      code: 'SAVE_CONFLICT',
      field: order[0],
      message: expect.stringContaining(`both changed: ${order.join(', ')}.`),
    });
    expect(await documents.readSecrets(mind.gmid)).toEqual({});
    expect(b.emotionalState.primaryEmotion).toBe('joy');
    expect(await b.save()).toMatchObject({ revision: 3 });
    expect((await documents.read(mind.gmid))?.value).toMatchObject({
      state: { status: 'from a' },
      config: { locale: 'de' },
      emotionalState: { primaryEmotion: 'joy' },
    });
    expect(await documents.readSecrets(mind.gmid)).toEqual({ '$.intelligence.openai_api_key': 'sk-kept' });
  });

  test.each([2, 20])('%i writers taking turns on the same section never get stuck', async (writers) => {
    const { mind, service, documents } = await created();
    const minds = await Promise.all(Array.from({ length: writers }, () => service.loadMind(mind.gmid)));
    const turns = 2 * Math.max(writers, 10);
    const latest: Record<string, number> = {};
    let saves = 0;
    let conflicts = 0;
    for (let turn = 0; turn < turns; turn++) {
      const w = turn % writers;
      const writer = minds[w]!;
      const change = () =>
        writer.update((d) => {
          d.state.status = `writer ${w} turn ${turn}`;
          d.config[`writer${w}`] = turn;
        });
      change();
      let attempts = 0;
      for (;;) {
        attempts++;
        try {
          await writer.save();
          break;
        } catch (error) {
          expect(error).toMatchObject({ code: 'SAVE_CONFLICT' });
          expect(attempts).toBe(1); // fails at most once, then succeeds
          conflicts++;
          change();
        }
      }
      saves++;
      latest[`writer${w}`] = turn;
      expect((await documents.read(mind.gmid))?.value).toMatchObject({
        revision: 1 + saves,
        state: { status: `writer ${w} turn ${turn}` },
        config: latest, // every writer's last change survived the others
      });
    }
    expect(conflicts).toBe(turns - 1); // every turn but the first raced a stale base
  });

  test('reload re-reads the document and drops unsaved changes', async () => {
    const { mind, service, a, b } = await twoWriters();
    a.update(status('from a'));
    await a.save();
    b.update((d) => {
      d.config.locale = 'unsaved';
    });
    await expect(b.reload()).resolves.toBe(b);
    expect(b.revision).toBe(2);
    expect(b.document.state.status).toBe('from a');
    expect(b.document.config.locale).not.toBe('unsaved');
    b.update(status('from b'));
    expect(await b.save()).toMatchObject({ revision: 3, merged: false });
    await service.deleteMind(mind.gmid);
    await expect(b.reload()).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
  });

  test('refuses a document over 50 KB with MIND_FILE_TOO_LARGE, writing nothing (not even its secrets)', async () => {
    const { mind, documents } = await created();
    const before = await documents.read(mind.gmid);
    mind.update((d) => {
      d.config.notes = 'x'.repeat(60 * 1024);
      d.intelligence.api_key = 'sk-too-big';
    });
    await expect(mind.save()).rejects.toMatchObject({
      code: 'MIND_FILE_TOO_LARGE',
      message: expect.stringContaining('over the 51200-byte limit'),
    });
    const after = await documents.read(mind.gmid);
    expect(after!.raw.equals(before!.raw)).toBe(true);
    expect(await documents.readSecrets(mind.gmid)).toEqual({});
    expect(mind.revision).toBe(1);
  });

  test('splits secrets off into the secrets store: never in the document', async () => {
    const { mind, documents } = await created();
    mind.update((d) => {
      d.intelligence.openai_api_key = 'sk-live-123';
      d.plugins.weather = { city: 'Oslo', token: 'tok-9' };
    });
    await mind.save();
    const file = await documents.read(mind.gmid);
    expect(file!.raw.toString('utf8')).not.toMatch(/sk-live-123|tok-9/);
    expect(file!.value).toMatchObject({ plugins: { weather: { city: 'Oslo' } } });
    expect(await documents.readSecrets(mind.gmid)).toEqual({
      '$.intelligence.openai_api_key': 'sk-live-123',
      '$.plugins.weather.token': 'tok-9',
    });
    expect(JSON.stringify(mind.document)).not.toMatch(/sk-live-123|tok-9/);
  });
});
