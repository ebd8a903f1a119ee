import { SYSTEM_ACTOR } from '@clos/core';
import { composeCore } from '@clos/db';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * Token lookups are cached per process and dropped when any process changes a token or a user: a
 * revocation through another process (another core over the same database) refuses the token here
 * at once, not after the cache's maximum age.
 */
describe.skipIf(!testEngines().includes('postgres'))('the token cache on PostgreSQL', () => {
  const engine = 'postgres' as const;
  let h: Harness;
  beforeAll(async () => {
    // The job runner starts the listening side of the cache.
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());

  const status = async (token: string) => (await h.call('GET', '/api/v1/pods', undefined, token)).statusCode;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Polls until `token` answers `code`, for at most 5 s (announcements arrive moments after commit). */
  const until = async (token: string, code: number) => {
    const deadline = Date.now() + 5000;
    while ((await status(token)) !== code && Date.now() < deadline) await sleep(20);
    return status(token);
  };

  it('serves a token from the cache, and drops it the moment another process revokes it', async () => {
    const dev = await h.userWithToken('developer');
    const other = await h.userWithToken('developer');
    expect(await status(dev.token)).toBe(200);

    // Changed behind CLOS's back (no announcement): this process keeps serving its cached lookup,
    // which is what shows the lookup is cached at all (docs: such changes apply within 30 s). The
    // announcements of this test's own setup arrive asynchronously and drop the cache: when one lands
    // in between, undo the change, announce that by hand, and try again.
    let servedStale = false;
    for (let attempt = 0; attempt < 5 && !servedStale; attempt++) {
      await h.database.query('update api_tokens set revoked_at = null where user_id = $1', [other.userId]);
      await h.database.query("select pg_notify('clos_auth', '')");
      expect(await until(other.token, 200)).toBe(200);
      await h.database.query('update api_tokens set revoked_at = now() where user_id = $1', [other.userId]);
      // Still stale a moment later: no announcement was in flight, so what drops it below is the
      // revocation's own.
      if ((await status(other.token)) !== 200) continue;
      await sleep(300);
      servedStale = (await status(other.token)) === 200;
    }
    expect(servedStale).toBe(true);

    // A second process revokes through CLOS: its transaction announces the change.
    const second = composeCore({ database: h.database, policy: h.services.policy });
    const [token] = (await h.database.query<{ id: string }>('select id from api_tokens where user_id = $1', [
      dev.userId,
    ])) as { id: string }[];
    await second.services.auth.revokeToken({ actor: SYSTEM_ACTOR, requestId: 'test' }, token!.id);
    // Announced at its commit, heard here moments later: every cached lookup is dropped, so the
    // hand-revoked token (which the cache would otherwise serve for up to 30 s) is refused as well.
    expect(await until(other.token, 401)).toBe(401);
    expect(await status(dev.token)).toBe(401);
  });
});
