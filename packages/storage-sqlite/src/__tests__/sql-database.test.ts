import { isPostgresUrl, redactUrl } from '../sql-database';

describe('database URLs', () => {
  it('tells PostgreSQL URLs from SQLite paths and hides passwords', () => {
    expect(isPostgresUrl('postgres://u:p@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://h/db')).toBe(true);
    expect(isPostgresUrl('/home/me/.genesis/genesis.db')).toBe(false);
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });
});
