/**
 * Signing in with an identity provider (a real `oidc-provider` on 127.0.0.1, through `openid-client`),
 * sessions and their CSRF protection and timeouts, the MFA downgrade, and the user lifecycle ending
 * sessions and event streams.
 */
import { request as httpRequest } from 'node:http';
import { type OidcProviderFixture, startOidcProvider, testEngines } from '@clos/testing';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOidcClient } from '../src/auth/oidc-client.ts';
import { readOidcSettings } from '../src/auth/oidc-settings.ts';
import { type Harness, startHarness } from './harness.ts';
import { openSse, type SseConnection } from './sse.ts';

const PUBLIC_URL = 'http://127.0.0.1:4999';
const CLIENT = { clientId: 'clos', clientSecret: 'clos-test-secret-0123456789' };
const PASSWORD = 'correct horse battery staple';

const USERS = [
  { sub: 'u-ada', email: 'ada@example.com', name: 'Ada', groups: ['clos-admins'], amr: ['pwd', 'otp'] },
  // An admin without a second factor, also in the developers' group: downgraded to developer.
  { sub: 'u-bob', email: 'bob@example.com', name: 'Bob', groups: ['clos-admins', 'clos-devs'], amr: ['pwd'] },
  { sub: 'u-cy', email: 'cy@example.com', name: 'Cy', groups: ['clos-leads', 'team-ratio'], amr: ['pwd'] },
  { sub: 'u-dee', email: 'dee@example.com', name: 'Dee', groups: ['clos-devs'], amr: ['pwd'] },
  { sub: 'u-eve', email: 'eve@example.com', name: 'Eve', groups: ['clos-viewers'], amr: ['pwd'] },
  { sub: 'u-fay', email: 'fay@example.com', name: 'Fay', groups: ['marketing'], amr: ['pwd'] },
].map((u) => ({ ...u, password: PASSWORD }));

const AUTH = {
  oidc: {
    name: 'Test IdP',
    roles: {
      'clos-admins': 'admin',
      'clos-leads': 'pod-lead',
      'clos-devs': 'developer',
      'clos-viewers': 'viewer',
    },
    pods: { 'team-ratio': 'ratio' },
  },
  session: { absoluteHours: 8, idleMinutes: 30 },
};

interface Browser {
  cookie: string;
  csrf: string;
}

function cookiesOf(res: LightMyRequestResponse): Record<string, string> {
  return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}

describe.each(testEngines())('signing in with an identity provider on %s', { timeout: 120_000 }, (engine) => {
  let h: Harness;
  let idp: OidcProviderFixture;
  let base: string;
  const streams: SseConnection[] = [];

  beforeAll(async () => {
    idp = await startOidcProvider({
      clients: [
        {
          ...CLIENT,
          redirectUris: [`${PUBLIC_URL}/auth/callback`],
          postLogoutRedirectUris: [`${PUBLIC_URL}/`],
        },
      ],
      users: USERS,
    });
    const settings = readOidcSettings({
      CLOS_OIDC_ISSUER: idp.issuer,
      CLOS_OIDC_CLIENT_ID: CLIENT.clientId,
      CLOS_OIDC_CLIENT_SECRET: CLIENT.clientSecret,
      CLOS_PUBLIC_URL: PUBLIC_URL,
    });
    if (!settings || Array.isArray(settings)) throw new Error(`settings: ${settings}`);
    h = await startHarness(engine, { auth: AUTH }, undefined, {
      oidc: createOidcClient(settings),
      runtime: true,
      stream: { recheckMs: 100 },
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await h?.close();
    await idp?.close();
  });
  beforeEach(async () => {
    for (const s of streams.splice(0)) s.close();
    // Tests change people at the provider; each starts from the same directory.
    for (const { sub, ...user } of USERS) idp.updateUser(sub, user);
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
  });

  /** The whole browser round trip: CLOS → provider login page → CLOS callback. */
  async function signIn(
    email: string,
    returnTo = '/projects',
  ): Promise<{ res: LightMyRequestResponse; browser: Browser | null }> {
    const login = await h.app.inject({
      method: 'GET',
      url: `/auth/login?returnTo=${encodeURIComponent(returnTo)}`,
    });
    expect(login.statusCode).toBe(302);
    const binding = cookiesOf(login).clos_login!;
    expect(binding).toBeTruthy();
    const callback = new URL(
      await idp.login(login.headers.location as string, { email, password: PASSWORD }),
    );
    expect(callback.origin + callback.pathname).toBe(`${PUBLIC_URL}/auth/callback`);
    const res = await h.app.inject({
      method: 'GET',
      url: `/auth/callback${callback.search}`,
      headers: { cookie: `clos_login=${binding}` },
    });
    const set = cookiesOf(res);
    return {
      res,
      browser: set.clos_session ? { cookie: `clos_session=${set.clos_session}`, csrf: set.clos_csrf! } : null,
    };
  }

  const asBrowser = (browser: Browser, method: string, url: string, body?: unknown, csrf = true) =>
    h.app.inject({
      method: method as 'GET',
      url,
      headers: { cookie: browser.cookie, ...(csrf ? { 'x-csrf-token': browser.csrf } : {}) },
      ...(body === undefined ? {} : { payload: body as object }),
    });

  const auditActions = async (action: string) =>
    (await h.call('GET', `/api/v1/audit?action=${action}`)).json().items as {
      action: string;
      actorLabel: string;
      after: Record<string, unknown>;
      reason: string | null;
    }[];

  it('signs a new person in with PKCE, creates their user just in time and opens a session', async () => {
    const login = await h.app.inject({ method: 'GET', url: '/auth/login' });
    const location = new URL(login.headers.location as string);
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toBeTruthy();
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('nonce')).toBeTruthy();
    expect(location.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/callback`);
    const loginCookie = login.cookies.find((c) => c.name === 'clos_login')!;
    expect(loginCookie.httpOnly).toBe(true);
    expect(loginCookie.sameSite).toBe('Lax');

    const { res, browser } = await signIn('ada@example.com', '/projects?stage=build');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/projects?stage=build');
    const session = res.cookies.find((c) => c.name === 'clos_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    // Plain http on a loopback address: the one case without `Secure`.
    expect(session.secure).toBeUndefined();
    expect(session.maxAge).toBe(8 * 3600);
    expect(res.cookies.find((c) => c.name === 'clos_csrf')!.httpOnly).toBeUndefined();

    const me = (await asBrowser(browser!, 'GET', '/api/v1/me')).json();
    expect(me.user.email).toBe('ada@example.com');
    expect(me.role).toBe('admin');
    expect(me.tokenId).toBeNull();
    expect(me.session).toMatchObject({
      mfa: true,
      mappedRole: 'admin',
      downgradeReason: null,
      idleMinutes: 30,
    });
    const users = (await h.call('GET', '/api/v1/users')).json().items as {
      email: string;
      oidcSubject: string;
    }[];
    expect(users.find((u) => u.email === 'ada@example.com')!.oidcSubject).toBe(`${idp.issuer} u-ada`);
    const started = await auditActions('session.started');
    expect(started[0]).toMatchObject({
      actorLabel: 'ada@example.com via sso',
      after: { mfa: true, role: 'admin' },
    });

    // The same person again: the same user, a second session.
    await signIn('ada@example.com');
    const again = (await h.call('GET', '/api/v1/users')).json().items as { email: string }[];
    expect(again.filter((u) => u.email === 'ada@example.com')).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/sessions?active=true')).json().items).toHaveLength(2);
  });

  it('maps claims to every role, and pods from claims', async () => {
    const cy = (await signIn('cy@example.com')).browser!;
    const me = (await asBrowser(cy, 'GET', '/api/v1/me')).json();
    expect(me.role).toBe('pod-lead');
    expect(me.pods.map((p: { slug: string }) => p.slug)).toEqual(['ratio']);
    // A pod lead may set the limits of their pod.
    expect(
      (await asBrowser(cy, 'PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 4 })).statusCode,
    ).toBe(200);
    expect(
      (await asBrowser((await signIn('dee@example.com')).browser!, 'GET', '/api/v1/me')).json().role,
    ).toBe('developer');
    const eve = (await signIn('eve@example.com')).browser!;
    expect((await asBrowser(eve, 'GET', '/api/v1/me')).json().role).toBe('viewer');
    expect((await asBrowser(eve, 'POST', '/api/v1/ideas', { title: 'x' })).statusCode).toBe(403);
  });

  it('refuses someone whose claims map to no role, with a page that says why, and audits it', async () => {
    const { res, browser } = await signIn('fay@example.com');
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('no group that CLOS maps to a role');
    expect(browser).toBeNull();
    const users = (await h.call('GET', '/api/v1/users')).json().items as { email: string }[];
    expect(users.some((u) => u.email === 'fay@example.com')).toBe(false);
    expect((await auditActions('session.refused'))[0]!.after).toMatchObject({
      reason: 'no_role',
      email: 'fay@example.com',
    });
  });

  it('refuses a callback whose sign-in was not started in this browser, or is replayed', async () => {
    const login = await h.app.inject({ method: 'GET', url: '/auth/login' });
    const binding = cookiesOf(login).clos_login!;
    const callback = new URL(
      await idp.login(login.headers.location as string, { email: 'ada@example.com', password: PASSWORD }),
    );
    const without = await h.app.inject({ method: 'GET', url: `/auth/callback${callback.search}` });
    expect(without.statusCode).toBe(400);
    expect(without.body).toContain('This sign-in has expired');
    const first = await h.app.inject({
      method: 'GET',
      url: `/auth/callback${callback.search}`,
      headers: { cookie: `clos_login=${binding}` },
    });
    expect(first.statusCode).toBe(303);
    const replay = await h.app.inject({
      method: 'GET',
      url: `/auth/callback${callback.search}`,
      headers: { cookie: `clos_login=${binding}` },
    });
    expect(replay.statusCode).toBe(400);
  });

  it('never redirects off the site after signing in', async () => {
    for (const target of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const { res } = await signIn('dee@example.com', target);
      expect(res.headers.location).toBe('/');
    }
  });

  it('refuses a state-changing request signed in by cookie without its CSRF token, and changes nothing', async () => {
    const ada = (await signIn('ada@example.com')).browser!;
    const pod = { slug: 'ledger', name: 'Ledger', timezone: 'UTC' };
    const refused = await asBrowser(ada, 'POST', '/api/v1/pods', pod, false);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('csrf_token_invalid');
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/api/v1/pods',
      // Off by its last character (whatever that character is).
      headers: {
        cookie: ada.cookie,
        'x-csrf-token': `${ada.csrf.slice(0, -1)}${ada.csrf.endsWith('0') ? '1' : '0'}`,
      },
      payload: pod,
    });
    expect(wrong.statusCode).toBe(403);
    expect((await h.call('GET', '/api/v1/pods/ledger')).statusCode).toBe(404);
    // Reads need no token; with it the write goes through.
    expect((await asBrowser(ada, 'GET', '/api/v1/pods', undefined, false)).statusCode).toBe(200);
    expect((await asBrowser(ada, 'POST', '/api/v1/pods', pod)).statusCode).toBe(201);
    // A bearer token is not a cookie: no CSRF token is asked of API clients.
    expect((await h.call('POST', '/api/v1/pods', { ...pod, slug: 'ledger-2' })).statusCode).toBe(201);
  });

  it('ends a session after 8 hours however active, and after the idle timeout', async () => {
    const ada = (await signIn('ada@example.com')).browser!;
    // Active every 20 minutes (idle timeout 30): alive for the whole working day…
    for (let minutes = 20; minutes < 8 * 60; minutes += 20) {
      h.clock.advance(20 * 60_000);
      expect((await asBrowser(ada, 'GET', '/api/v1/me')).statusCode, `at ${minutes} min`).toBe(200);
    }
    // …but not past its absolute end.
    h.clock.advance(20 * 60_000);
    const expired = await asBrowser(ada, 'GET', '/api/v1/me');
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.message).toContain('sign in again');

    const dee = (await signIn('dee@example.com')).browser!;
    h.clock.advance(29 * 60_000);
    expect((await asBrowser(dee, 'GET', '/api/v1/me')).statusCode).toBe(200);
    h.clock.advance(31 * 60_000);
    expect((await asBrowser(dee, 'GET', '/api/v1/me')).statusCode).toBe(401);
    const ended = (await auditActions('session.ended')).map((e) => e.after.reason);
    expect(ended).toEqual(expect.arrayContaining(['expired', 'idle']));
    const sessions = (await h.call('GET', '/api/v1/sessions')).json().items as { endReason: string }[];
    expect(sessions.map((s) => s.endReason).sort()).toEqual(['expired', 'idle']);
  });

  it('gives an admin without MFA the next role down, says why, and audits it', async () => {
    const bob = (await signIn('bob@example.com')).browser!;
    const me = (await asBrowser(bob, 'GET', '/api/v1/me')).json();
    expect(me.role).toBe('developer');
    expect(me.session.mfa).toBe(false);
    expect(me.session.mappedRole).toBe('admin');
    expect(me.session.downgradeReason).toMatch(/needs a second factor.*set up MFA/);
    expect(
      (await asBrowser(bob, 'POST', '/api/v1/pods', { slug: 'x-pod', name: 'X', timezone: 'UTC' }))
        .statusCode,
    ).toBe(403);
    const downgraded = await auditActions('session.mfa_downgraded');
    expect(downgraded[0]).toMatchObject({
      actorLabel: 'bob@example.com via sso',
      after: { role: 'developer' },
    });

    // Only in the admins' group: nothing below admin is mapped, so a viewer.
    idp.updateUser('u-bob', { groups: ['clos-admins'] });
    expect(
      (await asBrowser((await signIn('bob@example.com')).browser!, 'GET', '/api/v1/me')).json().role,
    ).toBe('viewer');
    // With a second factor, an admin.
    idp.updateUser('u-bob', { amr: ['pwd', 'hwk'] });
    expect(
      (await asBrowser((await signIn('bob@example.com')).browser!, 'GET', '/api/v1/me')).json().role,
    ).toBe('admin');
  });

  it('takes a role change from the provider at the next sign-in, ending the older sessions', async () => {
    const first = (await signIn('dee@example.com')).browser!;
    idp.updateUser('u-dee', { groups: ['clos-viewers'] });
    const second = (await signIn('dee@example.com')).browser!;
    expect((await asBrowser(second, 'GET', '/api/v1/me')).json().role).toBe('viewer');
    expect((await asBrowser(first, 'GET', '/api/v1/me')).statusCode).toBe(401);
    idp.updateUser('u-dee', { groups: ['marketing'] });
    expect((await signIn('dee@example.com')).res.statusCode).toBe(403);
  });

  it('ends a live session and its open event stream when the user is deactivated, and refuses their sign-in', async () => {
    const dee = (await signIn('dee@example.com')).browser!;
    const stream = await openSse(`${base}/api/v1/stream`, { cookie: dee.cookie });
    streams.push(stream);
    expect(stream.status).toBe(200);
    await stream.waitUntil(() => stream.retry !== null, 'the retry line');
    const userId = (await asBrowser(dee, 'GET', '/api/v1/me')).json().user.id;

    const res = await h.call('PATCH', `/api/v1/users/${userId}`, { active: false });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ active: false, email: 'dee@example.com' });
    await stream.waitUntil(() => stream.ended(), 'the stream to end', 20_000);
    expect((await asBrowser(dee, 'GET', '/api/v1/me')).statusCode).toBe(401);
    const again = await signIn('dee@example.com');
    expect(again.res.statusCode).toBe(403);
    expect(again.res.body).toContain('deactivated');
    const deactivated = await auditActions('user.deactivated');
    expect(deactivated[0]!.after).toMatchObject({ email: 'dee@example.com', sessionsEnded: 1 });

    expect((await h.call('PATCH', `/api/v1/users/${userId}`, { active: true })).json().active).toBe(true);
    expect((await signIn('dee@example.com')).res.statusCode).toBe(303);
  });

  it('ends a session when an admin changes the role, and lets admins list and end sessions', async () => {
    const dee = (await signIn('dee@example.com')).browser!;
    const eve = (await signIn('eve@example.com')).browser!;
    const deeId = (await asBrowser(dee, 'GET', '/api/v1/me')).json().user.id;
    expect((await h.call('PATCH', `/api/v1/users/${deeId}`, { role: 'viewer' })).statusCode).toBe(200);
    expect((await asBrowser(dee, 'GET', '/api/v1/me')).statusCode).toBe(401);
    // Pods fixed at sign-in: a change of pods ends the session too.
    const dee2 = (await signIn('dee@example.com')).browser!;
    expect((await h.call('PATCH', `/api/v1/users/${deeId}`, { pods: ['ratio'] })).statusCode).toBe(200);
    expect((await asBrowser(dee2, 'GET', '/api/v1/me')).statusCode).toBe(401);

    const open = (await h.call('GET', '/api/v1/sessions?active=true')).json().items as {
      id: string;
      userId: string;
    }[];
    expect(open).toHaveLength(1);
    const eveSession = open[0]!;
    expect((await h.call('DELETE', `/api/v1/sessions/${eveSession.id}`)).json().endReason).toBe(
      'ended_by_admin',
    );
    expect((await asBrowser(eve, 'GET', '/api/v1/me')).statusCode).toBe(401);
    // Idempotent.
    expect((await h.call('DELETE', `/api/v1/sessions/${eveSession.id}`)).statusCode).toBe(200);
    // Not for everyone.
    const dev = await h.userWithToken('developer');
    expect((await h.call('GET', '/api/v1/sessions', undefined, dev.token)).statusCode).toBe(403);
  });

  it('signs out: ends the session, clears the cookies and hands back the provider’s logout URL', async () => {
    const ada = (await signIn('ada@example.com')).browser!;
    const refused = await asBrowser(ada, 'POST', '/auth/logout', undefined, false);
    expect(refused.statusCode).toBe(403);
    const res = await asBrowser(ada, 'POST', '/auth/logout');
    expect(res.statusCode).toBe(200);
    const { signedOut, redirectUrl } = res.json();
    expect(signedOut).toBe(true);
    const url = new URL(redirectUrl);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('client_id')).toBe(CLIENT.clientId);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${PUBLIC_URL}/`);
    expect(await idp.logout(redirectUrl)).toBe(`${PUBLIC_URL}/`);
    expect(res.cookies.find((c) => c.name === 'clos_session')!.maxAge).toBe(0);
    expect((await asBrowser(ada, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await auditActions('session.ended'))[0]!.after.reason).toBe('signed_out');
  });

  it('tells the dashboard how people sign in here', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/auth/methods' });
    expect(res.json()).toEqual({ sso: { name: 'Test IdP', loginUrl: '/auth/login' }, tokens: true });
  });
});

describe.each(testEngines())('users, tokens and addresses on %s', { timeout: 120_000 }, (engine) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startHarness(engine);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.reset();
  });

  /** A real connection from a chosen local address (127.0.0.1 and 127.0.0.2 are both this machine). */
  function getFrom(
    localAddress: string,
    path: string,
    token: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${base}${path}`,
        { localAddress, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async function tokenFor(allowedCidrs: string[]) {
    await h.call('POST', '/api/v1/users', { email: 'ci@example.com', name: 'CI', role: 'developer' });
    const res = await h.call('POST', '/api/v1/tokens', {
      name: 'ci',
      role: 'developer',
      user: 'ci@example.com',
      allowedCidrs,
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { value: string; token: { id: string; allowedCidrs: string[] } };
  }

  it('uses an address-bound token from its address, refuses it from another with 403 and audits that', async () => {
    const { value, token } = await tokenFor(['127.0.0.1/32', 'fd00::/8']);
    expect(token.allowedCidrs).toEqual(['127.0.0.1/32', 'fd00::/8']);
    expect((await getFrom('127.0.0.1', '/api/v1/me', value)).status).toBe(200);
    const refused = await getFrom('127.0.0.2', '/api/v1/me', value);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toMatchObject({
      code: 'address_not_allowed',
      details: { address: '127.0.0.2', allowedCidrs: ['127.0.0.1/32', 'fd00::/8'] },
    });
    // Retried in a loop, it is one finding a minute, not one audit event per request.
    await getFrom('127.0.0.2', '/api/v1/me', value);
    const audit = (await h.call('GET', '/api/v1/audit?action=token.address_refused')).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0].after).toMatchObject({ address: '127.0.0.2', user: 'ci@example.com' });
    const listed = (await h.call('GET', '/api/v1/tokens')).json().items as {
      id: string;
      allowedCidrs: string[];
    }[];
    expect(listed.find((t) => t.id === token.id)!.allowedCidrs).toEqual(['127.0.0.1/32', 'fd00::/8']);
  });

  it('refuses a malformed range, naming it, and creates nothing', async () => {
    await h.call('POST', '/api/v1/users', { email: 'ci@example.com', name: 'CI', role: 'developer' });
    const res = await h.call('POST', '/api/v1/tokens', {
      name: 'ci',
      role: 'developer',
      user: 'ci@example.com',
      allowedCidrs: ['10.0.0.0/8', '10.1.2.3/8', 'office'],
    });
    expect(res.statusCode).toBe(400);
    const paths = (res.json().error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(['body.allowedCidrs.1', 'body.allowedCidrs.2']);
    expect((await h.call('GET', '/api/v1/tokens')).json().items).toHaveLength(1);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const { value } = await tokenFor(['10.1.2.3/32']);
    const viaProxy = (remoteAddress: string) =>
      h.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        remoteAddress,
        headers: { authorization: `Bearer ${value}`, 'x-forwarded-for': '10.1.2.3' },
      });
    // This app trusts nobody: the header is ignored, the peer is the client.
    expect((await viaProxy('127.0.0.1')).statusCode).toBe(403);
    const behind = await startHarness(engine, { server: { trustProxy: ['127.0.0.1/32'] } });
    try {
      await behind.call('POST', '/api/v1/users', { email: 'ci@example.com', name: 'CI', role: 'developer' });
      const created = await behind.call('POST', '/api/v1/tokens', {
        name: 'ci',
        role: 'developer',
        user: 'ci@example.com',
        allowedCidrs: ['10.1.2.3/32'],
      });
      const proxied = (remoteAddress: string, forwarded: string) =>
        behind.app.inject({
          method: 'GET',
          url: '/api/v1/me',
          remoteAddress,
          headers: { authorization: `Bearer ${created.json().value}`, 'x-forwarded-for': forwarded },
        });
      expect((await proxied('127.0.0.1', '10.1.2.3')).statusCode).toBe(200);
      expect((await proxied('127.0.0.1', '10.9.9.9')).statusCode).toBe(403);
      // A peer that is not the proxy cannot claim an address.
      expect((await proxied('127.0.0.2', '10.1.2.3')).statusCode).toBe(403);
    } finally {
      await behind.close();
    }
  });

  it('changes a role, pods and name in one request, audited, and refuses bad input naming the field', async () => {
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    await h.call('POST', '/api/v1/pods', { slug: 'ledger', name: 'Ledger', timezone: 'UTC' });
    const user = (
      await h.call('POST', '/api/v1/users', { email: 'gus@example.com', name: 'Gus', role: 'developer' })
    ).json();
    const res = await h.call('PATCH', `/api/v1/users/${user.id}`, {
      role: 'pod-lead',
      pods: ['ratio', 'ledger'],
      name: 'Gus L.',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ role: 'pod-lead', name: 'Gus L.' });
    const members = (await h.call('GET', '/api/v1/pods/ratio/members')).json().items as {
      email: string;
      podRole: string;
    }[];
    expect(members.find((m) => m.email === 'gus@example.com')!.podRole).toBe('lead');
    expect((await h.call('PATCH', `/api/v1/users/${user.id}`, { pods: ['ledger'] })).statusCode).toBe(200);
    const after = (await h.call('GET', '/api/v1/pods/ratio/members')).json().items as { email: string }[];
    expect(after.some((m) => m.email === 'gus@example.com')).toBe(false);
    const changes = (await h.call('GET', `/api/v1/audit?subjectId=${user.id}`))
      .json()
      .items.map((e: { action: string }) => e.action);
    expect(changes).toEqual(
      expect.arrayContaining(['user.role_changed', 'user.pods_changed', 'user.updated']),
    );

    const bad = await h.call('PATCH', `/api/v1/users/${user.id}`, { role: 'owner', pods: ['nope'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('body.role');
    const unknownPod = await h.call('PATCH', `/api/v1/users/${user.id}`, { role: 'viewer', pods: ['nope'] });
    expect(unknownPod.statusCode).toBe(400);
    expect(unknownPod.json().error.details).toEqual([{ path: 'body.pods.0', message: 'unknown pod "nope"' }]);
    // The whole change rolled back: the role is still pod-lead.
    const listed = (await h.call('GET', '/api/v1/users')).json().items as { email: string; role: string }[];
    expect(listed.find((u) => u.email === 'gus@example.com')!.role).toBe('pod-lead');
    expect((await h.call('PATCH', `/api/v1/users/${user.id}`, {})).statusCode).toBe(400);
  });

  it('deactivates a user: their tokens stop working at once and stay revoked after reactivation', async () => {
    const dev = await h.userWithToken('developer');
    expect((await h.call('GET', '/api/v1/me', undefined, dev.token)).statusCode).toBe(200);
    const res = await h.call('PATCH', `/api/v1/users/${dev.userId}`, { active: false });
    expect(res.json()).toMatchObject({ active: false });
    expect((await h.call('GET', '/api/v1/me', undefined, dev.token)).statusCode).toBe(401);
    const tokens = (await h.call('GET', '/api/v1/tokens')).json().items as {
      userId: string;
      revokedAt: string | null;
    }[];
    expect(tokens.filter((t) => t.userId === dev.userId).every((t) => t.revokedAt)).toBe(true);
    // No new token while deactivated.
    const refused = await h.call('POST', '/api/v1/tokens', { name: 'x', role: 'developer', user: dev.email });
    expect(refused.statusCode).toBe(400);
    await h.call('PATCH', `/api/v1/users/${dev.userId}`, { active: true });
    expect((await h.call('GET', '/api/v1/me', undefined, dev.token)).statusCode).toBe(401);
  });

  it('keeps the last active admin: neither demoted nor deactivated', async () => {
    const admin = (await h.call('GET', '/api/v1/me')).json().user;
    for (const change of [{ role: 'developer' }, { active: false }]) {
      const res = await h.call('PATCH', `/api/v1/users/${admin.id}`, change);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.message).toContain('last active admin');
    }
    const second = await h.userWithToken('admin');
    expect(
      (await h.call('PATCH', `/api/v1/users/${admin.id}`, { role: 'developer' }, second.token)).statusCode,
    ).toBe(200);
    // Now `second` is the last one.
    expect(
      (await h.call('PATCH', `/api/v1/users/${second.userId}`, { active: false }, second.token)).statusCode,
    ).toBe(409);
  });
});

describe('CLOS_OIDC_* settings', () => {
  const env = (issuer: string, publicUrl = 'https://clos.example.com') => ({
    CLOS_OIDC_ISSUER: issuer,
    CLOS_OIDC_CLIENT_ID: 'id',
    CLOS_OIDC_CLIENT_SECRET: 'secret',
    CLOS_PUBLIC_URL: publicUrl,
  });

  it('is off without an issuer, and asks for every variable once one is set', () => {
    expect(readOidcSettings({})).toBeNull();
    expect(readOidcSettings({ CLOS_OIDC_ISSUER: 'https://idp.example.com' })).toEqual([
      'CLOS_OIDC_CLIENT_ID: is required when CLOS_OIDC_ISSUER, CLOS_OIDC_CLIENT_ID or CLOS_OIDC_CLIENT_SECRET is set',
      'CLOS_OIDC_CLIENT_SECRET: is required when CLOS_OIDC_ISSUER, CLOS_OIDC_CLIENT_ID or CLOS_OIDC_CLIENT_SECRET is set',
      'CLOS_PUBLIC_URL: is required when CLOS_OIDC_ISSUER, CLOS_OIDC_CLIENT_ID or CLOS_OIDC_CLIENT_SECRET is set',
    ]);
  });

  it('needs https, except on a loopback address', () => {
    expect(readOidcSettings(env('http://idp.example.com'))).toEqual([
      'CLOS_OIDC_ISSUER: must be an https:// URL (http:// only on a loopback address such as http://127.0.0.1:8080), got "http://idp.example.com/"',
    ]);
    expect(readOidcSettings(env('https://idp.example.com', 'http://clos.example.com'))).toHaveLength(1);
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000'])
      expect(readOidcSettings(env(issuer, 'http://localhost:4000'))).toMatchObject({
        insecureIssuer: true,
        secureCookies: false,
      });
    expect(readOidcSettings(env('https://idp.example.com'))).toMatchObject({
      insecureIssuer: false,
      secureCookies: true,
    });
  });
});
