import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exitCode,
  listeningUrl,
  type ServerProcess,
  spawnServer,
  tempDirs,
  until,
} from './server-process.ts';

const ADMIN = 'shutdown-test-admin-token-0123456789abcdef';
const dirs = tempDirs('clos-shutdown-');
afterAll(() => dirs.removeAll());

/** Whether a new TCP connection to `url` is accepted. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('graceful shutdown on SIGTERM', { timeout: 120_000 }, () => {
  let server: ServerProcess | undefined;
  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('stops accepting, finishes the request in flight, sends stream readers to reconnect, closes the database', async () => {
    const dataDir = join(dirs.make(), 'data');
    server = spawnServer(['--data-dir', dataDir, '--port', '0'], { env: { CLOS_ADMIN_TOKEN: ADMIN } });
    const url = await listeningUrl(server);
    const auth = { authorization: `Bearer ${ADMIN}` };

    // A reader of the event stream, connected before the stop.
    const stream = await fetch(`${url}/api/v1/stream`, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const streamText = new Response(stream.body).text();

    // A write whose body is half sent when the signal arrives.
    const body = JSON.stringify({ slug: 'inflight', name: 'In flight', timezone: 'UTC' });
    const half = Math.floor(body.length / 2);
    let finishInflight = () => {};
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${url}/api/v1/pods`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, half));
      // Held open: the rest goes after the stop has begun.
      finishInflight = () => req.end(body.slice(half));
    });
    // The server has the request's headers once its log says so.
    await until(
      'the request to arrive',
      async () => server!.stdout().includes('"url":"/api/v1/pods"'),
      20_000,
    );

    server.child.kill('SIGTERM');
    // New connections are refused while the request in flight is still open.
    await until('the port to close', async () => !(await accepts(url)), 20_000);
    // The stream reader was told to reconnect (SSE `retry:`) and its response ended.
    const streamed = await streamText;
    expect(streamed).toMatch(/\nretry: 1000\n/);
    expect(server.child.exitCode).toBeNull();

    finishInflight();
    const done = await response;
    expect(done.status, done.text).toBe(201);
    expect(await exitCode(server, 40_000), server.output()).toBe(0);
    expect(server.stderr()).toContain('received SIGTERM, shutting down');
    expect(server.stderr()).toContain('stopped');

    // The database was closed cleanly and the data directory unlocked: a new process opens it and
    // finds the write that was in flight.
    server = spawnServer(['--data-dir', dataDir, '--port', '0']);
    const again = await listeningUrl(server);
    const pods = await fetch(`${again}/api/v1/pods`, { headers: auth });
    expect(pods.status).toBe(200);
    const listed = (await pods.json()) as { data?: { slug: string }[]; items?: { slug: string }[] };
    expect(JSON.stringify(listed)).toContain('"slug":"inflight"');
    server.child.kill('SIGTERM');
    expect(await exitCode(server, 40_000), server.output()).toBe(0);
  });
});
