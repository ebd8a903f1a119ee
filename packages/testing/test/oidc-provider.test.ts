import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, type OidcProviderFixture, type OidcTestUser, startOidcProvider } from '../src/index.ts';

const CLIENT_ID = 'clos-web';
const CLIENT_SECRET = 'clos-web-secret-for-tests';
const REDIRECT_URI = 'http://127.0.0.1:4999/auth/oidc/callback';
const POST_LOGOUT_URI = 'http://127.0.0.1:4999/signed-out';
const POST_CLIENT_ID = 'clos-cli';
const POST_CLIENT_SECRET = 'clos-cli-secret-for-tests';
const POST_REDIRECT_URI = 'http://127.0.0.1:4998/callback';
const ROLES = 'https://clos.example/roles';

const ADA: OidcTestUser = {
  sub: 'user-ada',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  password: 'correct horse',
  groups: ['clos-admins', 'pod-alpha'],
  amr: ['pwd', 'otp'],
  acr: 'urn:clos:mfa',
};
const BOB: OidcTestUser = {
  sub: 'user-bob',
  email: 'bob@example.com',
  name: 'Bob Builder',
  password: 'battery staple',
  groups: ['pod-beta'],
  amr: ['pwd'],
};

interface Attempt {
  url: string;
  verifier: string;
  state: string;
  nonce: string;
}

async function configFor(
  issuer: string,
  clientId = CLIENT_ID,
  secret = CLIENT_SECRET,
  auth?: client.ClientAuth,
) {
  return client.discovery(new URL(issuer), clientId, secret, auth, {
    execute: [client.allowInsecureRequests],
  });
}

async function startAttempt(config: client.Configuration, redirectUri = REDIRECT_URI): Promise<Attempt> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url: url.href, verifier, state, nonce };
}

async function finish(config: client.Configuration, attempt: Attempt, callbackUrl: string) {
  return client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: attempt.verifier,
    expectedState: attempt.state,
    expectedNonce: attempt.nonce,
  });
}

describe('startOidcProvider', () => {
  let oidc: OidcProviderFixture;
  let config: client.Configuration;

  beforeAll(async () => {
    oidc = await startOidcProvider({
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUris: [REDIRECT_URI],
          postLogoutRedirectUris: [POST_LOGOUT_URI],
        },
        {
          clientId: POST_CLIENT_ID,
          clientSecret: POST_CLIENT_SECRET,
          redirectUris: [POST_REDIRECT_URI],
          tokenEndpointAuthMethod: 'client_secret_post',
        },
      ],
      users: [ADA, BOB],
      groupsClaim: ROLES,
    });
    config = await configFor(oidc.issuer);
  });

  afterAll(async () => {
    await oidc?.close();
  });

  it('serves discovery for an http://127.0.0.1 issuer with code flow and S256 PKCE only', async () => {
    expect(oidc.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(oidc.url).toBe(oidc.issuer);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(oidc.issuer);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.end_session_endpoint).toBe(`${oidc.issuer}/session/end`);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
  });

  it('signs an MFA user in through the login page and puts email, groups, amr and acr in the ID token', async () => {
    const attempt = await startAttempt(config);
    const callback = await oidc.login(attempt.url, { email: ADA.email, password: ADA.password });
    expect(callback.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    expect(new URL(callback).searchParams.get('state')).toBe(attempt.state);

    const tokens = await finish(config, attempt, callback);
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: oidc.issuer,
      aud: CLIENT_ID,
      sub: ADA.sub,
      email: ADA.email,
      email_verified: true,
      name: ADA.name,
      [ROLES]: ADA.groups,
      amr: ['pwd', 'otp'],
      acr: 'urn:clos:mfa',
    });
    expect(claims?.groups).toBeUndefined();

    const info = await client.fetchUserInfo(config, tokens.access_token, ADA.sub);
    expect(info).toMatchObject({
      email: ADA.email,
      email_verified: true,
      name: ADA.name,
      [ROLES]: ADA.groups,
    });
    expect(oidc.events.at(-1)).toMatchObject({ kind: 'login', sub: ADA.sub, amr: ['pwd', 'otp'] });
  });

  it('gives a password-only user amr ["pwd"] and no acr', async () => {
    const attempt = await startAttempt(config);
    const callback = await oidc.login(attempt.url, { email: BOB.email, password: BOB.password });
    const claims = (await finish(config, attempt, callback)).claims();
    expect(claims).toMatchObject({ sub: BOB.sub, email: BOB.email, [ROLES]: ['pod-beta'], amr: ['pwd'] });
    expect(claims?.acr).toBeUndefined();
  });

  it('refuses PKCE-less authorization requests', async () => {
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state });
    const callback = await oidc.login(url.href, { email: BOB.email, password: BOB.password });
    expect(new URL(callback).searchParams.get('error')).toBe('invalid_request');
  });

  it('shows the login page again for a wrong password, and login() throws', async () => {
    const attempt = await startAttempt(config);
    const jar = new CookieJar();
    const first = await fetch(attempt.url, { redirect: 'manual' });
    jar.store(attempt.url, first);
    const loginUrl = new URL(first.headers.get('location') ?? '', attempt.url).href;
    const cookie = jar.header(loginUrl);
    const loginPage = await fetch(loginUrl, { headers: cookie ? { cookie } : {} });
    const html = await loginPage.text();
    expect(html).toContain('<input name="login" id="login"');
    expect(html).toContain('<input type="password" name="password" id="password"');
    expect(html).toContain('<button type="submit">Sign in</button>');
    const uid = new URL(loginUrl).pathname.split('/').at(-1) ?? '';
    expect(html).toContain(`action="/interaction/${uid}/login"`);

    const refused = await fetch(`${loginUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: jar.header(`${loginUrl}/login`) ?? '',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ login: ADA.email, password: 'wrong' }).toString(),
    });
    expect(refused.status).toBe(200);
    const again = await refused.text();
    expect(again).toContain('Invalid email or password');
    expect(again).toContain('id="password"');

    await expect(oidc.login(attempt.url, { email: ADA.email, password: 'wrong' })).rejects.toThrow(
      /login refused for ada@example\.com: Invalid email or password/,
    );
    await expect(oidc.login(attempt.url, { email: 'nobody@example.com', password: 'x' })).rejects.toThrow(
      /Invalid email or password/,
    );
    expect(oidc.events.at(-1)).toMatchObject({ kind: 'login_failed', email: 'nobody@example.com' });
  });

  it('applies updateUser to the next sign-in', async () => {
    oidc.updateUser(BOB.sub, { groups: ['clos-admins'], amr: ['pwd', 'hwk'], acr: 'urn:clos:mfa' });
    try {
      const attempt = await startAttempt(config);
      const callback = await oidc.login(attempt.url, { email: BOB.email, password: BOB.password });
      const claims = (await finish(config, attempt, callback)).claims();
      expect(claims).toMatchObject({
        sub: BOB.sub,
        [ROLES]: ['clos-admins'],
        amr: ['pwd', 'hwk'],
        acr: 'urn:clos:mfa',
      });
    } finally {
      oidc.updateUser(BOB.sub, { groups: BOB.groups, amr: BOB.amr, acr: undefined });
    }
    expect(() => oidc.updateUser('nobody', { name: 'x' })).toThrow(/no user/);
  });

  it('reuses a session from a shared jar (SSO) and ends it by RP-initiated logout', async () => {
    const jar = new CookieJar();
    const first = await startAttempt(config);
    const firstCallback = await oidc.login(first.url, { email: ADA.email, password: ADA.password }, jar);
    const tokens = await finish(config, first, firstCallback);
    const loginsBefore = oidc.events.filter((e) => e.kind === 'login').length;

    // Same browser: no password asked, a code straight away.
    const second = await startAttempt(config);
    const ssoCallback = await oidc.login(second.url, { email: 'unused', password: 'unused' }, jar);
    expect((await finish(config, second, ssoCallback)).claims()?.sub).toBe(ADA.sub);
    expect(oidc.events.filter((e) => e.kind === 'login')).toHaveLength(loginsBefore);

    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'after-logout',
    });
    const landed = await oidc.logout(endSession.href, jar);
    expect(withoutQuery(landed)).toBe(POST_LOGOUT_URI);
    expect(new URL(landed).searchParams.get('state')).toBe('after-logout');
    expect(oidc.events.at(-1)).toMatchObject({ kind: 'logout', sub: ADA.sub });

    // The session is gone: the same browser meets the login page again.
    const third = await startAttempt(config);
    await expect(oidc.login(third.url, { email: ADA.email, password: 'wrong' }, jar)).rejects.toThrow(
      /Invalid email or password/,
    );
  });

  it('accepts a plain GET end-session request from a browser without a session', async () => {
    const endSession = client.buildEndSessionUrl(config, {
      client_id: CLIENT_ID,
      post_logout_redirect_uri: POST_LOGOUT_URI,
    });
    const page = await fetch(endSession, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="xsrf"');
    expect(withoutQuery(await oidc.logout(endSession.href))).toBe(POST_LOGOUT_URI);
  });

  it('refuses an unregistered post-logout redirect URI', async () => {
    const endSession = client.buildEndSessionUrl(config, {
      client_id: CLIENT_ID,
      post_logout_redirect_uri: 'http://127.0.0.1:4999/elsewhere',
    });
    await expect(oidc.logout(endSession.href)).rejects.toThrow(/post_logout_redirect_uri not registered/);
  });

  // oidc-provider v9 accepts client_secret_basic and client_secret_post alike for a client registered with
  // either; openid-client v6 uses client_secret_post when discovery() is given a secret and no method.
  it('authenticates clients by client_secret_basic or client_secret_post and refuses a wrong secret', async () => {
    const postConfig = await configFor(
      oidc.issuer,
      POST_CLIENT_ID,
      POST_CLIENT_SECRET,
      client.ClientSecretPost(POST_CLIENT_SECRET),
    );
    const attempt = await startAttempt(postConfig, POST_REDIRECT_URI);
    const callback = await oidc.login(attempt.url, { email: BOB.email, password: BOB.password });
    expect(callback.startsWith(`${POST_REDIRECT_URI}?`)).toBe(true);
    expect((await finish(postConfig, attempt, callback)).claims()).toMatchObject({
      sub: BOB.sub,
      aud: POST_CLIENT_ID,
    });

    const basicConfig = await configFor(
      oidc.issuer,
      CLIENT_ID,
      CLIENT_SECRET,
      client.ClientSecretBasic(CLIENT_SECRET),
    );
    const basic = await startAttempt(basicConfig);
    const basicCallback = await oidc.login(basic.url, { email: BOB.email, password: BOB.password });
    expect((await finish(basicConfig, basic, basicCallback)).claims()).toMatchObject({
      sub: BOB.sub,
      aud: CLIENT_ID,
    });

    const wrongConfig = await configFor(oidc.issuer, CLIENT_ID, 'not-the-secret');
    const wrong = await startAttempt(wrongConfig);
    const code = await oidc.login(wrong.url, { email: BOB.email, password: BOB.password });
    await expect(finish(wrongConfig, wrong, code)).rejects.toMatchObject({ error: 'invalid_client' });
  });
});

describe('CookieJar', () => {
  it('matches paths, prefers the most specific path and honours deletion', () => {
    const jar = new CookieJar();
    const base = 'http://127.0.0.1:1234';
    jar.set(`${base}/auth`, 'a=1; Path=/; HttpOnly');
    jar.set(`${base}/auth`, 'b=2; Path=/interaction/xyz; SameSite=Lax');
    jar.set(`${base}/auth`, 'a=3; Path=/interaction');
    expect(jar.header(`${base}/`)).toBe('a=1');
    expect(jar.header(`${base}/interaction/xyz/login`)).toBe('b=2; a=3; a=1');
    expect(jar.header(`${base}/interaction/xyzzy`)).toBe('a=3; a=1');
    expect(jar.header('http://127.0.0.1:4321/')).toBeUndefined();

    jar.set(`${base}/`, 'a=; Path=/; Max-Age=0');
    jar.set(`${base}/`, 'b=; Path=/interaction/xyz; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(jar.header(`${base}/interaction/xyz`)).toBe('a=3');
    expect(jar.cookies('127.0.0.1:1234')).toEqual({ a: '3' });
  });
});

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
