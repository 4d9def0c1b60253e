import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { MemoryCatalogStore } from '../ports/memory-catalog';
import type { MemoryBackend } from '../ports/memory-store';
import type { MindDocumentStore } from '../ports/mind-document-store';
import type { TransactionStores, UnitOfWork } from '../ports/unit-of-work';

/** What moving a Mind between homes works with: the ports of the three tiers, nothing else. */
export interface MindTransferPorts {
  /** The SQL-tier stores (outside units of work): read by the export. */
  stores: Pick<
    TransactionStores,
    'messages' | 'concerns' | 'tasks' | 'minds' | 'environments' | 'relationships' | 'records' | 'schedules'
  >;
  /** Each batch of imported lines commits in one unit of work. */
  unitOfWork: UnitOfWork;
  memory: MemoryBackend;
  /** The SQL catalogue of memories: it holds their access counts. */
  memoryCatalog: MemoryCatalogStore;
  documents: MindDocumentStore;
  clock: Clock;
  logger?: Logger;
}
