import type { Page } from '../ports/page';
import type { TransactionStores, UnitOfWork } from '../ports/unit-of-work';
import { FakeClock } from './fake-clock';

/** Something that implements the SQL-tier ports: each test gets fresh, empty stores. */
export interface StoreContractTarget {
  name: string;
  create(clock: FakeClock): Promise<{ stores: TransactionStores; unitOfWork: UnitOfWork; close(): Promise<void> }>;
}

/** What each test of the SQL-tier contracts works with: fresh stores, their unit of work and clock. */
export interface StoreContext {
  s: TransactionStores;
  unitOfWork: UnitOfWork;
  clock: FakeClock;
}

/** The Mind the contracts write for, and another one whose rows must stay apart. */
export const MIND = 'GMD-2026-4A7F-9B23';
export const OTHER = 'GMD-2026-0000-0001';

/** Wraps a contract test: it runs on fresh stores of `target`, closed afterwards whatever happens. */
export function storesOf(target: StoreContractTarget) {
  return (test: (ctx: StoreContext) => Promise<void>) => async () => {
    const clock = new FakeClock();
    const { stores, unitOfWork, close } = await target.create(clock);
    try {
      await test({ s: stores, unitOfWork, clock });
    } finally {
      await close();
    }
  };
}

/** Every item of a keyset-paginated query, page by page. */
export async function allPages<T>(
  fetch: (cursor: string | null) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    if (pages > 10_000) throw new Error('pagination does not end');
  } while (cursor);
  return { items, pages };
}

/** Ids sorted by (key, id), ascending or descending: the order every keyset page must follow. */
export function keysetOrder<T>(
  rows: T[],
  key: (row: T) => number,
  id: (row: T) => string,
  direction: 'asc' | 'desc',
): string[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => sign * (key(a) - key(b) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))).map(id);
}
