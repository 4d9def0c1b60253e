import type { ValueTransformer } from 'typeorm';

/**
 * Epoch-millisecond timestamps are stored as BIGINT on both SQLite and PostgreSQL so that keyset
 * comparisons are plain integer comparisons. node-postgres returns BIGINT as a string: this turns it
 * back into a number (safe up to year 287396).
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
