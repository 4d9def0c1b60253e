import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Writes lines to a file, one at a time, waiting whenever the stream's buffer is full (never the whole file in memory). */
export class LineWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  bytes = 0;

  constructor(path: string) {
    // Owner-only: an export holds a Mind's conversations (and, when asked for, its secrets).
    this.stream = createWriteStream(path, { mode: 0o600 });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytes += Buffer.byteLength(text);
    if (!this.stream.write(text)) {
      // Wait until the buffer drained (or the stream failed), leaving no listener behind.
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
    if (this.failure) throw this.failure;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
    if (this.failure) throw this.failure;
  }
}

/** The lines of a file with their numbers (from 1), read as a stream. */
export async function* readLines(path: string): AsyncGenerator<{ n: number; text: string }> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const text of lines) yield { n: ++n, text };
  } finally {
    lines.close();
    input.destroy();
  }
}
