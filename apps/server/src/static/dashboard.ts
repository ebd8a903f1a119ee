import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build -w @clos/dashboard` writes the SPA, found from this package's own location. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));

/**
 * Scripts, styles, images and API calls from this origin only; inline styles are allowed because the
 * charts set them. The page may not be framed (clickjacking) nor re-base its relative URLs.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'";

// Vite fingerprints everything under /assets/ (`app-abc123.js`): a new build gets new names, so these
// may be cached for good. Everything else (index.html, the manifest, the service worker, icons) keeps
// its name across builds and must be revalidated.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

// Server paths the SPA must never shadow: an unknown API URL answers the API's JSON 404, not a page.
const SERVER_PATHS = /^\/(?:api|graphql|healthz|readyz)(?:\/|$)/;

const PRIVATE_FILES = /\.(?:map|br|gz)$/i;

/** The usage metric counted per dashboard page load (docs/scorecard.md). */
export const DASHBOARD_VIEW_METRIC = 'dashboard.view';

const BUILD_COMMAND = 'npm run build -w @clos/dashboard';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>CLOS — dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>The dashboard has not been built</h1>
<p>The API is running (see <a href="/api/docs">/api/docs</a>). To serve the dashboard here, build it and reload:</p>
<pre><code>${BUILD_COMMAND}</code></pre>
<p><code>npm start</code> builds it when it is missing or stale.</p>
</body>
</html>
`;

function securityHeaders(reply: FastifyReply, html: boolean): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (html) reply.header('content-security-policy', DASHBOARD_CSP);
}

/** Browsers navigating (a typed URL, a link, a reload) ask for HTML; scripts and fetches do not. */
const acceptsHtml = (request: FastifyRequest) => /\btext\/html\b/i.test(request.headers.accept ?? '');

/** True when `path` names a regular file inside `root` (never outside it: `..` cannot escape). */
async function isFileIn(root: string, path: string): Promise<boolean> {
  if (path.includes('\0')) return false;
  const full = resolve(root, `.${path}`);
  if (!full.startsWith(root + sep)) return false;
  try {
    return (await stat(full)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the dashboard SPA from `dir` at `/`: its files as they are, and `index.html` for any other
 * page a browser opens (`/projects/123`), so deep links and reloads work. Every route is public: the
 * page itself holds no data; the API it calls checks the token on every request.
 */
export async function registerDashboard(
  app: FastifyInstance,
  options: {
    dir?: string | undefined;
    /** Counts a use (the usage service's `count`): each page load counts `dashboard.view`. */
    count?: ((metric: string) => Promise<void>) | undefined;
  } = {},
) {
  const root = resolve(options.dir ?? DEFAULT_DASHBOARD_DIR);
  if (!existsSync(resolve(root, 'index.html')))
    app.log.warn(
      { dir: root },
      `the dashboard is not built, so / answers 503 until it is; run "${BUILD_COMMAND}"`,
    );

  // Only the reply decorator (`sendFile`): the routes below decide what is served, and declare their
  // permission as every route must. `preCompressed`: the build writes `x.br` and `x.gz` beside each
  // text file, and the one the browser accepts is sent (with `Vary: Accept-Encoding`), so nothing is
  // compressed per request.
  await app.register(fastifyStatic, {
    root,
    serve: false,
    dotfiles: 'ignore',
    cacheControl: false,
    preCompressed: true,
  });

  const sendFile = (reply: FastifyReply, path: string) => {
    const html = path.endsWith('.html');
    // A page load is the page itself, not its scripts, styles or API calls (seed §9 "dashboard views").
    if (path === '/index.html' && options.count)
      options
        .count(DASHBOARD_VIEW_METRIC)
        .catch((err: unknown) => app.log.error({ err }, 'counting the dashboard view failed'));
    securityHeaders(reply, html);
    reply.header('cache-control', path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE);
    return reply.sendFile(path);
  };

  // Checked per request, not at start: building the dashboard while the server runs needs no restart.
  const sendIndex = async (reply: FastifyReply) => {
    if (await isFileIn(root, '/index.html')) return sendFile(reply, '/index.html');
    securityHeaders(reply, true);
    return reply
      .code(503)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(NOT_BUILT_PAGE);
  };

  // Files from disk, no database work: not counted against the per-address budget, which a page load
  // (a dozen chunks) and an office behind one NAT address would otherwise spend on the app itself.
  const config = { permission: 'public' as const, rateLimit: 'exempt' as const };
  app.get('/', { config, schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  app.get<{ Params: { '*': string } }>('/*', { config, schema: { hide: true } }, async (request, reply) => {
    const path = `/${request.params['*']}`;
    if (SERVER_PATHS.test(path)) return reply.callNotFound();
    // Source maps would publish the sources: the build writes none, and one left in `dist/` (a
    // development build copied over) is not served either. Nor are the compressed copies by name.
    if (PRIVATE_FILES.test(path)) return reply.callNotFound();
    if (await isFileIn(root, path)) return sendFile(reply, path);
    // A missing script or image must stay a 404: answering it with the page hides the fault.
    if (acceptsHtml(request) && !path.startsWith('/assets/')) return sendIndex(reply);
    return reply.callNotFound();
  });
}
