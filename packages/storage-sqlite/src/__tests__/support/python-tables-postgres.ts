import { Client } from 'pg';
import { pythonRows, pythonTableDdl } from '../../testing';

/**
 * Writes the Python Genesis tables of `pythonRows({ minds: 3, variant })` into the PostgreSQL
 * database at `url`, as create_all made them there, with their rows; returns the fixture.
 */
export async function writePythonTablesOnPostgres(
  url: string,
  variant: 'current' | 'older' = 'current',
): Promise<ReturnType<typeof pythonRows>> {
  const fixture = pythonRows({ minds: 3, variant });
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of fixture.tables) {
      for (const statement of pythonTableDdl(table, variant, 'postgres')) await client.query(statement);
      for (const row of fixture.rows[table]!) {
        const cols = Object.keys(row);
        await client.query(
          `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
          cols.map((col) => row[col]),
        );
      }
    }
  } finally {
    await client.end();
  }
  return fixture;
}
