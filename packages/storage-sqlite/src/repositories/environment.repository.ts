import { inject, injectable } from 'tsyringe';
import { CLOCK, ENVIRONMENT_KINDS, epochMs, nonEmptyText, oneOf, type EnvironmentInput } from '@genesis/mind-core';
import { checkImportedEnvironment } from '@genesis/mind-core';
import type { AppendResult, Clock, EnvironmentRecord, EnvironmentStore } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { ANY_UNIQUE_KEY, insertRows } from './insert-rows';
import { asIs, bool, json, newId, num, numOrNull, rowCodec, strOrNull, text, toJson } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toEnvironment } = rowCodec<EnvironmentRecord>({
  id: text,
  mindId: text,
  name: text,
  kind: asIs,
  description: strOrNull,
  isPrimary: bool,
  metadata: json<Record<string, unknown>>({}),
  createdAt: num,
  updatedAt: num,
  lastActiveAt: numOrNull,
  visitCount: num,
});

/** environments: where each mind lives and talks, unique by (mind, name). */
@injectable()
export class EnvironmentRepository implements EnvironmentStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async upsert(env: EnvironmentInput): Promise<EnvironmentRecord> {
    const now = this.clock.now();
    const params = [
      newId(),
      nonEmptyText(env.mindId, 'mindId', 64),
      nonEmptyText(env.name, 'name', 200),
      oneOf(env.kind, ENVIRONMENT_KINDS, 'kind'),
      env.description ?? null,
      env.isPrimary ?? false,
      env.metadata === undefined ? null : toJson(env.metadata, 'metadata'),
      now,
      now,
      null,
      0,
    ];
    const row = await this.db.write(async (tx) => {
      await tx.run(
        `INSERT INTO environments (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mind_id, name) DO UPDATE SET ` +
          'kind = excluded.kind, description = COALESCE(excluded.description, environments.description), ' +
          'is_primary = excluded.is_primary, metadata = COALESCE(excluded.metadata, environments.metadata), updated_at = excluded.updated_at',
        params,
      );
      const [r] = await tx.all<Row>(`SELECT ${COLUMNS} FROM environments WHERE mind_id = ? AND name = ?`, [
        env.mindId,
        env.name,
      ]);
      return r!;
    });
    return toEnvironment(row);
  }

  async get(mindId: string, id: string): Promise<EnvironmentRecord | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM environments WHERE id = ? AND mind_id = ?`, [
      id,
      mindId,
    ]);
    return row ? toEnvironment(row) : null;
  }

  async findByName(mindId: string, name: string): Promise<EnvironmentRecord | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM environments WHERE mind_id = ? AND name = ?`, [
      mindId,
      name,
    ]);
    return row ? toEnvironment(row) : null;
  }

  async list(mindId: string): Promise<EnvironmentRecord[]> {
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM environments WHERE mind_id = ? ORDER BY last_active_at DESC NULLS LAST, name ASC`,
      [mindId],
    );
    return rows.map(toEnvironment);
  }

  async markActive(mindId: string, id: string, at: number): Promise<boolean> {
    epochMs(at, 'at');
    const changed = await this.db.write((tx) =>
      tx.run('UPDATE environments SET last_active_at = ?, updated_at = ? WHERE id = ? AND mind_id = ?', [
        at,
        at,
        id,
        mindId,
      ]),
    );
    return changed > 0;
  }

  async recordVisit(mindId: string, id: string, at: number): Promise<EnvironmentRecord | null> {
    epochMs(at, 'at');
    const row = await this.db.write(async (tx) => {
      const changed = await tx.run(
        'UPDATE environments SET last_active_at = ?, updated_at = ?, visit_count = visit_count + 1 WHERE id = ? AND mind_id = ?',
        [at, at, id, mindId],
      );
      if (changed === 0) return undefined;
      const [r] = await tx.all<Row>(`SELECT ${COLUMNS} FROM environments WHERE id = ? AND mind_id = ?`, [id, mindId]);
      return r;
    });
    return row ? toEnvironment(row) : null;
  }

  async importMany(rows: readonly EnvironmentRecord[]): Promise<AppendResult> {
    const values = rows.map((row, i) => {
      const e = checkImportedEnvironment(row, `environments.${i}`);
      return [
        e.id,
        e.mindId,
        e.name,
        e.kind,
        e.description,
        e.isPrimary,
        toJson(e.metadata, 'metadata'),
        e.createdAt,
        e.updatedAt,
        e.lastActiveAt,
        e.visitCount,
      ];
    });
    return insertRows(this.db, 'environments', COLUMNS, values, ANY_UNIQUE_KEY);
  }

  async remove(mindId: string, id: string): Promise<boolean> {
    return (
      (await this.db.write((tx) => tx.run('DELETE FROM environments WHERE id = ? AND mind_id = ?', [id, mindId]))) > 0
    );
  }
}
