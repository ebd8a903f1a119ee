import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@clos/db';
import { openTestDatabase } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningUrl, type ServerProcess, spawnServer, stopServer } from './server-process.ts';
import { openSse, type SseConnection } from './sse.ts';

const ADMIN = 'clos_multi_process_admin_token_0123456789';

interface Server extends ServerProcess {
  url: string;
}

async function startServer(databaseUrl: string, cwd: string): Promise<Server> {
  const s = spawnServer(['--port', '0'], {
    cwd,
    env: { DATABASE_URL: databaseUrl, CLOS_ADMIN_TOKEN: ADMIN },
  });
  return { ...s, url: await listeningUrl(s) };
}

// Two real server processes on one PostgreSQL: an event written through either reaches the SSE
// clients of both. A hub reads new events only when notified (or after a failed read), so the other
// process's stream can only have heard of it through the relay's NOTIFY and its own LISTEN.
describe.skipIf(!process.env.CLOS_TEST_DATABASE_URL)(
  'the event stream across server processes',
  { timeout: 300_000 },
  () => {
    let database: Database & { url: string };
    const servers: Server[] = [];
    const streams: SseConnection[] = [];
    const dirs: string[] = [];

    beforeAll(async () => {
      database = (await openTestDatabase('postgres')) as Database & { url: string };
      for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), 'clos-stream-')));
      // One after the other: both would migrate and bootstrap at once otherwise (safe, but slower here).
      servers.push(await startServer(database.url, dirs[0]!));
      servers.push(await startServer(database.url, dirs[1]!));
    }, 400_000);

    afterAll(async () => {
      for (const s of streams) s.close();
      await Promise.all(servers.map((s) => stopServer(s)));
      await database?.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }, 120_000);

    it('delivers an event written through one process to the streams of both', async () => {
      const [a, b] = servers as [Server, Server];
      for (const s of servers) {
        const conn = await openSse(`${s.url}/api/v1/stream?types=idea.submitted`, {
          authorization: `Bearer ${ADMIN}`,
        });
        expect(conn.status).toBe(200);
        await conn.waitUntil(() => conn.retry !== null, 'the retry line', 120_000);
        streams.push(conn);
      }

      const submit = async (server: Server, title: string) => {
        const res = await fetch(`${server.url}/api/v1/ideas`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title }),
        });
        expect(res.status).toBe(201);
        return ((await res.json()) as { id: string }).id;
      };

      const fromA = await submit(a, 'written through A');
      for (const conn of streams) {
        const [message] = await conn.waitFor(1, undefined, 120_000);
        expect(JSON.parse(message!.data)).toMatchObject({ type: 'idea.submitted', subjectId: fromA });
      }
      const fromB = await submit(b, 'written through B');
      for (const conn of streams) {
        const got = await conn.waitFor(2, undefined, 120_000);
        expect(got.map((m) => JSON.parse(m.data).subjectId)).toEqual([fromA, fromB]);
        // One sequence across processes: both streams carry the same ids.
        expect(got.map((m) => m.id)).toEqual(streams[0]!.messages.slice(0, 2).map((m) => m.id));
      }
    });

    it('ends open streams and exits cleanly on SIGTERM', async () => {
      const [a] = servers as [Server];
      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      await streams[0]!.waitUntil(() => streams[0]!.ended(), 'the stream to end', 60_000);
    });
  },
);
