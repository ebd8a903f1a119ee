import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * API answers (JSON, never a page): nothing may load from them, nothing may frame them. Applied to
 * every route without its own policy below, and to 404s.
 */
export const API_CSP = {
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

/**
 * Swagger UI at /api/docs: its page loads its scripts and styles from /api/docs/static (no inline
 * script), fetches the spec and "Try it out" calls from this origin, sets inline styles and shows
 * data: icons. It may not be framed either.
 */
export const DOCS_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
};

// Responses of these may carry tokens or other private data: no cache (browser, proxy) may keep one.
const NO_STORE_PATHS = /^\/(?:api|graphql)(?:[/?]|$)/;

/** Paths the server answers itself; every other route is the dashboard's (static/dashboard.ts). */
const isServerPath = (url: string) => /^\/(?:api|graphql|healthz|readyz|metrics)(?:[/?]|$)/.test(url);

/**
 * Security headers through @fastify/helmet on every response: `nosniff`, no framing, no referrer,
 * same-origin opener and resource policies, and a Content-Security-Policy (strict for the API, one
 * Swagger UI works under for /api/docs). Pages of the dashboard keep the CSP they set themselves, and
 * its other files (the service worker among them) get none, as before. HSTS is left to whatever
 * terminates TLS in front of CLOS: this server speaks plain HTTP.
 *
 * Register before any hook that may answer early (rate limits, authentication): helmet's headers are
 * set in `onRequest`, so a 401 or 429 carries them too.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs'))
      route.config = {
        ...route.config,
        helmet: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } },
      } as typeof route.config;
    else if (!isServerPath(route.url))
      route.config = { ...route.config, helmet: { contentSecurityPolicy: false } } as typeof route.config;
  });
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
  });

  // Set on the raw response at the start, so an answer written past Fastify (the event stream) or
  // sent early by a hook carries it; `onSend` then wins over a route's own choice.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (NO_STORE_PATHS.test(request.url)) reply.raw.setHeader('cache-control', 'no-store');
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (NO_STORE_PATHS.test(request.url)) reply.header('cache-control', 'no-store');
    // An unknown /api URL is matched by the dashboard's catch-all route (CSP left to its pages), which
    // hands it on as a 404: that answer is the API's, and gets the API's policy.
    if (isServerPath(request.url) && !reply.raw.hasHeader('content-security-policy'))
      reply.helmet({ contentSecurityPolicy: { useDefaults: false, directives: API_CSP } });
    return payload;
  });
}
