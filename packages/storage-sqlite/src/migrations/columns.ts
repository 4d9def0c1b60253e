/**
 * Column specs the migrations share (`fill` and `legacyTime` as in TableSpec). A migration's tables
 * are fixed once it has shipped: change these only in ways that build the same specs.
 */

/** A row id (a UUID): the primary key. */
export const id = { name: 'id', type: 'varchar', length: '36', isPrimary: true } as const;

/** The Mind a row belongs to ('' for rows an older tool left without one). */
export const mindId = { name: 'mind_id', type: 'varchar', length: '64', fill: "''" } as const;

/**
 * Epoch milliseconds: nullable, or NOT NULL and filled from the first of the `legacyTime` columns
 * an older table has, else with the migration time.
 */
export const ms = (name: string, nullable = false, legacyTime: string[] = []) =>
  nullable ? { name, type: 'bigint', isNullable: true } : { name, type: 'bigint', fill: 'now_ms', legacyTime };

/** Nullable text (JSON, notes, errors). */
export const text = (name: string) => ({ name, type: 'text', isNullable: true });

/** A string of at most `length` characters: nullable, or NOT NULL and filled with `fill` ('' unless given). */
export const str = (name: string, length: number, nullable: boolean, fill?: string) => ({
  name,
  type: 'varchar',
  length: String(length),
  ...(nullable ? { isNullable: true } : { fill: fill ?? "''" }),
});

/** An integer, 0 by default. */
export const int = (name: string, fill = '0') => ({ name, type: 'integer', default: 0, fill });
