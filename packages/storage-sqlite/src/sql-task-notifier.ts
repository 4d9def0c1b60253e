import { inject, injectable } from 'tsyringe';
import { TASK_CHANNEL, type TaskNotifier } from '@genesis/mind-core';
import type { SqlDatabase } from './sql-database';
import { SQL_DATABASE } from './tokens';

/** Task enqueues announced through PostgreSQL NOTIFY (the task repository sends them); on SQLite, silence. */
@injectable()
export class SqlTaskNotifier implements TaskNotifier {
  constructor(@inject(SQL_DATABASE) private readonly db: SqlDatabase) {}

  subscribe(listener: (mindId: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(TASK_CHANNEL, listener);
  }
}
