/**
 * An open-loop HTTP load of GETs at an even rate, for http.bench.ts (run as a child process, as
 * autocannon is): request i is due at start + i / rate, whatever the answers before it; due
 * requests go out on a free keep-alive connection (of `connections`), or wait in order for one.
 * Each latency is measured from the time the request was due, so time spent waiting for a
 * connection counts (no coordinated omission). Timers tick every millisecond: at 3,000 req/s,
 * three requests a millisecond.
 *
 * autocannon's --overallRate is not this: it gives each connection a budget per second, which the
 * connection spends as fast as it is answered (closed loop) before it waits for the next second —
 * so all the connections send in step, in bursts at the closed-loop rate.
 *
 *   node open-loop.js '{"url":"http://127.0.0.1:7777/v1/…","headers":{"authorization":"Bearer …"},"rate":3000,"connections":100,"seconds":10}'
 *
 * Prints one JSON line, in the shape of autocannon's --json result (the fields http.bench.ts reads).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

interface Options {
  url: string;
  headers: Record<string, string>;
  rate: number;
  connections: number;
  seconds: number;
}

/** How long the answers of the last requests are waited for after the last one is due. */
const DRAIN_MS = 10_000;
const HEADER_END = Buffer.from('\r\n\r\n');

const options = JSON.parse(process.argv[2] ?? '') as Options;
const url = new URL(options.url);
const request = Buffer.from(
  `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
    Object.entries(options.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n',
  'latin1',
);

const total = Math.round(options.rate * options.seconds);
const latencies: number[] = [];
let ok = 0;
let non2xx = 0;
let errors = 0;
let sent = 0;
let due = 0;
/** Due times (performance.now()) of requests waiting for a free connection, oldest first. */
const waiting: number[] = [];
let waitingHead = 0;

class Connection {
  private socket!: Socket;
  private chunks: Buffer[] = [];
  /** Due time of the request in flight, or null when free. */
  dueAt: number | null = null;

  constructor() {
    this.open();
  }

  private open(): void {
    this.chunks = [];
    this.socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    this.socket.on('data', (data: Buffer) => this.read(data));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      if (finished) return;
      if (this.dueAt !== null) {
        errors++;
        this.dueAt = null;
      }
      this.open();
      dispatch();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  send(dueAt: number): void {
    this.dueAt = dueAt;
    sent++;
    this.socket.write(request);
  }

  private read(data: Buffer): void {
    this.chunks.push(data);
    const buffer = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [buffer];
    const headerEnd = buffer.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = buffer.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) {
      // Only answers with a length are expected (Fastify sends one for JSON): anything else is an error.
      errors++;
      this.dueAt = null;
      this.socket.destroy();
      return;
    }
    const end = headerEnd + HEADER_END.length + Number(length[1]);
    if (buffer.length < end) return;
    const status = Number(head.slice(9, 12));
    if (this.dueAt !== null) {
      latencies.push(performance.now() - this.dueAt);
      if (status >= 200 && status < 300) ok++;
      else non2xx++;
    }
    this.dueAt = null;
    this.chunks = buffer.length > end ? [buffer.subarray(end)] : [];
    dispatch();
  }
}

let finished = false;
const pool = Array.from({ length: options.connections }, () => new Connection());

function dispatch(): void {
  for (const connection of pool) {
    if (waitingHead >= waiting.length) break;
    if (connection.dueAt === null) connection.send(waiting[waitingHead++]!);
  }
  if (waitingHead > 10_000) {
    waiting.splice(0, waitingHead);
    waitingHead = 0;
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number) => Math.round(n * 10) / 10;

// Connections open first (as autocannon's do), then the clock starts.
setTimeout(() => {
  const start = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    const dueNow = Math.min(total, Math.floor(((now - start) * options.rate) / 1000));
    for (; due < dueNow; due++) waiting.push(start + (due * 1000) / options.rate);
    dispatch();
    if (due >= total) {
      clearInterval(tick);
      const sendingSeconds = (now - start) / 1000;
      const deadline = now + DRAIN_MS;
      const drained = setInterval(() => {
        const inFlight = pool.filter((c) => c.dueAt !== null).length + (waiting.length - waitingHead);
        if (inFlight > 0 && performance.now() < deadline) return;
        clearInterval(drained);
        finished = true;
        const timeouts = inFlight;
        const sorted = latencies.sort((a, b) => a - b);
        const result = {
          requests: { average: ok / sendingSeconds, total: ok + non2xx, sent },
          latency: {
            p50: ms(percentile(sorted, 50)),
            p90: ms(percentile(sorted, 90)),
            p99: ms(percentile(sorted, 99)),
            p99_9: ms(percentile(sorted, 99.9)),
            max: ms(sorted.length ? sorted[sorted.length - 1]! : 0),
            average: ms(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
          },
          errors,
          timeouts,
          non2xx,
          '2xx': ok,
          duration: sendingSeconds,
        };
        process.stdout.write(`${JSON.stringify(result)}\n`);
        for (const connection of pool) connection.close();
      }, 10);
    }
  }, 1);
}, 200);
