/**
 * End-to-end harness: a real server process (what `npm start` runs) on a fresh embedded database in a
 * temporary directory, serving the built dashboard, driven by Debian's chromium through
 * playwright-core. Each test file starts its own server and browser.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import {
  listeningUrl,
  ROOT,
  type ServerProcess,
  spawnServer,
  stopServer,
  tempDirs,
} from '../apps/server/test/server-process.ts';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const CHROMIUM = process.env.CLOS_E2E_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'e2e/screenshots');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TSX = import.meta.resolve('tsx');

/** Waits for conditions, never for a fixed time: generous, as two cores run other suites meanwhile. */
export const WAIT = 20_000;

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, ...args], { cwd: ROOT, stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')}: ${out}`))));
  });
}

/**
 * Builds the dashboard if its sources are newer than the build (the script skips an up-to-date one).
 * Test files run in parallel workers: a lock directory keeps two builds from emptying `dist/` under
 * each other; one left by a killed run is taken over after a few minutes.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  // Once per test run (the workers' parent): a rebuild while another file's browser loads pages would
  // swap the assets under it. Sources edited during a run are picked up by the next run.
  const built = join(tmpdir(), `clos-e2e-dashboard-built-${process.ppid}`);
  if (existsSync(built) && Date.now() - statSync(built).mtimeMs < 3_600_000) return;
  const lock = join(tmpdir(), 'clos-e2e-dashboard-build.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000)
        rmSync(lock, { force: true, recursive: true });
      if (Date.now() > deadline) throw new Error(`the dashboard build lock ${lock} was never released`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!existsSync(built)) await run(['scripts/build-dashboard.ts']);
    writeFileSync(built, '');
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

export interface E2e {
  url: string;
  server: ServerProcess;
  browser: Browser;
  /** Calls the API as `token` (the admin by default); never throws on an error status. */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<ApiAnswer<T>>;
  /** Like `api`, but fails the test unless the status is 2xx. */
  ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  /** A new user with `role` and a token for it (limited to `pods` when given). */
  user(role: string, name: string, pods?: string[]): Promise<TestUser>;
  /**
   * A fresh browser context (its own session storage) already signed in as `token` (none: the
   * sign-in page), with service workers blocked so every load reaches the server.
   */
  context(token: string | null, options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page in a new signed-in context, at `path`, with the view's heading shown. */
  open(token: string, path: string, options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now, for a server whose URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface E2eOptions {
  /** Start with the sample organisation (`--demo`), for screenshots with something in them. */
  demo?: boolean;
  /** Listen on this port (default: any free one), e.g. when the server's public URL must be known first. */
  port?: number;
  /** More environment for the server (`CLOS_OIDC_*`, say). */
  env?: Record<string, string>;
  /** The text of a `clos.config.yaml` in the server's working directory; none by default. */
  config?: string;
}

export async function startE2e(options: E2eOptions = {}): Promise<E2e> {
  await ensureDashboardBuilt();
  const dirs = tempDirs('clos-e2e-');
  const dir = dirs.make();
  // The temp dir as the working directory: no clos.config.yaml there unless given, so the built-in
  // model applies.
  if (options.config !== undefined) writeFileSync(join(dir, 'clos.config.yaml'), options.config);
  const server = spawnServer(
    [
      '--data-dir',
      join(dir, 'data'),
      '--port',
      String(options.port ?? 0),
      ...(options.demo ? ['--demo'] : []),
    ],
    {
      cwd: dir,
      // Load shedding is tested on its own (pressure tests); here a busy CI machine (two cores, the
      // suite's other files, chromium) must not turn the views' set-up calls into 503s.
      env: {
        CLOS_ADMIN_TOKEN: ADMIN_TOKEN,
        CLOS_LOG_LEVEL: 'info',
        CLOS_PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
        ...options.env,
      },
    },
  );
  let browser: Browser | undefined;
  try {
    const url = await listeningUrl(server);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const contexts: BrowserContext[] = [];

    const api: E2e['api'] = async (method, path, body, token = ADMIN_TOKEN) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as never };
    };
    const ok: E2e['ok'] = async (method, path, body, token) => {
      const res = await api(method, path, body, token);
      if (res.status < 200 || res.status > 299)
        throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as never;
    };
    let users = 0;
    const user: E2e['user'] = async (role, name, pods) => {
      const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${++users}@e2e.test`;
      const created = await ok<{ id: string }>('POST', '/api/v1/users', { email, name, role });
      const token = await ok<{ value: string }>('POST', '/api/v1/tokens', {
        name: `${name} (e2e)`,
        role,
        user: email,
        ...(pods ? { pods } : {}),
      });
      return { id: created.id, email, token: token.value };
    };
    const context: E2e['context'] = async (token, options = {}) => {
      const ctx = await browser!.newContext({ serviceWorkers: 'block', ...options });
      contexts.push(ctx);
      // What signing in leaves behind (the token in this tab's session storage), set before the app runs.
      if (token)
        await ctx.addInitScript((t) => {
          (
            globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }
          ).sessionStorage.setItem('clos.token', t);
        }, token);
      return ctx;
    };
    const open: E2e['open'] = async (token, path, options) => {
      const page = await (await context(token, options)).newPage();
      await page.goto(`${url}${path}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: WAIT });
      return page;
    };
    return {
      url,
      server,
      browser,
      api,
      ok,
      user,
      context,
      open,
      async close() {
        for (const c of contexts.splice(0)) await c.close().catch(() => {});
        await browser?.close().catch(() => {});
        await stopServer(server);
        dirs.removeAll();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => {});
    server.child.kill('SIGKILL');
    dirs.removeAll();
    throw e;
  }
}

/** Waits until the view has loaded: its heading shown and no "Loading…" left in the main area. */
export async function settled(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: WAIT });
  await page
    .locator('main [role="status"]')
    .filter({ hasText: /^Loading/ })
    .first()
    .waitFor({ state: 'detached', timeout: WAIT });
}

/** Saves a full-page screenshot of the settled view as e2e/screenshots/<name>.png for review. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await settled(page);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // From the top: scrolled, the sticky header would be drawn across the middle of a full-page image.
  await page.evaluate('window.scrollTo(0, 0)');
  // Clipped to the screen's width: Chromium sizes a full-page capture by the widest descendant, even
  // one scrolled inside its own wrapper, which would pad phone images with blank space.
  const width = page.viewportSize()?.width ?? 1280;
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  await page.screenshot({
    path,
    fullPage: true,
    clip: { x: 0, y: 0, width, height },
    animations: 'disabled',
  });
  return path;
}

/**
 * The elements that reach past the right edge of a `width`-pixel screen without a scrolling wrapper
 * between them and the page: what makes a phone scroll sideways. Empty when the layout fits.
 */
export async function overflowing(page: Page, width: number): Promise<string[]> {
  // A string: this runs in the page, whose DOM types the Node project does not load.
  return page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      if (el.getBoundingClientRect().right <= ${width} + 1) continue;
      let p = el.parentElement;
      let clipped = false;
      for (; p && p !== document.body; p = p.parentElement)
        if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) clipped = true;
      if (clipped) continue;
      const label = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40);
      out.push(el.tagName.toLowerCase() + '.' + String(el.className).split(' ').slice(0, 4).join('.') + ' "' + label + '"');
    }
    return out.slice(0, 10);
  })()`);
}
