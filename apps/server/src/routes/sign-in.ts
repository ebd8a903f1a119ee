/**
 * Signing in with the company's identity provider (OIDC, docs/auth.md): `GET /auth/login` sends the
 * browser to the provider (authorization code flow with PKCE, state and nonce), `GET /auth/callback`
 * verifies what comes back and opens a session, `POST /auth/logout` ends it (and, where the provider
 * supports it, returns the URL of its RP-initiated logout). Outside `/api` and the route table: these
 * answer browsers with redirects and pages, not JSON for clients.
 */
import { randomBytes } from 'node:crypto';
import { routes } from '@clos/contract';
import type { Ctx, Services } from '@clos/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { OidcClient } from '../auth/oidc-client.ts';
import { publicHref } from '../auth/oidc-settings.ts';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  LOGIN_COOKIE,
  readCookie,
  SESSION_COOKIE,
  setCookie,
} from '../http/cookies.ts';
import { route } from './route.ts';

const LOGIN_COOKIE_SECONDS = 600;

/** Only a path on this site: an absolute or protocol-relative URL would make the sign-in an open redirect. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return '/';
  return value.length > 2000 ? '/' : value;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A plain page for a sign-in that cannot go on: what happened, in words, and a way back. */
function page(reply: FastifyReply, status: number, title: string, message: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · CLOS</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1f2937}h1{font-size:1.4rem}a{color:#2563eb}</style></head><body><main><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p><p><a href="/auth/login">Try again</a> · <a href="/">Back to CLOS</a></p></main></body></html>`,
    );
}

export function signInRoutes(app: FastifyInstance, services: Services, oidc: OidcClient | undefined) {
  const auth = services.policy.auth;
  const secure = oidc?.settings.secureCookies ?? false;

  route(app, routes.getAuthMethods, async () => ({
    sso: oidc ? { name: auth.oidc.name, loginUrl: '/auth/login' } : null,
    tokens: true as const,
  }));

  app.get(
    '/auth/login',
    { config: { permission: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      if (!oidc)
        return page(
          reply,
          404,
          'Single sign-on is not set up',
          'This CLOS signs people in with API tokens only.',
        );
      const returnTo = safeReturnTo((request.query as Record<string, unknown>).returnTo);
      let begun: Awaited<ReturnType<OidcClient['begin']>>;
      try {
        begun = await oidc.begin(auth.oidc.scopes);
      } catch (e) {
        request.log.error({ err: e }, 'OIDC discovery failed');
        return page(
          reply,
          502,
          'The identity provider cannot be reached',
          'Try again in a moment; if it persists, tell your administrator (the server log has the details).',
        );
      }
      const binding = randomBytes(32).toString('base64url');
      await services.signIn.beginLogin(binding, { ...begun.pending, returnTo });
      setCookie(reply, LOGIN_COOKIE, binding, { secure, maxAge: LOGIN_COOKIE_SECONDS, path: '/auth' });
      return reply.header('cache-control', 'no-store').redirect(begun.url.href, 302);
    },
  );

  app.get(
    '/auth/callback',
    { config: { permission: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      if (!oidc)
        return page(
          reply,
          404,
          'Single sign-on is not set up',
          'This CLOS signs people in with API tokens only.',
        );
      const binding = readCookie(request, LOGIN_COOKIE);
      setCookie(reply, LOGIN_COOKIE, '', { secure, maxAge: 0, path: '/auth' });
      const attempt = binding ? await services.signIn.takeLogin(binding) : null;
      if (!attempt)
        return page(
          reply,
          400,
          'This sign-in has expired',
          'It was started more than ten minutes ago, in another browser, or already used. Start again.',
        );
      const query = request.query as Record<string, unknown>;
      if (typeof query.error === 'string')
        return page(
          reply,
          403,
          'The identity provider did not sign you in',
          typeof query.error_description === 'string'
            ? `${query.error}: ${query.error_description}`
            : query.error,
        );
      // The URL as the provider redirected to it: the public one, whatever host a proxy forwarded to us.
      const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const callbackUrl = new URL(`${publicHref(oidc.settings, '/auth/callback')}${search}`);
      let identity: Awaited<ReturnType<OidcClient['finish']>>;
      try {
        identity = await oidc.finish(callbackUrl, attempt, auth.oidc.claim);
      } catch (e) {
        request.log.warn({ err: e }, 'OIDC callback refused');
        return page(
          reply,
          400,
          'Sign-in failed',
          `The answer from the identity provider did not verify (${(e as Error).message}). Start again.`,
        );
      }
      const result = await services.signIn.signIn(identity, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      if (!result.ok) return page(reply, 403, 'You cannot sign in to CLOS', result.message);
      const maxAge = Math.floor(
        (result.session.expiresAt.getTime() - result.session.createdAt.getTime()) / 1000,
      );
      setCookie(reply, SESSION_COOKIE, result.value, { secure, maxAge });
      // Readable by the dashboard's script, which sends it back in X-CSRF-Token.
      setCookie(reply, CSRF_COOKIE, services.signIn.csrfToken(result.value), {
        secure,
        maxAge,
        httpOnly: false,
      });
      return reply.header('cache-control', 'no-store').redirect(attempt.returnTo, 303);
    },
  );

  app.post(
    '/auth/logout',
    { config: { permission: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      const value = readCookie(request, SESSION_COOKIE);
      const clear = () => {
        setCookie(reply, SESSION_COOKIE, '', { secure, maxAge: 0 });
        setCookie(reply, CSRF_COOKIE, '', { secure, maxAge: 0, httpOnly: false });
      };
      const signedIn = value ? await services.signIn.authenticate(value) : null;
      if (signedIn) {
        // A cross-site form could otherwise sign people out at will.
        if (request.headers[CSRF_HEADER] !== services.signIn.csrfToken(value!))
          return reply.code(403).send({
            error: {
              code: 'csrf_token_invalid',
              message: `signing out needs the session's CSRF token (the ${CSRF_COOKIE} cookie) in the ${CSRF_HEADER} header`,
              requestId: String(request.id),
            },
          });
        const ctx: Ctx = { actor: signedIn.actor, requestId: String(request.id) };
        await services.signIn.end(ctx, signedIn.session.id);
      }
      clear();
      let redirectUrl = '/';
      if (oidc)
        try {
          redirectUrl = (await oidc.endSessionUrl())?.href ?? '/';
        } catch (e) {
          request.log.warn({ err: e }, 'no RP-initiated logout: discovery failed');
        }
      return { signedOut: Boolean(signedIn), redirectUrl };
    },
  );
}
