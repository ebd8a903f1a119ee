import { generateKeyPair, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

/**
 * A real OpenID Connect provider (`oidc-provider` v9) on 127.0.0.1 for tests of "Sign in with SSO". It issues
 * signed ID tokens with the user's email, name, groups (under a configurable claim name, as Auth0's namespaced
 * claims are), `amr` and `acr`; requires PKCE (S256); serves discovery, JWKS, token, userinfo and RP-initiated
 * logout; and renders its own plain login page, so a real browser can sign in, while `login()` and `logout()`
 * drive the same pages programmatically.
 */

export interface OidcTestUser {
  sub: string;
  email: string;
  name: string;
  password: string;
  groups: string[];
  /** The ID token's `amr` when this user signs in: `['pwd', 'otp']` for an MFA user, `['pwd']` without. */
  amr: string[];
  /** The ID token's `acr` when this user signs in; absent when unset. */
  acr?: string;
}

export interface OidcTestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** How the client authenticates at the token endpoint; default `client_secret_basic`. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface OidcProviderOptions {
  clients: OidcTestClient[];
  users: OidcTestUser[];
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The claim carrying the user's groups; default `groups` (Auth0 tenants use a namespaced URL). */
  groupsClaim?: string;
}

export interface OidcProviderEvent {
  kind: 'login' | 'logout' | 'login_failed';
  sub?: string;
  /** For `login`: the `amr` the session (and so the ID token) carries. */
  amr?: string[];
  /** For `login_failed`: the email that was tried. */
  email?: string;
  at: Date;
}

export interface OidcProviderFixture {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  issuer: string;
  /** The same as `issuer`. */
  url: string;
  /**
   * Drives the login programmatically, as a browser would: GETs the authorization URL, follows redirects to
   * the login page, POSTs the credentials, follows redirects until one points at a registered redirect URI,
   * and returns that URL (with `?code=&state=` or `?error=`) without requesting it. Uses a fresh cookie jar
   * (a fresh browser) unless `jar` is passed to reuse a session (SSO, logout). Throws when the credentials
   * are refused or the provider answers with an error page.
   */
  login(
    authorizationUrl: string,
    credentials: { email: string; password: string },
    jar?: CookieJar,
  ): Promise<string>;
  /**
   * Follows an end-session URL (RP-initiated logout) to completion, confirming the sign-out, and returns the
   * final redirect (the post-logout redirect URI, or the provider's own success page when none was given)
   * without requesting it.
   */
  logout(endSessionUrl: string, jar?: CookieJar): Promise<string>;
  /** Changes a user for their next sign-in (and the claims of tokens issued from then on). */
  updateUser(sub: string, change: Partial<Omit<OidcTestUser, 'sub'>>): void;
  /** Every completed sign-in, refused password and logout, in order (a live array). */
  events: OidcProviderEvent[];
  close(): Promise<void>;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** Epoch ms; undefined for a session cookie. */
  expires: number | undefined;
}

/**
 * A minimal browser cookie store: cookies per host (`127.0.0.1:PORT`), with `Path` matching and deletion by
 * `Max-Age=0` or a past `Expires`. `Secure`, `SameSite` and `Domain` are ignored, as everything here is plain
 * http on one host.
 */
export class CookieJar {
  readonly #hosts = new Map<string, Map<string, StoredCookie>>();

  /** Stores every `Set-Cookie` of a response to `url`. */
  store(url: string | URL, response: Response): void {
    const target = new URL(url);
    for (const header of response.headers.getSetCookie()) this.set(target, header);
  }

  /** Applies one `Set-Cookie` header value received from `url`. */
  set(url: string | URL, header: string): void {
    const target = new URL(url);
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    // RFC 6265 §5.1.4: without Path, a cookie belongs to the request path's directory.
    let path = target.pathname.slice(0, Math.max(1, target.pathname.lastIndexOf('/')));
    let expires: number | undefined;
    let maxAge: number | undefined;
    for (const attribute of attributes) {
      const [rawKey = '', ...rest] = attribute.split('=');
      const key = rawKey.trim().toLowerCase();
      const attrValue = rest.join('=').trim();
      if (key === 'path' && attrValue.startsWith('/')) path = attrValue;
      else if (key === 'expires') {
        const time = Date.parse(attrValue);
        if (!Number.isNaN(time)) expires = time;
      } else if (key === 'max-age' && /^-?\d+$/.test(attrValue)) maxAge = Number(attrValue);
    }
    // Max-Age wins over Expires, as in browsers.
    if (maxAge !== undefined) expires = Date.now() + maxAge * 1000;
    const cookies = this.#cookies(target.host);
    const key = `${name};${path}`;
    if (expires !== undefined && expires <= Date.now()) cookies.delete(key);
    else cookies.set(key, { name, value, path, expires });
  }

  /** The `Cookie` header a browser would send to `url`, or undefined when there is nothing to send. */
  header(url: string | URL): string | undefined {
    const target = new URL(url);
    const cookies = this.#cookies(target.host);
    const now = Date.now();
    const matching: StoredCookie[] = [];
    for (const [key, cookie] of cookies) {
      if (cookie.expires !== undefined && cookie.expires <= now) {
        cookies.delete(key);
      } else if (pathMatches(target.pathname, cookie.path)) {
        matching.push(cookie);
      }
    }
    // Longer paths first, as RFC 6265 §5.4 asks, so the most specific of two same-named cookies wins.
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** The names and values stored for a host (`127.0.0.1:PORT`), for assertions. */
  cookies(host: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const cookie of this.#cookies(host).values()) out[cookie.name] = cookie.value;
    return out;
  }

  clear(): void {
    this.#hosts.clear();
  }

  #cookies(host: string): Map<string, StoredCookie> {
    let cookies = this.#hosts.get(host);
    if (!cookies) {
      cookies = new Map();
      this.#hosts.set(host, cookies);
    }
    return cookies;
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

// oidc-provider ships no type declarations; these are the members the fixture uses.
interface OidcInteraction {
  uid: string;
  prompt: {
    name: string;
    details: {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
  };
  params: Record<string, unknown> & { client_id: string };
  session?: { accountId: string };
  grantId?: string;
}

interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

interface OidcKoaContext {
  oidc?: { session?: { accountId?: string } };
  type: string;
  status: number;
  body: string;
}

interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): void;
  Grant: {
    new (init: { accountId: string; clientId: string }): OidcGrant;
    find(id: string): Promise<OidcGrant | undefined>;
  };
}

type OidcProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

let providerClass: Promise<OidcProviderClass> | undefined;

// oidc-provider prints notices meant for production deployments through console.warn/console.info (it warns
// at import that Node 20 is unsupported, and at construction about the in-memory adapter); tests stay quiet.
// Only messages carrying the library's own prefix are dropped, so anything else logged meanwhile still shows.
async function quietly<T>(run: () => T | Promise<T>): Promise<T> {
  const { warn, info } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) return;
      original.apply(console, args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await run();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

function loadProviderClass(): Promise<OidcProviderClass> {
  // A non-literal specifier keeps TypeScript from demanding declarations the package does not have.
  const specifier = 'oidc-provider';
  providerClass ??= quietly(
    async () => ((await import(specifier)) as { default: OidcProviderClass }).default,
  );
  return providerClass;
}

const generateRsaKeyPair = promisify(generateKeyPair);

function htmlEscape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function htmlUnescape(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_match, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? '';
  });
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${htmlEscape(title)}</title></head>
<body>
${body}
</body>
</html>`;
}

const LOGIN_FAILED = 'Invalid email or password';

function loginPage(uid: string, clientId: string, error?: string, email = ''): string {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  return page(
    'Sign in',
    `<h1>Sign in to ${htmlEscape(clientId)}</h1>
${error ? `<p role="alert" class="error">${htmlEscape(error)}</p>` : ''}
<form method="post" action="${htmlEscape(action)}" data-oidc-fixture="login">
  <label for="login">Email</label>
  <input name="login" id="login" type="email" autocomplete="username" value="${htmlEscape(email)}" required>
  <label for="password">Password</label>
  <input type="password" name="password" id="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

interface HtmlForm {
  action: string;
  method: string;
  fields: Record<string, string>;
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  const value = match?.[1] ?? match?.[2] ?? match?.[3];
  return value === undefined ? undefined : htmlUnescape(value);
}

function firstForm(html: string): HtmlForm | undefined {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!match) return undefined;
  const tag = `<form ${match[1] ?? ''}>`;
  const fields: Record<string, string> = {};
  for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input[0], 'name');
    if (name && attribute(input[0], 'type')?.toLowerCase() === 'hidden') {
      fields[name] = attribute(input[0], 'value') ?? '';
    }
  }
  return {
    action: attribute(tag, 'action') ?? '',
    method: (attribute(tag, 'method') ?? 'get').toLowerCase(),
    fields,
  };
}

function pageText(html: string): string {
  return htmlUnescape(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  ).slice(0, 500);
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

const MAX_HOPS = 25;

/**
 * Starts a real OIDC provider (`oidc-provider` v9) on 127.0.0.1 with the given clients and users, its own
 * login page and automatic consent. Close it with `close()`.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProviderFixture> {
  const Provider = await loadProviderClass();
  const host = options.host ?? '127.0.0.1';
  const groupsClaim = options.groupsClaim ?? 'groups';
  const users = new Map<string, OidcTestUser>();
  for (const user of options.users) {
    if (users.has(user.sub)) throw new Error(`OIDC test provider: duplicate user sub "${user.sub}"`);
    users.set(user.sub, { ...user, groups: [...user.groups], amr: [...user.amr] });
  }
  const events: OidcProviderEvent[] = [];
  const serverErrors: string[] = [];

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else send(res, 503, page('Starting', 'The provider is starting.'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const findUserByEmail = (email: string) => {
    const wanted = email.trim().toLowerCase();
    for (const user of users.values()) if (user.email.toLowerCase() === wanted) return user;
    return undefined;
  };

  const acrValues = [...new Set(options.users.flatMap((u) => (u.acr ? [u.acr] : [])))];
  const provider = await quietly(() => {
    try {
      return new Provider(issuer, {
        clients: options.clients.map((c) => ({
          client_id: c.clientId,
          client_secret: c.clientSecret,
          redirect_uris: c.redirectUris,
          post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: c.tokenEndpointAuthMethod ?? 'client_secret_basic',
        })),
        jwks: { keys: [signingKey] },
        cookies: {
          keys: ['clos-oidc-fixture-cookie-key-1', 'clos-oidc-fixture-cookie-key-2'],
          // Browsers share cookies across ports of one host, and the app under test runs on 127.0.0.1 too:
          // names of our own keep the provider's `_session` from colliding with the app's cookies.
          names: {
            session: 'oidc_fixture_session',
            interaction: 'oidc_fixture_interaction',
            resume: 'oidc_fixture_resume',
          },
        },
        responseTypes: ['code'],
        pkce: { required: () => true },
        scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
        // The groups ride on `openid` as well so a plain `openid email profile` request carries them, as an
        // Auth0 Action adding a namespaced claim does; acr/amr there too so they reach the ID token unasked.
        claims: {
          openid: ['sub', 'acr', 'amr', groupsClaim],
          email: ['email', 'email_verified'],
          profile: ['name'],
          groups: [groupsClaim],
        },
        // Claims of the granted scopes go into the ID token itself, not only the userinfo response.
        conformIdTokenClaims: false,
        acrValues,
        features: {
          devInteractions: { enabled: false },
          rpInitiatedLogout: {
            enabled: true,
            logoutSource: async (ctx: OidcKoaContext, form: string) => {
              // `logout=yes` ends the whole session; the script submits at once, so nobody has to click.
              const confirmed = form.replace(
                '</form>',
                '<input type="hidden" name="logout" value="yes"/></form>',
              );
              ctx.type = 'html';
              ctx.body = page(
                'Signing out',
                `<h1>Signing out</h1>
${confirmed}
<button type="submit" form="op.logoutForm">Sign out</button>
<script>document.forms[0].submit();</script>`,
              );
            },
            postLogoutSuccessSource: async (ctx: OidcKoaContext) => {
              ctx.type = 'html';
              ctx.body = page('Signed out', '<h1>Signed out</h1><p>You have been signed out.</p>');
            },
          },
        },
        findAccount: async (_ctx: unknown, sub: string) => {
          const user = users.get(sub);
          if (!user) return undefined;
          return {
            accountId: sub,
            claims: async () => ({
              sub,
              email: user.email,
              email_verified: true,
              name: user.name,
              [groupsClaim]: [...user.groups],
            }),
          };
        },
        renderError: async (ctx: OidcKoaContext, out: Record<string, string>) => {
          ctx.type = 'html';
          ctx.body = page(
            'Error',
            `<h1>OIDC error</h1>${Object.entries(out)
              .map(
                ([key, value]) =>
                  `<p data-key="${htmlEscape(key)}">${htmlEscape(key)}: ${htmlEscape(String(value))}</p>`,
              )
              .join('')}`,
          );
        },
        // Every registered client is trusted here; the default denies browser CORS calls with a notice.
        clientBasedCORS: () => true,
        // Explicit TTLs: the defaults are functions that print a notice each time they are called.
        ttl: {
          AccessToken: 3600,
          AuthorizationCode: 60,
          IdToken: 3600,
          RefreshToken: 86_400,
          Interaction: 3600,
          Session: 86_400,
          Grant: 86_400,
        },
      });
    } catch (error) {
      // A refused configuration (a bad redirect URI, say) must not leave the port open.
      server.close();
      throw error;
    }
  });

  // Koa logs uncaught middleware errors to stderr unless someone listens; keep them for error messages instead.
  provider.on('error', (error: Error) => {
    serverErrors.push(error.message);
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => {
    serverErrors.push(error.message);
  });
  provider.on('end_session.success', (ctx: OidcKoaContext) => {
    const sub = ctx.oidc?.session?.accountId;
    events.push(sub ? { kind: 'logout', sub, at: new Date() } : { kind: 'logout', at: new Date() });
  });

  async function interaction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
    if (!match) return send(res, 404, page('Not found', '<h1>Not found</h1>'));
    const isLogin = match[2] !== undefined;
    const method = req.method ?? 'GET';
    if ((isLogin && method !== 'POST') || (!isLogin && method !== 'GET')) {
      return send(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'));
    }
    let details: OidcInteraction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      return send(
        res,
        400,
        page('Error', `<h1>OIDC error</h1><p>${htmlEscape((error as Error).message)}</p>`),
      );
    }
    if (details.uid !== decodeURIComponent(match[1] ?? '')) {
      return send(res, 400, page('Error', '<h1>OIDC error</h1><p>interaction mismatch</p>'));
    }

    if (details.prompt.name === 'consent') {
      // No consent page: every registered client is first-party, so grant what it asked for.
      const accountId = details.session?.accountId;
      if (!accountId) return send(res, 400, page('Error', '<h1>OIDC error</h1><p>no session</p>'));
      const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
      const grant = existing ?? new provider.Grant({ accountId, clientId: details.params.client_id });
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    }

    if (details.prompt.name !== 'login') {
      return send(
        res,
        400,
        page('Error', `<h1>OIDC error</h1><p>unknown prompt ${htmlEscape(details.prompt.name)}</p>`),
      );
    }
    if (!isLogin) return send(res, 200, loginPage(details.uid, details.params.client_id));

    const form = await readForm(req);
    const email = form.get('login') ?? '';
    const user = findUserByEmail(email);
    if (!user || user.password !== (form.get('password') ?? '')) {
      events.push({ kind: 'login_failed', email, at: new Date() });
      return send(res, 200, loginPage(details.uid, details.params.client_id, LOGIN_FAILED, email));
    }
    const login = { accountId: user.sub, amr: [...user.amr], ...(user.acr ? { acr: user.acr } : {}) };
    events.push({ kind: 'login', sub: user.sub, amr: [...user.amr], at: new Date() });
    return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  }

  const callback = provider.callback();
  handler = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname.startsWith('/interaction/')) {
      interaction(req, res, url).catch((error: Error) => {
        serverErrors.push(error.message);
        if (!res.headersSent)
          send(res, 500, page('Error', `<h1>OIDC error</h1><p>${htmlEscape(error.message)}</p>`));
        else res.end();
      });
    } else {
      callback(req, res);
    }
  };

  const redirectUris = new Set(options.clients.flatMap((c) => c.redirectUris.map(withoutQuery)));
  const postLogoutUris = new Set(
    options.clients.flatMap((c) => (c.postLogoutRedirectUris ?? []).map(withoutQuery)),
  );
  const logoutSuccess = `${issuer}/session/end/success`;

  async function request(
    url: string,
    jar: CookieJar,
    form?: Record<string, string>,
  ): Promise<{ status: number; location?: string; html?: string }> {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    jar.store(url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      return { status: response.status, location: new URL(location, url).href };
    }
    return { status: response.status, html: await response.text() };
  }

  function failure(what: string, url: string, status: number, html: string | undefined): Error {
    const recent = serverErrors.length > 0 ? ` (provider error: ${serverErrors.at(-1)})` : '';
    return new Error(
      `OIDC test provider: ${what} stopped at ${status} ${withoutQuery(url)}: ${pageText(html ?? '')}${recent}`,
    );
  }

  async function login(
    authorizationUrl: string,
    credentials: { email: string; password: string },
    jar: CookieJar = new CookieJar(),
  ): Promise<string> {
    let url = authorizationUrl;
    let form: Record<string, string> | undefined;
    let submitted = false;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (redirectUris.has(withoutQuery(url))) return url;
      const answer = await request(url, jar, form);
      form = undefined;
      if (answer.location) {
        url = answer.location;
        continue;
      }
      const loginForm = answer.status === 200 && answer.html?.includes('data-oidc-fixture="login"');
      if (!loginForm || !answer.html) throw failure('login', url, answer.status, answer.html);
      if (submitted) {
        throw new Error(
          `OIDC test provider: login refused for ${credentials.email}: ${
            answer.html.includes(LOGIN_FAILED) ? LOGIN_FAILED : pageText(answer.html)
          }`,
        );
      }
      const action = firstForm(answer.html)?.action ?? '';
      url = new URL(action, url).href;
      form = { login: credentials.email, password: credentials.password };
      submitted = true;
    }
    throw new Error(`OIDC test provider: login did not reach a redirect URI within ${MAX_HOPS} redirects`);
  }

  async function logout(endSessionUrl: string, jar: CookieJar = new CookieJar()): Promise<string> {
    let url = endSessionUrl;
    let form: Record<string, string> | undefined;
    const posted = new Set<string>();
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const target = withoutQuery(url);
      if (postLogoutUris.has(target) || target === logoutSuccess) return url;
      const answer = await request(url, jar, form);
      form = undefined;
      if (answer.location) {
        url = answer.location;
        continue;
      }
      // Both the confirmation page and the provider's own auto-submitting form carry the xsrf token to post.
      const next = answer.status === 200 && answer.html ? firstForm(answer.html) : undefined;
      if (next?.method !== 'post' || !answer.html) throw failure('logout', url, answer.status, answer.html);
      const action = new URL(next.action, url).href;
      if (posted.has(action)) throw failure('logout', url, answer.status, answer.html);
      posted.add(action);
      url = action;
      form = { logout: 'yes', ...next.fields };
    }
    throw new Error(`OIDC test provider: logout did not finish within ${MAX_HOPS} redirects`);
  }

  return {
    issuer,
    url: issuer,
    login,
    logout,
    updateUser(sub, change) {
      const user = users.get(sub);
      if (!user) throw new Error(`OIDC test provider: no user with sub "${sub}"`);
      const copy = { ...change };
      if (copy.groups) copy.groups = [...copy.groups];
      if (copy.amr) copy.amr = [...copy.amr];
      users.set(sub, { ...user, ...copy, sub });
    },
    events,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
