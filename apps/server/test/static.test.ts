import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { Database } from '@clos/db';
import { composeServices } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase, testEngines } from '@clos/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { DASHBOARD_CSP, DEFAULT_DASHBOARD_DIR } from '../src/static/dashboard.ts';

const INDEX =
  '<!doctype html><html><head><title>CLOS</title></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("dashboard");';
const MANIFEST = '{"name":"CLOS","start_url":"/"}';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const HTML_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

describe.each(testEngines())('the dashboard served at / on %s', (engine) => {
  let tmp: string;
  let database: Database;
  let app: FastifyInstance;
  let missing: FastifyInstance;
  const warnings: string[] = [];

  /** A server over `dir`, its warnings collected. */
  async function serve(dir: string, log: string[] = []) {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void log.push(line) });
    const services = composeServices({ database, policy: defaultPolicy(), clock: new FakeClock() });
    return buildApp({ services, database, dashboardDir: dir, logger });
  }

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'clos-dashboard-'));
    const dist = join(tmp, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), SCRIPT);
    // What the build writes beside each text file (apps/dashboard/vite.config.ts, `precompress`).
    writeFileSync(join(dist, 'assets', 'app-abc123.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(dist, 'assets', 'app-abc123.js.gz'), gzipSync(SCRIPT));
    writeFileSync(join(dist, 'index.html.gz'), gzipSync(INDEX));
    // A development build's source map, left behind: it must not be published.
    writeFileSync(join(dist, 'assets', 'app-abc123.js.map'), '{"version":3,"sources":["src/secret.ts"]}');
    writeFileSync(join(dist, 'manifest.webmanifest'), MANIFEST);
    writeFileSync(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(dist, '.env'), 'SECRET=1');
    writeFileSync(join(tmp, 'secret.txt'), 'outside the dist folder');
    database = await openTestDatabase(engine);
    app = await serve(dist);
    missing = await serve(join(tmp, 'not-built'), warnings);
  });
  afterAll(async () => {
    await app.close();
    await missing.close();
    await database.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const get = (server: FastifyInstance, url: string, accept = BROWSER) =>
    server.inject({ method: 'GET', url, headers: { accept } });

  it('answers / and deep links with index.html, uncached, with the security headers', async () => {
    for (const url of ['/', '/projects/123', '/pods/ratio/wip?tab=holders', '/index.html']) {
      const res = await get(app, url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers, url).toMatchObject(HTML_HEADERS);
    }
  });

  it('serves hashed assets as immutable with their content type; other files are revalidated', async () => {
    const asset = await get(app, '/assets/app-abc123.js', '*/*');
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe(SCRIPT);
    expect(asset.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect(asset.headers['content-security-policy']).toBeUndefined();

    const manifest = await get(app, '/manifest.webmanifest', '*/*');
    expect(manifest.statusCode).toBe(200);
    expect(manifest.headers['content-type']).toMatch(/^application\/manifest\+json/);
    expect(manifest.headers['cache-control']).toBe('no-cache');
    const worker = await get(app, '/sw.js', '*/*');
    expect(worker.statusCode).toBe(200);
    expect(worker.headers['cache-control']).toBe('no-cache');
  });

  it('sends the precompressed copy the browser accepts: brotli first, then gzip, else the file', async () => {
    const as = (encoding: string | undefined, url = '/assets/app-abc123.js') =>
      app.inject({
        method: 'GET',
        url,
        headers: { accept: '*/*', ...(encoding === undefined ? {} : { 'accept-encoding': encoding }) },
      });
    const br = await as('gzip, deflate, br');
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);
    // The compressed copy keeps the script's type and caching, and says it depends on the encoding.
    expect(br.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toMatch(/accept-encoding/i);

    const gz = await as('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);

    for (const encoding of [undefined, 'identity']) {
      const plain = await as(encoding);
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-encoding'], String(encoding)).toBeUndefined();
      expect(plain.body).toBe(SCRIPT);
    }

    // No brotli copy of the page: the gzip one, with the page's security headers.
    const page = await app.inject({
      method: 'GET',
      url: '/projects/1',
      headers: { accept: BROWSER, 'accept-encoding': 'br, gzip' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(page.rawPayload).toString()).toBe(INDEX);
    expect(page.headers).toMatchObject(HTML_HEADERS);
    // A file without copies is sent as it is, whatever the browser accepts.
    const manifest = await as('br, gzip', '/manifest.webmanifest');
    expect(manifest.headers['content-encoding']).toBeUndefined();
    expect(manifest.body).toBe(MANIFEST);
  });

  it('never serves a source map, nor the compressed copies by their own names', async () => {
    for (const url of ['/assets/app-abc123.js.map', '/assets/app-abc123.js.br', '/assets/app-abc123.js.gz']) {
      for (const accept of ['*/*', BROWSER]) {
        const res = await get(app, url, accept);
        expect(res.statusCode, `${url} ${accept}`).toBe(404);
        expect(res.body, url).not.toContain('src/secret.ts');
      }
    }
  });

  it('answers a missing file with 404, not the page, even to a browser', async () => {
    for (const [url, accept] of [
      ['/assets/app-gone99.js', '*/*'],
      ['/assets/app-gone99.js', BROWSER],
      ['/favicon.ico', 'image/avif,image/webp,*/*'],
    ] as const) {
      const res = await get(app, url, accept);
      expect(res.statusCode, `${url} ${accept}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('keeps the API, GraphQL and probes: an unknown API URL is the JSON 404, not index.html', async () => {
    for (const url of ['/api/v1/nope', '/api/nope', '/graphql/nope', '/healthz/x']) {
      const res = await get(app, url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.json().error).toMatchObject({ code: 'not_found', message: `no route GET ${url}` });
    }
    expect((await get(app, '/healthz', '*/*')).json()).toEqual({ status: 'ok' });
    const unauthenticated = await get(app, '/api/v1/pods');
    expect(unauthenticated.statusCode).toBe(401);
    // Only GET serves pages.
    expect(
      (await app.inject({ method: 'POST', url: '/projects/123', headers: { accept: BROWSER } })).statusCode,
    ).toBe(404);
  });

  it('never serves a file outside the folder, nor a dotfile', async () => {
    for (const url of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/.env']) {
      const res = await get(app, url, '*/*');
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body, url).not.toContain('outside the dist folder');
      expect(res.body, url).not.toContain('SECRET');
    }
  });

  it('declares every static route public, outside /api/v1', () => {
    const statics = app.routeCatalog.filter(
      (r) => !r.url.startsWith('/api/') && !/^\/(healthz|readyz|graphql|auth\/)/.test(r.url),
    );
    expect(statics.map((r) => `${r.method} ${r.url} ${r.permission}`).sort()).toEqual([
      'GET / public',
      'GET /* public',
    ]);
  });

  it('without a build: / answers 503 saying how to build it, and start-up warned once', async () => {
    for (const url of ['/', '/projects/123']) {
      const res = await get(missing, url);
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers).toMatchObject(HTML_HEADERS);
      expect(res.body).toContain('npm run build -w @clos/dashboard');
    }
    expect((await get(missing, '/assets/app-abc123.js', '*/*')).statusCode).toBe(404);
    expect((await get(missing, '/api/v1/nope')).json().error.code).toBe('not_found');
    const notBuilt = warnings.filter((line) => line.includes('npm run build -w @clos/dashboard'));
    expect(notBuilt).toHaveLength(1);
    expect(JSON.parse(notBuilt[0]!)).toMatchObject({ level: 40, dir: join(tmp, 'not-built') });
  });

  it('serves a build made after start-up without a restart', async () => {
    const later = join(tmp, 'built-later');
    const server = await serve(later);
    try {
      expect((await get(server, '/')).statusCode).toBe(503);
      mkdirSync(later);
      writeFileSync(join(later, 'index.html'), INDEX);
      const res = await get(server, '/projects/1');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(INDEX);
    } finally {
      await server.close();
    }
  });

  it('does not count the app’s files against the per-address request budget', async () => {
    const services = composeServices({ database, policy: defaultPolicy(), clock: new FakeClock() });
    const limited = await buildApp({
      services,
      database,
      dashboardDir: join(tmp, 'dist'),
      rateLimit: { perToken: 0, perIp: 3, webhook: 0 },
    });
    try {
      for (let i = 0; i < 10; i++) {
        expect((await get(limited, '/')).statusCode).toBe(200);
        expect((await get(limited, '/assets/app-abc123.js', '*/*')).statusCode).toBe(200);
      }
      // The API still is limited.
      const codes = [];
      for (let i = 0; i < 4; i++)
        codes.push((await limited.inject({ method: 'GET', url: '/api/v1/pods' })).statusCode);
      expect(codes).toContain(429);
    } finally {
      await limited.close();
    }
  });

  it('finds the build in apps/dashboard/dist by default', () => {
    expect(DEFAULT_DASHBOARD_DIR.split(/[\\/]/).slice(-3)).toEqual(['apps', 'dashboard', 'dist']);
  });
});
