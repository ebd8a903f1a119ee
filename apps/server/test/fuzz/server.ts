/**
 * The server under fuzz: the services and database of `startHarness` (no job runner, no rate limits),
 * served by an app of their own built with a logger that keeps every error the server logs by request
 * id, so a 500 is reported with the stack that caused it.
 */
import { Writable } from 'node:stream';
import type { Database } from '@clos/db';
import type { Engine } from '@clos/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.ts';
import { ADMIN_TOKEN, startHarness } from '../harness.ts';

/** One error line of the server log. */
export interface LoggedError {
  msg: string;
  type?: string;
  message?: string;
  stack?: string;
}

export interface FuzzServer {
  engine: Engine;
  app: FastifyInstance;
  database: Database;
  adminToken: string;
  /** The errors logged while handling the request with this id (and forgets them). */
  takeErrors(requestId: string): LoggedError[];
  /** Errors logged outside any request (and forgets them). */
  takeStrayErrors(): LoggedError[];
  close(): Promise<void>;
}

const MAX_KEPT = 500;

export async function startFuzzServer(engine: Engine): Promise<FuzzServer> {
  const byRequest = new Map<string, LoggedError[]>();
  const stray: LoggedError[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as {
            reqId?: string;
            msg?: string;
            err?: { type?: string; message?: string; stack?: string };
          };
          const error: LoggedError = {
            msg: entry.msg ?? '',
            ...(entry.err?.type ? { type: entry.err.type } : {}),
            ...(entry.err?.message ? { message: entry.err.message } : {}),
            ...(entry.err?.stack ? { stack: entry.err.stack } : {}),
          };
          if (entry.reqId) {
            const list = byRequest.get(entry.reqId) ?? [];
            list.push(error);
            byRequest.set(entry.reqId, list);
            // Bound the memory of a long run: entries nobody took are of requests long finished.
            if (byRequest.size > MAX_KEPT) byRequest.delete(byRequest.keys().next().value!);
          } else if (stray.length < MAX_KEPT) stray.push(error);
        } catch {
          // not a JSON line
        }
      }
      done();
    },
  });

  // The harness composes the services as every other test does (and bootstraps the admin); its own
  // app, built without a logger, stays idle.
  const harness = await startHarness(engine);
  const { services, database } = harness;
  const app = await buildApp({ services, database, logger: pino({ level: 'error' }, sink) });

  return {
    engine,
    app,
    database,
    adminToken: ADMIN_TOKEN,
    takeErrors(requestId) {
      const list = byRequest.get(requestId) ?? [];
      byRequest.delete(requestId);
      return list;
    },
    takeStrayErrors() {
      return stray.splice(0);
    },
    async close() {
      await app.close();
      await harness.close();
    },
  };
}
