/**
 * CPU profiles of the server process, one per scenario (BENCH_PROFILE=dir in run.ts), and a summary
 * of where the time went by layer. Also a CLI: `npx tsx bench/profile.ts file.cpuprofile…`.
 */
import { readFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Starts the V8 sampling profiler in this process; the returned function stops it. */
export async function startProfile(): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile as unknown as CpuProfile;
  };
}

/** The layer a frame belongs to, from its script URL. Order matters: first match wins. */
const LAYERS: [string, (url: string, fn: string) => boolean][] = [
  ['idle', (_u, f) => f === '(idle)'],
  ['garbage collection', (_u, f) => f === '(garbage collector)'],
  ['PGlite: Postgres in WASM', (u) => u.startsWith('wasm://')],
  ['PGlite: JS wrapper, protocol, parsers', (u) => u.includes('@electric-sql/pglite')],
  ['Drizzle ORM', (u) => u.includes('drizzle-orm')],
  ['Zod + fastify-type-provider-zod', (u) => u.includes('/zod/') || u.includes('fastify-type-provider-zod')],
  ['pino (logging)', (u) => u.includes('/pino')],
  [
    'Fastify + its plugins',
    (u) =>
      /\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|toad-cache|fast-querystring)\//.test(
        u,
      ),
  ],
  ['CLOS: apps/server (HTTP layer)', (u) => u.includes('/apps/server/')],
  ['CLOS: packages/core (use cases)', (u) => u.includes('/packages/core/')],
  ['CLOS: packages/db (repositories)', (u) => u.includes('/packages/db/')],
  ['bench (baseline routes)', (u) => u.includes('/bench/')],
  ['Node.js internals (http, net, streams, crypto)', (u) => u.startsWith('node:') || u === ''],
  ['other npm packages', (u) => u.includes('node_modules')],
];

function layerOf(url: string, fn: string): string {
  for (const [name, test] of LAYERS) if (test(url, fn)) return name;
  return 'other';
}

export interface ProfileSummary {
  /** Sampled milliseconds, idle excluded. */
  busyMs: number;
  /** Self time per layer, ms. */
  layers: [string, number][];
  /** Inclusive time of selected functions (each counted once per stack), ms. */
  functions: [string, number][];
}

/**
 * Inclusive time of these synchronous functions (each counted once per stack). Async functions are
 * left out on purpose: a sampled stack only shows them between awaits, so their figure would mislead.
 */
const WATCHED: [string, (n: ProfileNode) => boolean][] = [
  ['Zod validation + response serialization', (n) => n.callFrame.url.includes('fastify-type-provider-zod')],
  ['toJson()', (n) => n.callFrame.functionName === 'toJson'],
  ['audit chainHash()', (n) => n.callFrame.functionName === 'chainHash'],
  ['Drizzle mapResultRow()', (n) => n.callFrame.functionName === 'mapResultRow'],
  [
    'PGlite execProtocol*() (protocol + Postgres in WASM)',
    (n) =>
      n.callFrame.url.includes('@electric-sql/pglite') && n.callFrame.functionName.startsWith('execProtocol'),
  ],
];

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const layers = new Map<string, number>();
  let busyMs = 0;
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const layer = layerOf(n.callFrame.url, n.callFrame.functionName);
    if (layer !== 'idle') busyMs += t;
    layers.set(layer, (layers.get(layer) ?? 0) + t);
  }
  layers.delete('idle');

  // Inclusive: walk from the root, adding a node's subtree once per watched name on its stack.
  const inclusive = new Map<string, number>();
  const subtree = new Map<number, number>();
  const total = (id: number): number => {
    const cached = subtree.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id)!;
    const t = (self.get(id) ?? 0) + (n.children ?? []).reduce((s, c) => s + total(c), 0);
    subtree.set(id, t);
    return t;
  };
  const visit = (id: number, open: Set<string>) => {
    const n = byId.get(id)!;
    const added: string[] = [];
    for (const [name, test] of WATCHED)
      if (!open.has(name) && test(n)) {
        inclusive.set(name, (inclusive.get(name) ?? 0) + total(id));
        open.add(name);
        added.push(name);
      }
    for (const c of n.children ?? []) visit(c, open);
    for (const name of added) open.delete(name);
  };
  visit(profile.nodes[0]!.id, new Set());

  return {
    busyMs,
    layers: [...layers].sort((a, b) => b[1] - a[1]),
    functions: WATCHED.map(([name]) => [name, inclusive.get(name) ?? 0]),
  };
}

export function formatSummary(title: string, s: ProfileSummary, requests?: number): string {
  const pct = (v: number) => `${((100 * v) / s.busyMs).toFixed(1)}%`;
  const per = (v: number) => (requests ? ` ${((1000 * v) / requests).toFixed(0).padStart(5)} µs/req` : '');
  const lines = [`${title}: ${s.busyMs.toFixed(0)} ms on CPU${requests ? ` for ${requests} requests` : ''}`];
  lines.push('  self time by layer:');
  for (const [name, t] of s.layers) lines.push(`    ${pct(t).padStart(6)}${per(t)}  ${name}`);
  lines.push('  inclusive time of:');
  for (const [name, t] of s.functions) if (t > 0) lines.push(`    ${pct(t).padStart(6)}${per(t)}  ${name}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  for (const file of process.argv.slice(2))
    console.log(
      formatSummary(file, summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile)),
    );
