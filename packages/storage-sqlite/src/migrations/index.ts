import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { MindRecords1764100000000 } from './1764100000000-MindRecords';
import { TaskLeases1764200000000 } from './1764200000000-TaskLeases';
import { SchedulesAndLeases1764300000000 } from './1764300000000-SchedulesAndLeases';

/** Every migration, in order. Append new ones at the end with a greater timestamp. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  MindRecords1764100000000,
  TaskLeases1764200000000,
  SchedulesAndLeases1764300000000,
];
