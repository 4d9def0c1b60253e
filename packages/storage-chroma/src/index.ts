import { join } from 'node:path';

/** Where the embedded Chroma server of a Genesis home keeps its data: `<home>/data/chroma`. */
export function chromaDataDir(home: string): string {
  return join(home, 'data', 'chroma');
}
