import { inject, injectable } from 'tsyringe';
import { checkLeaseClaim, leaseEnd, nonEmptyText } from '@genesis/mind-core';
import type { AcquireResult, EpochMs, LeaseClaim, MindLease, MindLeaseStore } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { num, rowCodec, text } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toLease } = rowCodec<MindLease>({
  mindId: text,
  ownerId: text,
  host: text,
  pid: num,
  acquiredAt: num,
  expiresAt: num,
});

/**
 * mind_leases: which daemon drives each Mind. Every change is one conditional statement, so two
 * daemons racing never both hold a Mind: the database decides (SQLite's write lock, PostgreSQL's
 * row lock on the conflicting key).
 */
@injectable()
export class MindLeaseRepository implements MindLeaseStore {
  constructor(@inject(SQL_EXECUTOR) private readonly db: SqlExecutor) {}

  async acquire(claim: LeaseClaim, now: EpochMs, leaseMs: number): Promise<AcquireResult> {
    const checked = checkLeaseClaim(claim);
    const expiresAt = leaseEnd(now, leaseMs);
    const row = await this.db.write(async (tx) => {
      // Insert, or take over a lease that expired or is this owner's already (then acquired_at stays).
      await tx.run(
        `INSERT INTO mind_leases (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (mind_id) DO UPDATE SET ` +
          'owner_id = excluded.owner_id, host = excluded.host, pid = excluded.pid, ' +
          'acquired_at = CASE WHEN mind_leases.owner_id = excluded.owner_id THEN mind_leases.acquired_at ELSE excluded.acquired_at END, ' +
          'expires_at = excluded.expires_at ' +
          'WHERE mind_leases.expires_at <= excluded.acquired_at OR mind_leases.owner_id = excluded.owner_id',
        [checked.mindId, checked.ownerId, checked.host, checked.pid, now, expiresAt],
      );
      const [r] = await tx.all<Row>(`SELECT ${COLUMNS} FROM mind_leases WHERE mind_id = ?`, [checked.mindId]);
      return r!;
    });
    const lease = toLease(row);
    return lease.ownerId === checked.ownerId ? { acquired: true, lease } : { acquired: false, holder: lease };
  }

  async takeOver(claim: LeaseClaim, holderOwnerId: string, now: EpochMs, leaseMs: number): Promise<boolean> {
    const { mindId, ownerId, host, pid } = checkLeaseClaim(claim);
    const expiresAt = leaseEnd(now, leaseMs);
    const holder = nonEmptyText(holderOwnerId, 'holderOwnerId', 64);
    const changed = await this.db.write((tx) =>
      tx.run(
        'UPDATE mind_leases SET owner_id = ?, host = ?, pid = ?, acquired_at = ?, expires_at = ? WHERE mind_id = ? AND owner_id = ?',
        [ownerId, host, pid, now, expiresAt, mindId, holder],
      ),
    );
    return changed > 0;
  }

  async renew(mindId: string, ownerId: string, now: EpochMs, leaseMs: number): Promise<boolean> {
    const expiresAt = leaseEnd(now, leaseMs);
    const changed = await this.db.write((tx) =>
      tx.run('UPDATE mind_leases SET expires_at = ? WHERE mind_id = ? AND owner_id = ?', [expiresAt, mindId, ownerId]),
    );
    return changed > 0;
  }

  async release(mindId: string, ownerId: string): Promise<boolean> {
    const changed = await this.db.write((tx) =>
      tx.run('DELETE FROM mind_leases WHERE mind_id = ? AND owner_id = ?', [mindId, ownerId]),
    );
    return changed > 0;
  }

  async get(mindId: string): Promise<MindLease | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM mind_leases WHERE mind_id = ?`, [mindId]);
    return row ? toLease(row) : null;
  }

  async list(): Promise<MindLease[]> {
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM mind_leases ORDER BY mind_id`);
    return rows.map(toLease);
  }
}
