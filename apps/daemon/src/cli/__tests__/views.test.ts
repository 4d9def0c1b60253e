import { statusView } from '../views';

test('the status view says when migrations are pending', () => {
  const status = {
    home: '/h',
    database: '/h/genesis.db',
    dialect: 'sqlite' as const,
    migrations: { applied: ['A1'], pending: ['B2'], appliedNow: [] },
    rows: { minds: 2, conversation_messages: 10 },
  };
  expect(statusView(status).json).toBe(status);
  expect(statusView(status).text).toBe(
    [
      'home:       /h',
      'database:   /h/genesis.db (sqlite)',
      'migrations: 1 applied, 1 pending: run genesis migrate',
      '  minds                  2',
      '  conversation_messages  10',
    ].join('\n'),
  );
});
