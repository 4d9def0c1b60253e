import type { MindTransferPorts } from '@genesis/mind-core';
import type { FakeClock } from '@genesis/mind-core/testing';
import { snapshotMind, type MindSnapshot } from '@genesis/mind-core/testing';
import { resolveConfig } from '../../composition/config';
import { composeGenesis, type ComposedGenesis } from '../../composition/container';
import { openGenesis, transferPorts, type Genesis } from '../../composition/open-genesis';

/**
 * A real home for export/import tests: Genesis opened on it (SQLite, or PostgreSQL by `databaseUrl`;
 * the home's own Chroma server), and a second composition on the same home whose stores fill and
 * read the Mind directly (fire records, records, every row back).
 */
export interface TransferHome {
  genesis: Genesis;
  composed: ComposedGenesis;
  stores: MindTransferPorts['stores'];
  snapshot(gmid: string): Promise<MindSnapshot>;
  close(): Promise<void>;
}

export async function openTransferHome(home: string, clock: FakeClock, databaseUrl?: string): Promise<TransferHome> {
  const config = resolveConfig({
    overrides: { home, ...(databaseUrl ? { databaseUrl } : {}) },
    env: { GENESIS_EMBEDDINGS: 'hash' },
  });
  const genesis = await openGenesis({ config, clock });
  const composed = await composeGenesis(config, { clock });
  const { stores, documents, memory, memoryCatalog } = transferPorts(composed);
  return {
    genesis,
    composed,
    stores,
    snapshot: (gmid) => snapshotMind({ stores, documents, memory, memoryCatalog }, gmid),
    async close() {
      await composed.close();
      await genesis.close();
    },
  };
}
