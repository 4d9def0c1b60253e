import { inject, injectable } from 'tsyringe';
import { CLOCK, epochMs, MIND_STATUSES, nonEmptyText, oneOf } from '@genesis/mind-core';
import type { Clock, MindRegistry, MindStatus, Page, RegisteredMind } from '@genesis/mind-core';
import { keysetPage } from './keyset';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { asIs, num, numOrNull, rowCodec, text } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toMind } = rowCodec<RegisteredMind>({
  gmid: text,
  name: text,
  jsonPath: text,
  status: asIs,
  createdAt: num,
  updatedAt: num,
  lastSeenAt: numOrNull,
});
/** The rows that belong to a mind, as `table WHERE condition` (the fires of its schedules before the schedules). */
const OWNED_TABLES = [
  ['schedule_fires', 'schedule_id IN (SELECT id FROM schedules WHERE mind_id = ?)'],
  ...[
    'conversation_messages',
    'concern_fires',
    'concerns',
    'background_tasks',
    'environments',
    'relationships',
    'mind_records',
    'schedules',
    'mind_leases',
    'api_tokens',
    'memory_catalog',
    'memory_catalog_counts',
  ].map((table) => [table, 'mind_id = ?']),
] as const;

/** minds: the registry of minds on this home. */
@injectable()
export class MindRegistryRepository implements MindRegistry {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async upsert(mind: Parameters<MindRegistry['upsert']>[0]): Promise<RegisteredMind> {
    const now = this.clock.now();
    const params = [
      nonEmptyText(mind.gmid, 'gmid', 64),
      nonEmptyText(mind.name, 'name', 200),
      nonEmptyText(mind.jsonPath, 'jsonPath'),
      oneOf(mind.status, MIND_STATUSES, 'status'),
      now,
      now,
      mind.lastSeenAt == null ? null : epochMs(mind.lastSeenAt, 'lastSeenAt'),
    ];
    const row = await this.db.write(async (tx) => {
      await tx.run(
        `INSERT INTO minds (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (gmid) DO UPDATE SET ` +
          'name = excluded.name, json_path = excluded.json_path, status = excluded.status, updated_at = excluded.updated_at, ' +
          'last_seen_at = COALESCE(excluded.last_seen_at, minds.last_seen_at)',
        params,
      );
      const [r] = await tx.all<Row>(`SELECT ${COLUMNS} FROM minds WHERE gmid = ?`, [mind.gmid]);
      return r!;
    });
    return toMind(row);
  }

  async get(gmid: string): Promise<RegisteredMind | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM minds WHERE gmid = ?`, [gmid]);
    return row ? toMind(row) : null;
  }

  async list(query: { limit: number; cursor?: string | null; status?: MindStatus }): Promise<Page<RegisteredMind>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      where.push('status = ?');
      params.push(oneOf(query.status, MIND_STATUSES, 'status'));
    }
    return keysetPage({
      db: this.db,
      columns: COLUMNS,
      table: 'minds',
      where,
      params,
      key: 'created_at',
      id: 'gmid',
      page: query,
      map: toMind,
      position: (m) => ({ key: m.createdAt, id: m.gmid }),
    });
  }

  async touch(gmid: string, at: number): Promise<boolean> {
    epochMs(at, 'at');
    const changed = await this.db.write((tx) => tx.run('UPDATE minds SET last_seen_at = ? WHERE gmid = ?', [at, gmid]));
    return changed > 0;
  }

  async remove(gmid: string): Promise<{ removed: boolean; rowsDeleted: number }> {
    return this.db.write(async (tx) => {
      let rowsDeleted = 0;
      for (const [table, owned] of OWNED_TABLES)
        rowsDeleted += await tx.run(`DELETE FROM ${table} WHERE ${owned}`, [gmid]);
      const removed = (await tx.run('DELETE FROM minds WHERE gmid = ?', [gmid])) > 0;
      return { removed, rowsDeleted };
    });
  }
}
