import { request, type ClientRequest } from 'node:http';

export interface SseFrame {
  id: string | null;
  event: string | null;
  data: string;
}

/** The JSON of one event's `data:` line. */
export interface SseEvent {
  id: string;
  mindId: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export interface SseClient {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  frames: SseFrame[];
  /** Comment lines seen (`: ping` heartbeats, the greeting). */
  comments: string[];
  /** Parsed `data` of the frames that carry one. */
  events(): SseEvent[];
  /** Resolves once `check` holds for the frames received (polled every 10 ms, up to `timeoutMs`). */
  waitFor(check: (client: SseClient) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): void;
  closed: Promise<void>;
}

/**
 * A Server-Sent Events client over a plain HTTP request (what a chat front end on Node would do):
 * parses `id:`, `event:`, `data:` and comment lines; resolves once the response headers arrived.
 */
export function connectSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const client: SseClient = {
      status: 0,
      headers: {},
      frames: [],
      comments: [],
      events: () => client.frames.filter((f) => f.data !== '').map((f) => JSON.parse(f.data) as SseEvent),
      async waitFor(check, what, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        while (!check(client)) {
          if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(client.frames)}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      close: () => req.destroy(),
      closed,
    };
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      client.status = res.statusCode ?? 0;
      client.headers = res.headers;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: SseFrame = { id: null, event: null, data: '' };
          let fields = 0;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              client.comments.push(line.slice(1).trim());
              continue;
            }
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') frame.id = value;
            else if (field === 'event') frame.event = value;
            else if (field === 'data') frame.data = frame.data ? `${frame.data}\n${value}` : value;
            else continue;
            fields++;
          }
          if (fields > 0 && (frame.id !== null || frame.data !== '')) client.frames.push(frame);
        }
      });
      res.on('close', resolveClosed);
      res.on('error', () => undefined);
      resolve(client);
    });
    req.on('error', (error) => {
      resolveClosed();
      if (client.status === 0) reject(error);
    });
    req.end();
  });
}
