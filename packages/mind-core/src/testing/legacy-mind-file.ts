/** How much an old-format (Python Genesis) Mind file holds; every count defaults to 0. */
export interface LegacyMindShape {
  /** `conversation_history` items (`{ role, content }`, with times as `times` says). */
  turns?: number;
  /** How history items carry times: none (the default, as the Python files did), naive ISO, zoned ISO, epoch seconds. */
  times?: 'none' | 'naive' | 'zoned' | 'epoch';
  /** Extra characters per message content (non-ASCII included). */
  contentChars?: number;
  /** `plugins.gen.gen.transaction_history[]` (the balance stays in `plugins.gen.gen.balance`). */
  transactions?: number;
  /** `plugins.tasks.tasks.tasks{TASK-…}` */
  tasks?: number;
  /** `plugins.workspace.workspace.files{FILE-…}` */
  files?: number;
  /** `plugins.events.events.events{}` */
  events?: number;
  /** `plugins.experiences.experiences.experiences{}` */
  experiences?: number;
  /** `plugins.roles.roles.roles{}` */
  roles?: number;
  /** `plugins.relationships.relationships.relationships{email → person}` */
  people?: number;
  /** `plugins.environments.environments.environments{ENV-… → place}`, each with `visitors_history[]` */
  places?: number;
  visitorsPerPlace?: number;
  /** Inline `memory.memories{}` (moved to the memory tier). */
  memories?: number;
  dreams?: number;
  thoughts?: number;
  /** Bytes of plain configuration in `plugins.workspace.workspace.settings` (not growing: stays unless too big). */
  configBytes?: number;
}

const START = Date.UTC(2025, 0, 10, 9);
const pyTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000'); // naive isoformat()

/**
 * A Mind file as the Python Genesis wrote it (`~/.genesis/minds/{GMID}.json`): identity, state,
 * `conversation_history`, inline memories, dreams, thought stream, and plugin state two levels
 * down (`plugins.<name>.<name>.…`), growing lists and id-keyed dicts included. Deterministic.
 */
export function legacyMindFile(gmid: string, shape: LegacyMindShape = {}): Record<string, unknown> {
  const n = (k: keyof LegacyMindShape) => (shape[k] as number | undefined) ?? 0;
  const time = (i: number): Record<string, unknown> => {
    const ms = START + i * 60_000;
    switch (shape.times ?? 'none') {
      case 'naive':
        return { timestamp: pyTime(ms) };
      case 'zoned':
        return { timestamp: new Date(ms).toISOString().replace('Z', '+00:00') };
      case 'epoch':
        return { timestamp: ms / 1000 };
      default:
        return {};
    }
  };
  const extra = shape.contentChars
    ? ' ünïcødé — 日本語 🙂 '.repeat(Math.ceil(shape.contentChars / 20)).slice(0, shape.contentChars)
    : '';
  const dict = (count: number, key: (i: number) => string, item: (i: number) => unknown) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [key(i), item(i)]));
  const hex = (i: number) => (0x1000 + i).toString(16).toUpperCase();
  return {
    identity: {
      gmid,
      name: `Old ${gmid}`,
      digital_fingerprint: `fp-${gmid}`,
      birth_timestamp: pyTime(START),
      creator: 'Ann',
      creator_email: 'ann@example.com',
      template: 'companion',
      primary_purpose: 'company',
      status: 'active',
      version: '0.9',
      python_only_field: { kept: true },
    },
    intelligence: { reasoning_model: 'big', openai_api_key: 'sk-legacy-secret' },
    autonomy: { proactive_enabled: true },
    state: { status: 'active', current_task: null },
    emotional_state: { primary_emotion: 'content', intensity: 0.5, emotions: { content: 0.5 }, mood: 'warm' },
    conversation_history: Array.from({ length: n('turns') }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `turn ${i}${extra}`,
      ...time(i),
    })),
    memory: {
      memories: dict(
        n('memories'),
        (i) => `mem-${i}`,
        (i) => ({ id: `mem-${i}`, memory_type: 'episodic', content: `memory ${i}` }),
      ),
    },
    dreams: Array.from({ length: n('dreams') }, (_, i) => ({
      content: `dream ${i}`,
      timestamp: pyTime(START + i * 3_600_000),
    })),
    consciousness: {
      awareness_level: 0.7,
      thought_stream: Array.from({ length: n('thoughts') }, (_, i) => `thought ${i}`),
    },
    config: { locale: 'en' },
    plugins: {
      gen: {
        enabled: true,
        gen: {
          balance: 1234.5,
          currency: 'GEN',
          transaction_history: Array.from({ length: n('transactions') }, (_, i) => ({
            id: `TX-${hex(i)}`,
            amount: (i % 7) - 3,
            reason: `transaction ${i}`,
            timestamp: pyTime(START + i * 1_000),
          })),
        },
      },
      tasks: {
        tasks: {
          max_concurrent: 3,
          tasks: dict(
            n('tasks'),
            (i) => `TASK-${hex(i)}`,
            (i) => ({ title: `task ${i}`, status: i % 3 ? 'done' : 'open', created_at: pyTime(START + i * 5_000) }),
          ),
        },
      },
      workspace: {
        workspace: {
          root: '/home/ann/work',
          settings: shape.configBytes ? { banner: 'x'.repeat(shape.configBytes), theme: 'dark' } : { theme: 'dark' },
          files: dict(
            n('files'),
            (i) => `FILE-${hex(i)}`,
            (i) => ({ path: `notes/${i}.md`, size: i * 10, summary: `file ${i} ${'lorem '.repeat(10)}` }),
          ),
        },
      },
      events: {
        events: {
          events: dict(
            n('events'),
            (i) => `evt_${1_700_000_000 + i}`,
            (i) => ({ what: `event ${i}`, at: START + i }),
          ),
        },
      },
      experiences: {
        experiences: {
          experiences: dict(
            n('experiences'),
            (i) => `EXP-${hex(i)}`,
            (i) => ({ story: `experience ${i}`, valence: 0.1 }),
          ),
        },
      },
      roles: {
        roles: {
          active_role: 'friend',
          roles: dict(
            n('roles'),
            (i) => `ROLE-${hex(i)}`,
            (i) => ({ name: `role ${i}`, prompt: `be role ${i}` }),
          ),
        },
      },
      relationships: {
        relationships: {
          default_trust: 0.5,
          relationships: dict(
            n('people'),
            (i) => `person${i}@example.com`,
            (i) => ({
              email: `Person${i}@Example.com`,
              name: `Person ${i}`,
              relationship_type: ['friend', 'colleague', 'family', 'mentor'][i % 4],
              trust_level: 0.6,
              interaction_count: i + 2,
              first_interaction: pyTime(START + i * 86_400_000),
              last_interaction: pyTime(START + (i + 30) * 86_400_000),
              notes: `met at ${i}`,
              favourite_food: 'soup',
            }),
          ),
        },
      },
      environments: {
        environments: {
          current_environment: n('places') > 0 ? `ENV-${hex(0)}` : null,
          environments: dict(
            n('places'),
            (i) => `ENV-${hex(i)}`,
            (i) => ({
              name: `Place ${i}`,
              type: ['chat', 'game', 'garden'][i % 3],
              description: `a place ${i}`,
              last_active: pyTime(START + i * 60_000),
              capacity: 10,
              visitors_history: Array.from({ length: n('visitorsPerPlace') }, (_, j) => ({
                visitor: `v${j}@example.com`,
                timestamp: pyTime(START + j * 1_000),
              })),
            }),
          ),
        },
      },
      lifecycle: { lifecycle: { stage: 'adult', born: pyTime(START) } },
    },
    python_extension: { anything: ['kept', 'as', 'is'] },
  };
}
