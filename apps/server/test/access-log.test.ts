import { Writable } from 'node:stream';
import { composeServices, type Database } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase, testEngines } from '@clos/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createLogger, isCredentialParam, REDACTED, redactUrl } from '../src/http/log.ts';

const ADMIN = 'clos_access_log_admin_token_0123456789';

/** Every line a logger writes, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const clear = () => {
    lines.length = 0;
    raw = '';
  };
  return { stream, lines, raw: () => raw, clear };
}

describe('redactUrl', () => {
  it('replaces the values of credential-like query parameters, keeping everything else byte for byte', () => {
    expect(redactUrl('/api/v1/pods?limit=5&cursor=abc')).toBe('/api/v1/pods?limit=5&cursor=abc');
    expect(redactUrl('/cb?code=4/0Ab&state=xyz&access_token=t0k&X-Amz-Signature=f00&apiKey=k&a=1')).toBe(
      `/cb?code=${REDACTED}&state=xyz&access_token=${REDACTED}&X-Amz-Signature=${REDACTED}&apiKey=${REDACTED}&a=1`,
    );
    // Names are matched decoded and case-insensitively; a name without a value has nothing to hide.
    expect(redactUrl('/x?client%5Fsecret=s&PASSWORD=p&token&sig=1')).toBe(
      `/x?client%5Fsecret=${REDACTED}&PASSWORD=${REDACTED}&token&sig=${REDACTED}`,
    );
    expect(redactUrl('/no-query')).toBe('/no-query');
    expect(redactUrl('/x?%E0%A4%A=1&session_id=2')).toBe(`/x?%E0%A4%A=1&session_id=${REDACTED}`);
    for (const name of [
      'token',
      'id_token',
      'secret',
      'passwd',
      'pwd',
      'key',
      'signature',
      'auth',
      'jwt',
      'ticket',
    ])
      expect(isCredentialParam(name), name).toBe(true);
    for (const name of ['limit', 'cursor', 'pod', 'stage', 'types', 'lastEventId'])
      expect(isCredentialParam(name), name).toBe(false);
  });
});

describe.each(testEngines())('the access log on %s', (engine) => {
  let database: Database;
  let app: FastifyInstance;
  const log = capture();

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    const services = composeServices({ database, policy: defaultPolicy(), clock: new FakeClock() });
    await services.auth.bootstrap({ email: 'admin@example.com', tokenValue: ADMIN });
    // A plain pino logger at its most verbose: buildApp redacts whatever logger it is given.
    app = await buildApp({ services, database, logger: pino({ level: 'trace' }, log.stream) });
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });
  beforeEach(() => log.clear());

  it('logs each request with its URL, credential values redacted, and never a credential header', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/pods?limit=5&access_token=qs-token-value&client_secret=qs-secret-value&code=oauth-code-value',
      headers: {
        authorization: `Bearer ${ADMIN}`,
        cookie: 'clos_session=cookie-value',
        'proxy-authorization': 'Basic cHJveHk6dmFsdWU=',
      },
    });
    // Refused (unknown query fields), as a token sent in a URL by mistake would be: logged all the same.
    expect(res.statusCode).toBe(400);
    const incoming = log.lines.find((l) => l.msg === 'incoming request') as { req: Record<string, unknown> };
    expect(incoming.req).toMatchObject({
      method: 'GET',
      url: `/api/v1/pods?limit=5&access_token=${REDACTED}&client_secret=${REDACTED}&code=${REDACTED}`,
    });
    expect(incoming.req).not.toHaveProperty('headers');
    expect(log.lines.some((l) => l.msg === 'request completed')).toBe(true);
    for (const value of [
      ADMIN,
      'qs-token-value',
      'qs-secret-value',
      'oauth-code-value',
      'cookie-value',
      'cHJveHk6',
    ])
      expect(log.raw()).not.toContain(value);
  });

  it('removes credential headers from any line, whatever a handler or serializer logs', async () => {
    const headers = {
      authorization: `Bearer ${ADMIN}`,
      Authorization: 'Bearer other-form',
      cookie: 'clos_session=cookie-value',
      'set-cookie': ['clos_session=set-cookie-value'],
      accept: 'application/json',
    };
    app.log.debug({ headers }, 'headers as they came');
    app.log.info({ req: { method: 'GET', headers } }, 'a request logged by hand');
    app.log.info({ res: { statusCode: 200, headers } }, 'a response logged by hand');
    app.log.error({ err: { message: 'upstream failed', request: { headers } } }, 'a client error');
    app.log.warn({ upstream: { headers } }, 'nested');
    expect(log.lines).toHaveLength(5);
    for (const value of [ADMIN, 'other-form', 'cookie-value', 'set-cookie-value'])
      expect(log.raw()).not.toContain(value);
    // Other headers stay where they were logged (`req` and `res` are reduced by their serializers).
    expect(log.raw().match(/application\/json/g)).toHaveLength(3);
  });
});

describe('the process logger', () => {
  it('applies the same redactions to every component', () => {
    const log = capture();
    const logger = createLogger('info', log.stream);
    logger
      .child({ component: 'jobs' })
      .warn({ headers: { authorization: 'Bearer job-token' } }, 'job failed');
    logger.info({ req: { url: '/api/v1/pods?token=t0k', headers: { cookie: 'c00kie' } } }, 'by hand');
    expect(log.raw()).not.toContain('job-token');
    expect(log.raw()).not.toContain('c00kie');
    expect(log.lines[0]).toMatchObject({ component: 'jobs', headers: {} });
    expect(log.lines[1]).toMatchObject({ req: { url: `/api/v1/pods?token=${REDACTED}` } });
  });
});
