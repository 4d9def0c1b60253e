import {
  CONCERN_STORE,
  ENVIRONMENT_STORE,
  MEMORY_BACKEND,
  MESSAGE_STORE,
  MIND_DOCUMENT_STORE,
} from '@genesis/mind-core';
import { MIND_REGISTRY, RECORD_STORE, RELATIONSHIP_STORE, SCHEDULE_STORE, TASK_STORE } from '@genesis/mind-core';
import type { FakeClock } from '@genesis/mind-core/testing';
import { snapshotMind, type MindSnapshot } from '@genesis/mind-core/testing';
import { resolveConfig } from '../../composition/config';
import { composeGenesis, type ComposedGenesis } from '../../composition/container';
import { openGenesis, type Genesis } from '../../composition/open-genesis';

/**
 * A real home for export/import tests: Genesis opened on it (SQLite, or PostgreSQL by `databaseUrl`;
 * the home's own Chroma server), and a second composition on the same home whose stores fill and
 * read the Mind directly (fire records, records, every row back).
 */
export interface TransferHome {
  genesis: Genesis;
  composed: ComposedGenesis;
  stores: ReturnType<typeof storesOf>;
  snapshot(gmid: string): Promise<MindSnapshot>;
  close(): Promise<void>;
}

function storesOf(composed: ComposedGenesis) {
  const c = composed.container;
  return {
    messages: c.resolve(MESSAGE_STORE),
    concerns: c.resolve(CONCERN_STORE),
    tasks: c.resolve(TASK_STORE),
    minds: c.resolve(MIND_REGISTRY),
    environments: c.resolve(ENVIRONMENT_STORE),
    relationships: c.resolve(RELATIONSHIP_STORE),
    records: c.resolve(RECORD_STORE),
    schedules: c.resolve(SCHEDULE_STORE),
  };
}

export async function openTransferHome(home: string, clock: FakeClock, databaseUrl?: string): Promise<TransferHome> {
  const config = resolveConfig({ overrides: { home, ...(databaseUrl ? { databaseUrl } : {}) }, env: {} });
  const genesis = await openGenesis({ config, clock });
  const composed = await composeGenesis(config, { clock });
  const stores = storesOf(composed);
  const c = composed.container;
  return {
    genesis,
    composed,
    stores,
    snapshot: (gmid) =>
      snapshotMind({ stores, documents: c.resolve(MIND_DOCUMENT_STORE), memory: c.resolve(MEMORY_BACKEND) }, gmid),
    async close() {
      await composed.close();
      await genesis.close();
    },
  };
}
