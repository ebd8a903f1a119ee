/**
 * Runs the fuzz suite against one engine: starts a server, seeds an organisation, sends generated
 * cases and checks every answer (checks.ts), verifying the audit chain as it goes. Shared by the
 * bounded run in `npm test` (stop at the first failure, shrunk) and `npm run fuzz` (collect every
 * distinct failure, then shrink one example of each).
 */
import { type Engine, SEALING_TABLES } from '@clos/testing';
import fc from 'fast-check';
import { type Answer, type Check, checkAnswer, isRefusal, type Violation } from './checks.ts';
import { CaseArbitraries, type FuzzCase, toInject } from './requests.ts';
import { isPlainObject } from './schema.ts';
import { type FuzzServer, type LoggedError, startFuzzServer } from './server.ts';
import { seedWorld, type World } from './world.ts';

export interface FuzzOptions {
  engine: Engine;
  /** How many generated cases to send. */
  runs: number;
  seed?: number | undefined;
  /** Replay the case at this fast-check path (and shrink it) instead of a fresh run. */
  path?: string | undefined;
  /** `first`: stop at the first failing case and shrink it. `all`: keep going, then shrink each class. */
  mode: 'first' | 'all';
  /** Verify the audit chain every this many cases (and at the end). */
  verifyEvery?: number;
  /** `all` mode: shrink at most this many failure classes. */
  minimiseLimit?: number;
  /** Stop sending new cases after this long; shrinking has its own budget. */
  timeLimitMs?: number | undefined;
  onProgress?: (done: number, classes: number) => void;
}

/** One case as it went: what was sent, what came back, what the server logged. */
export interface CaseRecord {
  case: FuzzCase;
  target: string;
  request: { method: string; url: string; payloadBytes: number };
  status: number;
  /** `error.code` of the answer (or Fastify's own `code` when it answered outside the envelope). */
  code: string | null;
  body: string;
  violations: Violation[];
  serverErrors: LoggedError[];
}

export interface FailureClass {
  key: string;
  check: Check;
  signature: string;
  count: number;
  /** How often each route (or GraphQL field) failed this way. */
  targets: Record<string, number>;
  first: CaseRecord & { path: string };
  /** The first example shrunk by fast-check; null when it did not fail again in isolation. */
  minimal: (CaseRecord & { path: string }) | null;
}

export interface FuzzReport {
  engine: Engine;
  seed: number;
  runs: number;
  elapsedMs: number;
  casesPerSecond: number;
  statuses: Record<string, number>;
  auditVerifications: number;
  failures: FailureClass[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Where in our code an error was thrown: the first frame under apps/ or packages/, without its line. */
function origin(stack: string | undefined): string {
  const frame = stack?.split('\n').find((l) => /\/(apps|packages)\/(?!.*node_modules)/.test(l));
  const file = frame?.match(/\/((apps|packages)\/[^\s:)]+)/)?.[1];
  return file ?? 'outside our code';
}

function normalise(text: string): string {
  return text
    .replace(UUID, '<uuid>')
    .replace(/"[^"]{0,200}"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

/** What distinguishes one failure from another of the same check (the routes it hit are kept apart). */
function signatureOf(record: CaseRecord, violation: Violation): string {
  if (
    violation.check === 'no-5xx' ||
    violation.check === 'graphql-internal' ||
    violation.check === 'no-answer'
  ) {
    const logged = record.serverErrors.find((e) => e.message || e.stack);
    if (!logged) return normalise(violation.message);
    // A failed query: the database's own error says what went wrong, wherever the query was sent from.
    const cause = logged.stack?.split('\ncaused by: ').at(-1)?.split('\n')[0];
    if (logged.stack?.includes('\ncaused by: ') && cause)
      return `${logged.type ?? 'Error'} ← ${normalise(cause)}`;
    return `${logged.type ?? 'Error'}: ${normalise(logged.message ?? logged.msg)} @ ${origin(logged.stack)}`;
  }
  switch (violation.check) {
    case 'media-type':
      return violation.message.split(':')[0]!;
    case 'error-envelope':
    case 'field-paths':
    case 'refused-unchanged':
      return `${record.status} ${record.code ?? ''}`.trim();
    default:
      return `${record.status}`;
  }
}

function codeOf(body: string): string | null {
  try {
    const json = JSON.parse(body) as { error?: { code?: unknown }; code?: unknown };
    const code = typeof json.error === 'object' ? json.error?.code : json.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

/** The case with long strings cut, for printing. */
function compact(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 120 ? new Cut(value) : value;
  if (Array.isArray(value)) return value.map(compact);
  if (isPlainObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.length > 120 ? `${k.slice(0, 60)}…` : k, compact(v)]),
    );
  return value;
}

class Cut {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `${JSON.stringify(this.text.slice(0, 60))}…(${this.text.length} chars)`;
  }
}

interface Session {
  server: FuzzServer;
  world: World;
  arbitrary: fc.Arbitrary<FuzzCase>;
  run(c: FuzzCase): Promise<CaseRecord>;
  verifyAudit(): Promise<string | null>;
}

async function openSession(engine: Engine): Promise<Session> {
  const server = await startFuzzServer(engine);
  const world = await seedWorld(server.app, server.adminToken);
  const arbitrary = new CaseArbitraries(world).all();

  // Bookkeeping a request leaves whatever its outcome (who was active today, how often something was
  // used, the minute's service record) is not a change the request made.
  const bookkeeping = new Set(['active_users', 'usage_counts', 'service_minutes']);
  const tables = (
    await server.database.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    )
  )
    .map((r) => r.name)
    .filter((name) => !bookkeeping.has(name) && !SEALING_TABLES.has(name));
  // One row that changes whenever anything is written: every table's row count and the audit log's
  // (sealed or not: the relay sealing an earlier change meanwhile is not this request's doing).
  const fingerprintSql = `select concat_ws(':', (select count(*) from audit_events) + (select count(*) from audit_pending), ${tables
    .map((t) => `(select count(*) from "${t}")::text`)
    .join(', ')}) as f`;
  const fingerprint = async () => (await server.database.query<{ f: string }>(fingerprintSql))[0]!.f;

  let counter = 0;
  let last: string | null = null;

  return {
    server,
    world,
    arbitrary,
    async run(c) {
      counter += 1;
      const requestId = `fuzz-${counter}`;
      const options = toInject(c, world, requestId);
      // Reads are not compared: a GET that wrote would be a bug of its own, and counting every table
      // costs more than most requests do.
      const writes =
        c.kind === 'rest'
          ? !['GET', 'HEAD'].includes(c.method)
          : c.operation === 'mutation' || c.document !== null;
      if (writes) last ??= await fingerprint();
      const before = last;
      let answer: Answer;
      try {
        const res = await server.app.inject(options);
        answer = { status: res.statusCode, body: res.body, headers: res.headers };
      } catch (error) {
        answer = { status: 0, body: String(error), headers: {} };
      }
      const sentId = String(answer.headers['x-request-id'] ?? requestId);
      const violations: Violation[] =
        answer.status === 0 ? [{ check: 'no-answer', message: answer.body }] : checkAnswer(c, answer);
      // Only a refusal is compared with the state before it; anything else may have changed it.
      let after: string | null = null;
      if (writes && answer.status !== 0 && isRefusal(c, answer)) {
        after = await fingerprint();
        if (after !== before)
          violations.push({
            check: 'refused-unchanged',
            message: `answered ${answer.status} yet the database changed (row counts or audit head)`,
          });
      }
      last = after;
      const payload = options.payload;
      return {
        case: c,
        target: c.kind === 'rest' ? c.route : `graphql ${c.document === null ? c.field : '(document)'}`,
        request: {
          method: options.method as string,
          url: options.url as string,
          payloadBytes: typeof payload === 'string' ? Buffer.byteLength(payload) : 0,
        },
        status: answer.status,
        code: codeOf(answer.body),
        body: answer.body.length > 2_000 ? `${answer.body.slice(0, 2_000)}…` : answer.body,
        violations,
        serverErrors: [
          ...server.takeErrors(sentId),
          ...server.takeErrors(requestId),
          ...server.takeStrayErrors(),
        ],
      };
    },
    async verifyAudit() {
      const res = await server.app.inject({
        method: 'GET',
        url: '/api/v1/audit/verify',
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      last = null;
      if (res.statusCode !== 200) return `GET /api/v1/audit/verify answered ${res.statusCode} ${res.body}`;
      const result = res.json() as { ok: boolean };
      return result.ok ? null : `the audit chain does not verify: ${res.body}`;
    },
  };
}

/** Sends `options.runs` cases to a fresh server of `options.engine` and reports what failed. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const verifyEvery = options.verifyEvery ?? 250;
  const session = await openSession(options.engine);
  const classes = new Map<string, FailureClass>();
  const statuses: Record<string, number> = {};
  let auditVerifications = 0;
  let sent = 0;
  const started = performance.now();

  const note = (record: CaseRecord, path: string) => {
    statuses[record.status] = (statuses[record.status] ?? 0) + 1;
    for (const v of record.violations) {
      const signature = signatureOf(record, v);
      const key = `${v.check} | ${signature}`;
      let cls = classes.get(key);
      if (!cls) {
        cls = {
          key,
          check: v.check,
          signature,
          count: 0,
          targets: {},
          first: { ...record, path },
          minimal: null,
        };
        classes.set(key, cls);
      }
      cls.count += 1;
      cls.targets[record.target] = (cls.targets[record.target] ?? 0) + 1;
    }
  };
  const verify = async (path: string, after: CaseRecord | null) => {
    auditVerifications += 1;
    const problem = await session.verifyAudit();
    if (problem && after)
      note({ ...after, violations: [{ check: 'audit-verifies', message: problem }] }, path);
  };

  try {
    let lastRecord: CaseRecord | null = null;
    // In `first` mode every call after the first failure is fast-check shrinking it: those requests
    // are not cases of the run, and what they find is read from the shrunk counterexample below.
    let shrinking = false;
    const property = fc.asyncProperty(session.arbitrary, async (c) => {
      if (shrinking) return (await session.run(c)).violations.length === 0;
      const index = sent;
      sent += 1;
      const record = await session.run(c);
      lastRecord = record;
      note(record, String(index));
      if (sent % verifyEvery === 0) await verify(String(index), record);
      options.onProgress?.(sent, classes.size);
      if (options.mode === 'all' || record.violations.length === 0) return true;
      shrinking = true;
      return false;
    });
    const result = await fc.check(property, {
      seed,
      numRuns: options.runs,
      ...(options.path === undefined ? {} : { path: options.path }),
      ...(options.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: options.timeLimitMs }),
      endOnFailure: options.mode === 'all',
    });
    await verify(String(Math.max(sent - 1, 0)), lastRecord);

    if (options.mode === 'first' && result.failed && result.counterexample) {
      // The smallest failing case fast-check found, as the minimal example of its class (shrinking
      // may have moved to another class: then it is reported as one of its own).
      const record = await session.run(result.counterexample[0]);
      const minimal = { ...record, path: result.counterexamplePath ?? '' };
      for (const v of record.violations) {
        const key = `${v.check} | ${signatureOf(record, v)}`;
        const cls = classes.get(key);
        if (cls) cls.minimal = minimal;
        else
          classes.set(key, {
            key,
            check: v.check,
            signature: signatureOf(record, v),
            count: 1,
            targets: { [record.target]: 1 },
            first: minimal,
            minimal,
          });
      }
    }
    const elapsedMs = performance.now() - started;

    if (options.mode === 'all') {
      // Each example is shrunk on a freshly seeded server: by the end of a long run the organisation
      // has drifted (projects closed, limits changed), and the case should fail as it did when sent.
      for (const cls of [...classes.values()].slice(0, options.minimiseLimit ?? 25)) {
        if (cls.check === 'audit-verifies') continue;
        const fresh = await openSession(options.engine);
        try {
          const shrunk = await fc.check(
            fc.asyncProperty(fresh.arbitrary, async (c) => {
              const record = await fresh.run(c);
              return !record.violations.some((v) => `${v.check} | ${signatureOf(record, v)}` === cls.key);
            }),
            { seed, path: cls.first.path, numRuns: 1, interruptAfterTimeLimit: 20_000 },
          );
          if (shrunk.failed && shrunk.counterexample) {
            const minimal = await fresh.run(shrunk.counterexample[0]);
            cls.minimal = { ...minimal, path: shrunk.counterexamplePath ?? cls.first.path };
          }
        } finally {
          await fresh.server.close();
        }
      }
    }

    return {
      engine: options.engine,
      seed,
      runs: sent,
      elapsedMs,
      casesPerSecond: sent / (elapsedMs / 1_000),
      statuses,
      auditVerifications,
      failures: [...classes.values()],
    };
  } finally {
    await session.server.close();
  }
}

function describeCase(record: CaseRecord & { path: string }, engine: Engine, seed: number): string {
  const lines = [
    `  ${record.request.method} ${record.request.url.length > 300 ? `${record.request.url.slice(0, 300)}…` : record.request.url} (${record.request.payloadBytes} body bytes)`,
    `  case: ${fc.stringify(compact(record.case)).slice(0, 2_000)}`,
    `  answer: ${record.status} ${record.body.slice(0, 400)}`,
    ...record.violations.map((v) => `  ${v.check}: ${v.message.slice(0, 300)}`),
    ...record.serverErrors.slice(0, 2).map(
      (e) =>
        `  server log: ${e.msg} ${e.type ?? ''}: ${(e.message ?? '').slice(0, 500)}\n${(e.stack ?? '')
          .split('\n')
          .filter((l) => /^\s+at |^caused by: /.test(l))
          .slice(0, 8)
          .map((l) => l.slice(0, 300))
          .join('\n')}`,
    ),
    `  reproduce: npm run fuzz -- --engine ${engine} --seed ${seed} --path ${record.path}`,
  ];
  return lines.join('\n');
}

/** A report as text: one paragraph per failure class, its minimal example first. */
export function formatReport(report: FuzzReport): string {
  const out = [
    `${report.engine}: ${report.runs} cases in ${(report.elapsedMs / 1_000).toFixed(1)} s ` +
      `(${report.casesPerSecond.toFixed(0)}/s), seed ${report.seed}, ` +
      `${report.auditVerifications} audit verifications, ${report.failures.length} failure classes`,
    `statuses: ${Object.entries(report.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
  ];
  for (const [i, cls] of report.failures.entries()) {
    out.push(
      '',
      `#${i + 1} ${cls.check} (${cls.count}×): ${cls.signature}`,
      `  where: ${Object.entries(cls.targets)
        .sort((a, b) => b[1] - a[1])
        .map(([t, n]) => `${t}×${n}`)
        .join(', ')}`,
      cls.minimal ? 'minimal example:' : 'first example (did not fail again in isolation):',
      describeCase(cls.minimal ?? cls.first, report.engine, report.seed),
    );
  }
  return out.join('\n');
}
