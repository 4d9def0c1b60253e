import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh Genesis home in a temp folder, removed after the test file. */
export function tempHome(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'genesis-home-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public current = Date.UTC(2026, 0, 1)) {}
  now = (): number => this.current;
  advance(ms: number): number {
    this.current += ms;
    return this.current;
  }
}
