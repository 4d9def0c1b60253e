import type { VectorClause, VectorFilter, VectorScalar } from '../ports/memory-store';

/**
 * Whether a record's metadata passes every clause of a vector filter, with the semantics the
 * MemoryStore port gives them (a missing field passes no clause but an `or` of others).
 */
export function matchesVectorFilter(metadata: Record<string, VectorScalar>, filter: VectorFilter | undefined): boolean {
  const one = (c: VectorClause): boolean => {
    if (c.op === 'or') return c.clauses.some(one);
    const v = metadata[c.field];
    if (v === undefined) return false;
    switch (c.op) {
      case 'eq':
        return v === c.value;
      case 'ne':
        return v !== c.value;
      case 'in':
        return c.value.includes(v);
      case 'gt':
        return typeof v === 'number' && v > c.value;
      case 'gte':
        return typeof v === 'number' && v >= c.value;
      case 'lt':
        return typeof v === 'number' && v < c.value;
      case 'lte':
        return typeof v === 'number' && v <= c.value;
    }
  };
  return (filter ?? []).every(one);
}
