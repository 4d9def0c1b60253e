import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';

/** Every migration, in order. Append new ones at the end with a greater timestamp. */
export const MIGRATIONS = [InitialSchema1764000000000];
