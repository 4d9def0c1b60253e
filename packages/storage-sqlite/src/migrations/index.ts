import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { MindRecords1764100000000 } from './1764100000000-MindRecords';
import { TaskLeases1764200000000 } from './1764200000000-TaskLeases';
import { SchedulesAndLeases1764300000000 } from './1764300000000-SchedulesAndLeases';
import { TaskClaimIndex1764400000000 } from './1764400000000-TaskClaimIndex';
import { ConcernFires1764500000000 } from './1764500000000-ConcernFires';
import { EnvironmentVisits1764700000000 } from './1764700000000-EnvironmentVisits';
import { ApiTokens1764800000000 } from './1764800000000-ApiTokens';
import { MemoryCatalog1764900000000 } from './1764900000000-MemoryCatalog';
import { MemoryOutbox1765000000000 } from './1765000000000-MemoryOutbox';
import { MemoryAliases1765100000000 } from './1765100000000-MemoryAliases';

/** Every migration, in order. Append new ones at the end with a greater timestamp. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  MindRecords1764100000000,
  TaskLeases1764200000000,
  SchedulesAndLeases1764300000000,
  TaskClaimIndex1764400000000,
  ConcernFires1764500000000,
  EnvironmentVisits1764700000000,
  ApiTokens1764800000000,
  MemoryCatalog1764900000000,
  MemoryOutbox1765000000000,
  MemoryAliases1765100000000,
];
