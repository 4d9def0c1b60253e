/**
 * Everything the CLI reads from or writes to the outside world, so that commands never touch
 * `process.stdout`, `process.stderr` or `process.stdin` themselves (and tests can run them in-process).
 */
export interface Io {
  /** One result for stdout (a newline is added). */
  out(text: string): void;
  /** One diagnostic for stderr (a newline is added). */
  err(text: string): void;
  /** All of stdin, as raw bytes (`--content -`). */
  readStdin(): Promise<Buffer>;
  /** Where progress bars draw (stderr); they draw only when it is a terminal. */
  readonly progress: NodeJS.WritableStream;
}

/** The Io of the running process. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin)
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks);
    },
    progress: process.stderr,
  };
}
