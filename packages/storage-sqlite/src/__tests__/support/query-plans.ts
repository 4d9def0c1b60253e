import { SqlDatabase } from '../../sql-database';
import type { TestTarget } from './targets';

/** A migrated database that records every statement run on it, and SQLite's plans of them. */
export interface PlannedDatabase {
  db: SqlDatabase;
  /** The plan of the one statement `run` executes (fails the test if it runs another number). */
  planOf(run: () => Promise<unknown>): Promise<string>;
  /** Every statement `run` executes (BEGIN and COMMIT are not reported), each with its plan. */
  plansOf(run: () => Promise<unknown>): Promise<Array<{ sql: string; plan: string }>>;
}

/** Opens `target` (SQLite) migrated, recording statements for `planOf`. */
export async function openPlannedDatabase(target: TestTarget): Promise<PlannedDatabase> {
  let captured: Array<{ sql: string; params: unknown[] }> = [];
  const db = await SqlDatabase.open({
    url: await target.create(),
    onQuery: (sql, params) => captured.push({ sql, params: [...params] }),
  });
  await db.migrate();
  const plansOf = async (run: () => Promise<unknown>) => {
    captured = [];
    await run();
    const statements = captured;
    return Promise.all(
      statements.map(async ({ sql, params }) => ({ sql, plan: (await db.explain(sql, params)).join('\n') })),
    );
  };
  return {
    db,
    plansOf,
    async planOf(run) {
      const plans = await plansOf(run);
      expect(plans).toHaveLength(1);
      return plans[0]!.plan;
    },
  };
}
