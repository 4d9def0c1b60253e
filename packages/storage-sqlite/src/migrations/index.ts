import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { MindRecords1764100000000 } from './1764100000000-MindRecords';

/** Every migration, in order. Append new ones at the end with a greater timestamp. */
export const MIGRATIONS = [InitialSchema1764000000000, MindRecords1764100000000];
