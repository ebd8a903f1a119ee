import { type ClientRequest, type IncomingHttpHeaders, request } from 'node:http';

export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body of a non-200 answer. */
  body: string;
  messages: SseMessage[];
  comments: string[];
  retry: number | null;
  /** True once the server ended the response or the socket closed. */
  ended(): boolean;
  /** Waits until `count` messages (optionally only those `matching`) arrived. */
  waitFor(count: number, matching?: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  waitUntil(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * Reads `GET url` as Server-Sent Events with node:http (what a fetch-based EventSource sees), parsing
 * frames as they arrive. Resolves once the status line is in.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    let ended = false;
    const conn: SseConnection = {
      status: 0,
      headers: {},
      body: '',
      messages: [],
      comments: [],
      retry: null,
      ended: () => ended,
      async waitFor(count, matching = () => true, timeoutMs = 60_000) {
        await conn.waitUntil(
          () => conn.messages.filter(matching).length >= count,
          `${count} matching messages`,
          timeoutMs,
        );
        return conn.messages.filter(matching);
      },
      async waitUntil(condition, what, timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        while (!condition()) {
          if (Date.now() > deadline)
            throw new Error(
              `timed out waiting for ${what}; got ${JSON.stringify(conn.messages)} comments ${JSON.stringify(conn.comments)}`,
            );
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      close: () => req.destroy(),
    };
    req = request(url, { headers }, (res) => {
      conn.status = res.statusCode ?? 0;
      conn.headers = res.headers;
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        if (conn.status !== 200) {
          conn.body += chunk;
          return;
        }
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          parseBlock(buffer.slice(0, end), conn);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('close', () => {
        ended = true;
      });
      if (conn.status === 200) resolve(conn);
      else res.on('end', () => resolve(conn));
    });
    req.on('error', (error) => {
      ended = true;
      if (conn.status === 0) reject(error);
    });
    req.end();
  });
}

function parseBlock(block: string, conn: SseConnection): void {
  let id: string | undefined;
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) conn.comments.push(line.slice(1).trim());
    else if (line.startsWith('retry: ')) conn.retry = Number(line.slice(7));
    else if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length) conn.messages.push({ id, event, data: data.join('\n') });
}
