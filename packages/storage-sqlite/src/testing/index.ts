// @genesis/storage-sqlite/testing — fixtures for tests of the SQL tier and of what builds on it.

export { PYTHON_TABLES, pythonRows, pythonTableDdl, pythonTime, readSqliteTable, writePythonHome } from './python-home';
export type { PythonBadRow, PythonHome, PythonHomeOptions, PythonTableName } from './python-home';
export { expectEveryRowImported, ourRows, naive as pythonNaiveTime, type ExpectLike } from './python-import-check';
