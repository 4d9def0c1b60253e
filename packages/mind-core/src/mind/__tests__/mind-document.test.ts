import { newMindDocument, validateMindDocument } from '../mind-document';

describe('Mind documents', () => {
  const doc = newMindDocument('GMD-2026-4A7F-9B23', { name: 'Ada', creatorEmail: 'ann@x.io' }, Date.UTC(2026, 0, 1));

  test('a new document is valid', () => {
    expect(validateMindDocument(JSON.parse(JSON.stringify(doc)), 'f.json')).toEqual(doc);
  });

  test.each([
    [(d: any) => delete d.identity.name, 'identity.name'],
    [(d: any) => (d.identity.gmid = '../../etc/passwd'), 'identity.gmid'],
    [(d: any) => (d.emotionalState.intensity = 3), 'emotionalState.intensity'],
    [(d: any) => (d.schemaVersion = 9), 'schemaVersion'],
    [(d: any) => (d.memory.totalMemories = -1), 'memory.totalMemories'],
  ])('an invalid document is refused with the file and the field named (%#)', (spoil, field) => {
    const bad = JSON.parse(JSON.stringify(doc));
    spoil(bad);
    expect(() => validateMindDocument(bad, '/h/minds/x.json')).toThrow(
      new RegExp(`Mind file /h/minds/x.json is invalid at field "${field.replace('.', '\\.')}"`),
    );
  });
});
