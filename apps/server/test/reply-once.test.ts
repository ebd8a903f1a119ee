import { composeServices } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase } from '@clos/testing';
import pino from 'pino';
import { expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

// A handler that answers with a tagged failure must not be sent twice (Fastify logs FST_ERR_REP_ALREADY_SENT).
it('answers a refused acquire once', async () => {
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    {
      write: (s: string) => {
        lines.push(s);
      },
    },
  );
  const database = await openTestDatabase('pglite');
  const services = composeServices({ database, policy: defaultPolicy(), clock: new FakeClock() });
  await services.auth.bootstrap({
    email: 'a@example.com',
    tokenValue: 'clos_test_admin_token_0123456789abcdef',
  });
  const app = await buildApp({ services, database, logger });
  const h = { authorization: 'Bearer clos_test_admin_token_0123456789abcdef' };
  await app.inject({
    method: 'POST',
    url: '/api/v1/pods',
    headers: h,
    payload: { slug: 'r1', name: 'R', timezone: 'UTC' },
  });
  await app.inject({
    method: 'PUT',
    url: '/api/v1/pods/r1/wip-limits/pull-request',
    headers: h,
    payload: { limit: 0 },
  });
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/pods/r1/wip/pull-request/locks',
    headers: h,
    payload: { itemId: 'x' },
  });
  expect(res.statusCode).toBe(409);
  await new Promise((r) => setTimeout(r, 200));
  expect(lines.join('')).not.toContain('ALREADY_SENT');
  await app.close();
  await database.close();
});
