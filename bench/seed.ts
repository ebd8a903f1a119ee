/** The CLOS side of the benchmark: a server on a fresh data directory, seeded through its API. */
import { loadConfigFile } from '@clos/config';
import type { ClosConfig } from '@clos/contract';
import type { ServerOptions } from '../apps/server/src/runtime/options.ts';
import { type RunningServer, startServer } from '../apps/server/src/server.ts';
import { type BaselinePolicy, benchPodSlugs } from './baseline.ts';

export const ADMIN_TOKEN = `bench_admin_${'x'.repeat(24)}`;
export const MEMBERS = 6;
export const PROJECTS = 5;
/** The API's maximum WIP limit (setLimitBody); run.ts raises it in the database when it needs more. */
export const API_MAX_LIMIT = 10_000;

/** The options every benchmark's server starts with: embedded database, a free port, the fixed admin token. */
export function benchServerOptions(dataDir: string): ServerOptions {
  return {
    config: undefined,
    dataDir,
    port: 0,
    host: '127.0.0.1',
    databaseUrl: undefined,
    poolMax: 1,
    adminToken: ADMIN_TOKEN,
    adminEmail: 'admin@bench.local',
    logLevel: 'warn',
    demo: false,
    mode: 'all',
  };
}

/** In this process, on a free port of 127.0.0.1; `cwd` holds no config file, so the built-in policy applies. */
export function startClos(dataDir: string, cwd: string): Promise<RunningServer> {
  return startServer(benchServerOptions(dataDir), cwd);
}

export async function api<T>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Pod `bench` with members, projects, a health snapshot and a developer token, all through the API;
 * with `extraPods`, also pods `bench-1`… with the same WIP limits, which the token covers too.
 */
export async function seedClos(url: string, extraPods = 0): Promise<string> {
  const admin = (method: string, path: string, body?: unknown) => api(url, ADMIN_TOKEN, method, path, body);
  await admin('POST', '/api/v1/pods', { slug: 'bench', name: 'Bench', timezone: 'UTC' });
  await admin('PUT', '/api/v1/pods/bench/wip-limits/pull-request', { limit: API_MAX_LIMIT });
  await admin('PUT', '/api/v1/pods/bench/wip-limits/project', { limit: PROJECTS * 2 });
  for (let i = 0; i < MEMBERS; i++) {
    const email = i === 0 ? 'dev@bench.local' : `member-${i}@bench.local`;
    await admin('POST', '/api/v1/users', { email, name: `Member ${i}`, role: 'developer' });
    await admin('POST', '/api/v1/pods/bench/members', { email, podRole: i === 1 ? 'lead' : 'member' });
  }
  for (let i = 0; i < PROJECTS; i++)
    await admin('POST', '/api/v1/projects', { name: `Project ${i}`, pod: 'bench' });
  await admin('POST', '/api/v1/pods/bench/health', {
    metrics: { velocity: 0.9, wipUtilisation: 0.8, blockedItems: 1, cycleTimeDays: 4 },
  });
  const slugs = benchPodSlugs(extraPods);
  for (const slug of slugs.slice(1)) {
    await admin('POST', '/api/v1/pods', { slug, name: slug, timezone: 'UTC' });
    await admin('PUT', `/api/v1/pods/${slug}/wip-limits/pull-request`, { limit: API_MAX_LIMIT });
    await admin('PUT', `/api/v1/pods/${slug}/wip-limits/project`, { limit: PROJECTS * 2 });
    await admin('POST', `/api/v1/pods/${slug}/members`, { email: 'dev@bench.local', podRole: 'member' });
  }
  const created = await admin('POST', '/api/v1/tokens', {
    name: 'bench',
    role: 'developer',
    pods: slugs,
    user: 'dev@bench.local',
  });
  return (created as { value: string }).value;
}

/** The built-in policy CLOS runs with when `cwd` has no config file, and the part the baseline needs. */
export async function builtInPolicy(cwd: string): Promise<{ config: ClosConfig; baseline: BaselinePolicy }> {
  const loaded = await loadConfigFile(undefined, { cwd });
  if (!loaded.ok) throw new Error(`built-in config: ${loaded.problems.join('; ')}`);
  return {
    config: loaded.config,
    baseline: {
      wipTypes: loaded.config.wip.types.map((t) => ({ name: t.name, defaultLimit: t.defaultLimit })),
      stages: loaded.config.stages.map((s) => s.name),
    },
  };
}
