/**
 * The demo organisation behind `npm run demo`: four pods with six weeks of history. Everything goes
 * through the use cases, as real callers would, so every row is audited and the audit chain verifies;
 * the only trick is the clock, which walks from six weeks ago up to (just before) now.
 */
import { randomUUID } from 'node:crypto';
import {
  type Actor,
  type Ctx,
  GateValidators,
  type HealthMetrics,
  ideaScore,
  type Policy,
  type Role,
  type User,
} from '@clos/core';
import { composeServices, type Database } from '@clos/db';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The history spans this many days and ends half a day before now. */
const HISTORY_DAYS = 42;
const DOCS = 'https://docs.example.com';

interface UserSeed {
  email: string;
  name: string;
  role: Role;
  pod?: string;
  podRole?: 'lead' | 'member';
  /** Leaves `pod` for another one (a rotation) on that day. */
  rotates?: { to: string; day: number };
}

const USERS: UserSeed[] = [
  { email: 'amara.okafor@example.com', name: 'Amara Okafor', role: 'admin' },
  { email: 'henrik.larsen@example.com', name: 'Henrik Larsen', role: 'admin' },
  { email: 'priya.raman@example.com', name: 'Priya Raman', role: 'pod-lead', pod: 'ratio', podRole: 'lead' },
  { email: 'marcus.bell@example.com', name: 'Marcus Bell', role: 'pod-lead', pod: 'atlas', podRole: 'lead' },
  { email: 'mei.tan@example.com', name: 'Mei Lin Tan', role: 'pod-lead', pod: 'beacon', podRole: 'lead' },
  {
    email: 'sofia.alvarez@example.com',
    name: 'Sofia Alvarez',
    role: 'pod-lead',
    pod: 'compass',
    podRole: 'lead',
  },
  { email: 'tom.whitaker@example.com', name: 'Tom Whitaker', role: 'developer', pod: 'ratio' },
  { email: 'hannah.brooks@example.com', name: 'Hannah Brooks', role: 'developer', pod: 'ratio' },
  { email: 'diego.santos@example.com', name: 'Diego Santos', role: 'developer', pod: 'atlas' },
  {
    email: 'aisha.khan@example.com',
    name: 'Aisha Khan',
    role: 'developer',
    pod: 'atlas',
    rotates: { to: 'compass', day: 21 },
  },
  { email: 'kenji.watanabe@example.com', name: 'Kenji Watanabe', role: 'developer', pod: 'beacon' },
  { email: 'lucas.meyer@example.com', name: 'Lucas Meyer', role: 'developer', pod: 'compass' },
  { email: 'olivia.chen@example.com', name: 'Olivia Chen', role: 'viewer', pod: 'atlas' },
];

const ADMIN = 'amara.okafor@example.com';
const HEAD_OF_ENGINEERING = 'henrik.larsen@example.com';

const PODS = [
  { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' },
  { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' },
  { slug: 'beacon', name: 'Beacon', timezone: 'Asia/Singapore' },
  { slug: 'compass', name: 'Compass', timezone: 'Europe/Berlin' },
];

/** The pod that is left exactly at its project WIP limit, so the dashboard shows a full cell. */
const FULL_POD = 'ratio';

interface ProjectSeed {
  name: string;
  pod: string;
  /** Day the project is created (or its idea promoted). */
  created: number;
  /** Days of the first and last stage advance; advances in between are spread evenly. */
  moves: [number, number];
  problem: string;
  metrics: string[];
  rollback: string;
  /** Title of the idea whose promotion creates this project. */
  fromIdea?: string;
  /** Blocked and unblocked again before the first advance, so it never stands in a gate's way. */
  pause?: { from: number; to: number; reason: string; resolution: string };
  /** Still blocked at the end; after the last advance. */
  blocked?: { day: number; reason: string };
  /** The approver first rejects this advance (1-based), the team resubmits, then it is approved. */
  rejectOnce?: { transition: number; comment: string; revisedMetrics: string[] };
}

/**
 * Ordered from least to most advanced: the n-th project is taken as far as its rank allows in the
 * configured stage list, so every stage holds a project whatever the number of stages.
 */
const PROJECTS: ProjectSeed[] = [
  {
    name: 'SSO for enterprise customers',
    pod: 'compass',
    created: 36,
    moves: [38, 40],
    problem: 'Enterprise prospects stall in procurement because we cannot offer SAML single sign-on.',
    metrics: ['Three enterprise deals unblocked', 'Zero password resets for SSO tenants'],
    rollback: 'Disable the SSO feature flag per tenant; password login keeps working throughout.',
  },
  {
    name: 'Self-serve refunds',
    pod: 'ratio',
    created: 30,
    moves: [33, 38],
    fromIdea: 'Self-serve refunds in the customer portal',
    problem: 'Support agents handle 400 refund tickets a month that customers could resolve alone.',
    metrics: ['Refund tickets down 60%', 'Refund time under 2 minutes'],
    rollback: 'Hide the refund button behind its flag; refunds fall back to the support queue.',
  },
  {
    name: 'Public status page',
    pod: 'compass',
    created: 24,
    moves: [30, 38],
    problem: 'During incidents customers flood support because they cannot see what is happening.',
    metrics: ['Incident tickets down 40%', 'Status updated within 10 minutes of an incident'],
    rollback: 'Point the status subdomain back at the static maintenance page.',
  },
  {
    name: 'Usage-based billing',
    pod: 'atlas',
    created: 14,
    moves: [22, 30],
    problem:
      'Flat plans overcharge small customers and undercharge heavy ones; churn is highest among the small.',
    metrics: ['Small-customer churn down 15%', 'Revenue per heavy account up 10%'],
    rollback: 'Switch accounts back to their previous flat plan; invoices are recomputed nightly.',
    blocked: { day: 33, reason: 'Waiting on legal review of the new pricing terms' },
  },
  {
    name: 'Offline mode for field technicians',
    pod: 'beacon',
    created: 12,
    moves: [19, 27],
    fromIdea: 'Offline mode for field technicians',
    problem: 'Technicians lose work orders when they lose signal on site, and re-enter them from paper.',
    metrics: ['Zero lost work orders', 'Sync conflicts under 1% of orders'],
    rollback: 'Ship a config update that turns offline mode off; queued orders sync on next launch.',
  },
  {
    name: 'Data warehouse migration',
    pod: 'compass',
    created: 2,
    moves: [8, 29],
    problem: 'Nightly reports take six hours on the old warehouse and miss the morning planning meeting.',
    metrics: ['Nightly reports finish before 06:00', 'Warehouse cost down 30%'],
    rollback: 'Repoint the BI tools at the old warehouse, which keeps loading in parallel for a month.',
  },
  {
    name: 'Partner API v2',
    pod: 'atlas',
    created: 3,
    moves: [9, 26],
    problem: 'Partners build fragile scrapers because API v1 lacks webhooks and bulk endpoints.',
    metrics: ['Five partners migrated to v2', 'p95 latency under 300 ms'],
    rollback: 'Route partner traffic back to v1, which stays deployed until every partner has moved.',
    pause: {
      from: 4.2,
      to: 7.5,
      reason: 'Waiting for partner sandbox credentials',
      resolution: 'Sandbox credentials arrived from the partner team',
    },
  },
  {
    name: 'Mobile onboarding flow',
    pod: 'beacon',
    created: 1,
    moves: [6, 31],
    problem: 'Half of new mobile users drop out before finishing the seven-screen sign-up.',
    metrics: ['Onboarding completion above 75%', 'Time to first task under 3 minutes'],
    rollback: 'Serve the previous onboarding through the remote config switch; no app release needed.',
  },
  {
    name: 'Invoice PDF export',
    pod: 'ratio',
    created: 4,
    moves: [8, 35],
    problem: 'Finance teams at our customers re-type invoices because they cannot download them as PDF.',
    metrics: ['Better invoices'],
    rollback: 'Remove the export button; the PDF service has no other callers.',
    rejectOnce: {
      transition: 2,
      comment: 'Success metrics are not measurable: give a baseline and a target.',
      revisedMetrics: [
        'Invoice-related tickets down from 120 to 40 a month',
        '30% of invoices downloaded as PDF',
      ],
    },
  },
  {
    name: 'Search relevance tuning',
    pod: 'atlas',
    created: 0.5,
    moves: [5, 37],
    problem: 'A third of searches end without a click because results rank by recency, not relevance.',
    metrics: ['Search click-through up from 64% to 80%', 'Zero-result searches under 5%'],
    rollback: 'Flip the ranking flag back to the recency ranker; both indexes are kept warm.',
  },
  {
    name: 'Checkout redesign',
    pod: 'ratio',
    created: 0.4,
    moves: [3, 39],
    problem: 'Checkout conversion on mobile is 12 points below desktop; users abandon at the address form.',
    metrics: ['Mobile checkout conversion up 8 points', 'Address form errors down 50%'],
    rollback: 'Turn off the new-checkout flag; the old checkout stays deployed for two releases.',
  },
];

interface EvaluationSeed {
  by: string;
  day: number;
  /** The evaluator's overall view, 0–5; spread over the criteria with a little variation. */
  base: number;
  comment?: string;
}

interface IdeaSeed {
  title: string;
  description: string;
  by: string;
  day: number;
  evaluations: EvaluationSeed[];
  archive?: { by: string; day: number; reason: string };
  /** Submitted for this pod's evaluation: holds one of its idea WIP slots while pending. */
  pod?: string;
}

const IDEAS: IdeaSeed[] = [
  {
    title: 'Self-serve refunds in the customer portal',
    description: 'Let customers refund unused orders themselves within policy, instead of opening a ticket.',
    by: 'hannah.brooks@example.com',
    day: 2,
    evaluations: [
      { by: 'priya.raman@example.com', day: 4, base: 4, comment: 'Support has asked for this for a year.' },
      { by: 'tom.whitaker@example.com', day: 5, base: 4 },
      { by: ADMIN, day: 8, base: 5, comment: 'Directly cuts support cost.' },
    ],
  },
  {
    title: 'Offline mode for field technicians',
    description: 'Cache work orders on the device and sync when the connection returns.',
    by: 'kenji.watanabe@example.com',
    day: 1,
    evaluations: [
      { by: 'mei.tan@example.com', day: 3, base: 4, comment: 'Top complaint in the last customer survey.' },
      { by: HEAD_OF_ENGINEERING, day: 6, base: 4 },
    ],
  },
  {
    title: 'AI-assisted support ticket triage',
    description: 'Suggest a category and an owner for incoming tickets, with the agent confirming.',
    by: 'diego.santos@example.com',
    pod: 'atlas',
    day: 9,
    evaluations: [
      { by: 'marcus.bell@example.com', day: 11, base: 4 },
      {
        by: 'sofia.alvarez@example.com',
        day: 15,
        base: 3,
        comment: 'Promising, but we need labelled data first.',
      },
    ],
  },
  {
    title: 'Dark mode for the dashboard',
    description: 'A dark theme for operators who watch the dashboard all night.',
    by: 'lucas.meyer@example.com',
    pod: 'compass',
    day: 20,
    evaluations: [{ by: 'tom.whitaker@example.com', day: 22, base: 3 }],
  },
  {
    title: 'Quarterly internal hackathon',
    description: 'Two days each quarter where pods work on anything they like, demoed on the Friday.',
    by: 'aisha.khan@example.com',
    day: 37,
    evaluations: [],
  },
  {
    title: 'Replace Jenkins with GitHub Actions',
    description: 'Move CI off the self-hosted Jenkins so pods stop waiting for build agents.',
    by: 'lucas.meyer@example.com',
    day: 13,
    evaluations: [
      { by: 'sofia.alvarez@example.com', day: 16, base: 3 },
      { by: HEAD_OF_ENGINEERING, day: 18, base: 2, comment: 'Worth it, but not this quarter.' },
    ],
  },
  {
    title: 'Loyalty points on a blockchain',
    description: 'Issue loyalty points as tokens that customers can trade.',
    by: 'diego.santos@example.com',
    day: 5,
    evaluations: [
      { by: 'marcus.bell@example.com', day: 7, base: 1 },
      { by: ADMIN, day: 10, base: 1, comment: 'No customer has asked for this.' },
    ],
    archive: { by: ADMIN, day: 11, reason: 'Low impact and low confidence; no customer demand.' },
  },
  {
    title: 'Build an in-house feature-flag service',
    description: 'Replace the config-file flags with our own flag service and UI.',
    by: 'tom.whitaker@example.com',
    day: 6,
    evaluations: [
      { by: 'priya.raman@example.com', day: 8, base: 3 },
      { by: HEAD_OF_ENGINEERING, day: 12, base: 2 },
    ],
    archive: {
      by: HEAD_OF_ENGINEERING,
      day: 19,
      reason: 'Superseded: we adopted an off-the-shelf feature-flag service instead.',
    },
  },
];

const PULL_REQUESTS = [
  { pod: 'atlas', item: 'atlas/api#88', by: 'diego.santos@example.com', day: 30, releasedOn: 32 },
  { pod: 'beacon', item: 'beacon/ios#231', by: 'kenji.watanabe@example.com', day: 35 },
  { pod: 'compass', item: 'compass/etl#57', by: 'aisha.khan@example.com', day: 36 },
  { pod: 'atlas', item: 'atlas/api#93', by: 'diego.santos@example.com', day: 37 },
  { pod: 'ratio', item: 'ratio/web#409', by: 'hannah.brooks@example.com', day: 37.2, releasedOn: 38.5 },
  { pod: 'ratio', item: 'ratio/web#412', by: 'tom.whitaker@example.com', day: 38 },
  { pod: 'ratio', item: 'ratio/web#415', by: 'hannah.brooks@example.com', day: 39 },
  { pod: 'beacon', item: 'beacon/android#118', by: 'kenji.watanabe@example.com', day: 40 },
  { pod: 'ratio', item: 'ratio/api#97', by: 'hannah.brooks@example.com', day: 40.5 },
];

type Series = [number, number, number, number, number, number];
interface HealthSeed {
  velocity: Series;
  wipUtilisation: Series;
  blockedItems: Series;
  cycleTimeDays: Series;
  deploymentSuccess: Series;
}

/** Weekly metrics, oldest first. Beacon slides below 70; Compass recovers; Ratio improves. */
const HEALTH: Record<string, HealthSeed> = {
  ratio: {
    velocity: [0.82, 0.86, 0.9, 0.93, 0.97, 1.02],
    wipUtilisation: [0.7, 0.75, 0.8, 0.85, 0.9, 1],
    blockedItems: [2, 1, 1, 1, 0, 1],
    cycleTimeDays: [6.5, 6, 5.4, 5, 4.6, 4.2],
    deploymentSuccess: [0.9, 0.92, 0.95, 0.96, 0.98, 0.99],
  },
  atlas: {
    velocity: [0.9, 0.88, 0.92, 0.87, 0.91, 0.89],
    wipUtilisation: [0.65, 0.7, 0.72, 0.75, 0.78, 0.75],
    blockedItems: [1, 1, 2, 1, 1, 2],
    cycleTimeDays: [5.2, 5.5, 5, 5.8, 5.3, 5.6],
    deploymentSuccess: [0.95, 0.97, 0.94, 0.96, 0.97, 0.95],
  },
  beacon: {
    velocity: [0.95, 0.9, 0.82, 0.74, 0.68, 0.62],
    wipUtilisation: [0.8, 0.9, 1, 1.08, 1.14, 1.18],
    blockedItems: [1, 1, 2, 3, 3, 4],
    cycleTimeDays: [4.5, 5.2, 6, 7, 7.8, 8.6],
    deploymentSuccess: [0.98, 0.95, 0.92, 0.88, 0.85, 0.82],
  },
  compass: {
    velocity: [0.6, 0.66, 0.72, 0.78, 0.84, 0.88],
    wipUtilisation: [1.2, 1.12, 1, 0.9, 0.82, 0.75],
    blockedItems: [4, 3, 3, 2, 1, 1],
    cycleTimeDays: [9, 8.2, 7.5, 6.6, 5.8, 5.2],
    deploymentSuccess: [0.8, 0.84, 0.87, 0.9, 0.93, 0.95],
  },
};

const PROJECT_TYPE = 'project';
const PR_TYPE = 'pull-request';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const kebab = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const words = (key: string) => kebab(key).replaceAll('-', ' ') || 'evidence';

export interface EvidenceContext {
  /** Used in generated prose, e.g. the project's name. */
  subject: string;
  /** Value for `format: email` fields. */
  email: string;
  /** Prefix for `format: uri` fields; the field name is appended. */
  urlBase: string;
  at: Date;
}

function schemaType(schema: Record<string, unknown>): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') ?? t[0];
  if (isRecord(schema.properties) || Array.isArray(schema.required)) return 'object';
  if ('items' in schema) return 'array';
  return undefined;
}

function hintFits(hint: unknown, type: string | undefined): boolean {
  switch (type) {
    case 'string':
      return typeof hint === 'string';
    case 'array':
      return Array.isArray(hint);
    case 'boolean':
      return typeof hint === 'boolean';
    case 'number':
    case 'integer':
      return typeof hint === 'number';
    case 'object':
      return isRecord(hint);
    default:
      return false;
  }
}

function sampleString(schema: Record<string, unknown>, key: string, ctx: EvidenceContext): string {
  switch (schema.format) {
    case 'email':
    case 'idn-email':
      return ctx.email;
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
    case 'iri-reference':
      return `${ctx.urlBase}/${kebab(key) || 'evidence'}`;
    case 'date':
      return ctx.at.toISOString().slice(0, 10);
    case 'date-time':
      return ctx.at.toISOString();
    case 'time':
      return `${ctx.at.toISOString().slice(11, 19)}Z`;
    case 'uuid':
      return randomUUID();
    case 'hostname':
      return 'docs.example.com';
  }
  const min = Math.max(10, typeof schema.minLength === 'number' ? schema.minLength : 0);
  let text = `${words(key).replace(/^./, (c) => c.toUpperCase())} for ${ctx.subject}.`;
  while (text.length < min) text += ' Details are in the linked notes.';
  return typeof schema.maxLength === 'number' ? text.slice(0, Math.max(0, schema.maxLength)) : text;
}

/**
 * A value satisfying `schema` as far as can be guessed: required fields only, strings long enough,
 * formats honoured, constants copied. `hints` supplies realistic values by field name; one is used
 * only when its JSON type fits. The caller validates the result: patterns and the like are not
 * attempted.
 */
export function sampleFromSchema(
  schema: unknown,
  ctx: EvidenceContext,
  hints: Record<string, unknown> = {},
  key = '',
): unknown {
  if (!isRecord(schema)) return sampleString({}, key, ctx);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const options = schema[combinator];
    if (Array.isArray(options) && options.length > 0) {
      const { [combinator]: _, ...rest } = schema;
      return sampleFromSchema({ ...rest, ...(options[0] as Record<string, unknown>) }, ctx, hints, key);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const merged: Record<string, unknown> = { ...rest };
    for (const part of allOf as Record<string, unknown>[]) {
      const required = [...((merged.required as string[]) ?? []), ...((part.required as string[]) ?? [])];
      const properties = { ...(merged.properties as object), ...(part.properties as object) };
      Object.assign(merged, part, { required, properties });
    }
    return sampleFromSchema(merged, ctx, hints, key);
  }
  const type = schemaType(schema);
  const hint = key ? hints[key] : undefined;
  if (hint !== undefined && hintFits(hint, type)) return hint;
  switch (type) {
    case 'object': {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return Object.fromEntries(required.map((k) => [k, sampleFromSchema(properties[k], ctx, hints, k)]));
    }
    case 'array': {
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 0);
      return Array.from({ length: count }, (_, i) => {
        const item = sampleFromSchema(schema.items ?? { type: 'string' }, ctx, {}, key);
        return typeof item === 'string' && count > 1 ? `${item} (${i + 1})` : item;
      });
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'number':
    case 'integer': {
      let n =
        typeof schema.minimum === 'number'
          ? schema.minimum
          : typeof schema.exclusiveMinimum === 'number'
            ? schema.exclusiveMinimum + 1
            : 1;
      if (type === 'integer') n = Math.ceil(n);
      if (typeof schema.maximum === 'number' && n > schema.maximum) n = schema.maximum;
      return n;
    }
    default:
      return sampleString(schema, key, ctx);
  }
}

/** Integer scores 0–5 on every configured criterion around `base`, varied by evaluator. */
function scoresFor(policy: Policy, base: number, seed: number): Record<string, number> {
  const wobble = [0, 1, -1, 0];
  return Object.fromEntries(
    policy.ideas.criteria.map((c, i) => [
      c.key,
      Math.min(5, Math.max(0, Math.round(base + wobble[(i + seed) % wobble.length]!))),
    ]),
  );
}

interface Step {
  day: number;
  order: number;
  label: string;
  run: () => Promise<void>;
}

/**
 * Loads the demo organisation unless the database already has a pod (a restarted demo keeps its
 * data). Returns what it created, or null when it left the database alone.
 */
export async function seedDemo(database: Database, policy: Policy): Promise<Record<string, number> | null> {
  const realNow = Date.now();
  const start = Math.floor((realNow - HISTORY_DAYS * DAY) / HOUR) * HOUR;
  let current = start;
  // Each reading moves a second on, so that events of one step keep a strict order (approvals are
  // judged latest-first by time) while steps stay at the hour the agenda gives them.
  const clock = {
    now: () => {
      current += 1000;
      return new Date(current);
    },
  };
  const services = composeServices({ database, policy, clock });
  const demoCtx: Ctx = {
    actor: { userId: null, tokenId: null, role: 'admin', podIds: [], label: 'demo' },
    requestId: null,
  };
  if ((await services.pods.list(demoCtx, { limit: 1 })).items.length > 0) return null;
  // Checked before writing anything, so a clash (say, CLOS_ADMIN_EMAIL set to a demo address) leaves
  // no half-seeded organisation behind.
  const demoEmails = new Set(USERS.map((u) => u.email));
  let cursor: string | undefined;
  do {
    const page = await services.auth.listUsers(demoCtx, { limit: 200, cursor });
    const clash = page.items.find((u) => demoEmails.has(u.email));
    if (clash) throw new Error(`demo seed: user ${clash.email} already exists; the demo needs that address`);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  const validators = new GateValidators(policy.stages);
  const users = new Map<string, User>();
  const podIds = new Map<string, string>();
  const projectIds = new Map<string, string>();
  const ideaIds = new Map<string, string>();
  const lockIds = new Map<string, string>();
  const counts = {
    pods: 0,
    users: 0,
    members: 0,
    projects: 0,
    transitions: 0,
    approvals: 0,
    ideas: 0,
    evaluations: 0,
    locks: 0,
    healthSnapshots: 0,
  };

  const seedOf = (email: string) => USERS.find((u) => u.email === email)!;
  const ctxOf = (email: string): Ctx => {
    const user = users.get(email);
    if (!user) throw new Error(`demo user ${email} was not created`);
    const seed = seedOf(email);
    // Pod-leads act through tokens scoped to the pod they lead, as they would in production.
    const scoped = user.role === 'pod-lead' && seed.pod ? [podIds.get(seed.pod)!] : [];
    const actor: Actor = {
      userId: user.id,
      tokenId: null,
      role: user.role,
      podIds: scoped,
      label: user.email,
    };
    return { actor, requestId: null };
  };
  const expectOk = <T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };

  const podOf = (seed: UserSeed, day: number) =>
    seed.rotates && day >= seed.rotates.day ? seed.rotates.to : seed.pod;
  const leadOf = (pod: string) => USERS.find((u) => u.pod === pod && u.podRole === 'lead')!;
  const workersOf = (pod: string, day: number) => {
    const devs = USERS.filter((u) => u.role === 'developer' && podOf(u, day) === pod);
    return devs.length > 0 ? devs : [leadOf(pod)];
  };
  const canDecide = (role: Role) => role === 'pod-lead' || role === 'admin';
  /** Who may approve a pod's gate: its lead first, then the admins (lead tokens are pod-scoped). */
  const approversFor = (pod: string, roles: Role[]) =>
    [leadOf(pod), ...USERS.filter((u) => u.role === 'admin')].filter(
      (u) => canDecide(u.role) && roles.includes(u.role),
    );

  const agenda: Step[] = [];
  const at = (day: number, label: string, run: () => Promise<void>) => {
    agenda.push({ day, order: agenda.length, label, run });
  };

  // Day 0: people, pods and membership.
  for (const u of USERS)
    at(0, `create user ${u.email}`, async () => {
      users.set(
        u.email,
        await services.auth.createUser(demoCtx, { email: u.email, name: u.name, role: u.role }),
      );
      counts.users += 1;
    });
  for (const p of PODS)
    at(0.02, `register pod ${p.slug}`, async () => {
      podIds.set(p.slug, (await services.pods.register(ctxOf(ADMIN), p)).id);
      counts.pods += 1;
    });
  for (const u of USERS)
    if (u.pod) {
      const pod = u.pod;
      at(0.04, `add ${u.email} to ${pod}`, async () => {
        await services.pods.addMember(ctxOf(ADMIN), pod, { email: u.email, podRole: u.podRole ?? 'member' });
        counts.members += 1;
      });
    }
  for (const u of USERS)
    if (u.rotates && u.pod) {
      const { pod } = u;
      const { to, day } = u.rotates;
      at(day, `rotate ${u.email} to ${to}`, async () => {
        await services.pods.rotate(ctxOf(ADMIN), pod, { email: u.email, toPod: to });
      });
    }

  // WIP limits: room for each pod's projects (plus one spare), except the pod meant to end up full.
  const typeDefault = (type: string) => policy.wip.types.find((t) => t.name === type)?.defaultLimit;
  const projectDefault = typeDefault(PROJECT_TYPE);
  if (projectDefault !== undefined)
    for (const p of PODS) {
      const planned = PROJECTS.filter((x) => x.pod === p.slug).length;
      const wanted: number = p.slug === FULL_POD ? planned : Math.max(projectDefault, planned + 1);
      if (wanted !== projectDefault)
        at(0.3, `set ${p.slug} project limit`, async () => {
          await services.wip.setLimit(ctxOf(leadOf(p.slug).email), p.slug, PROJECT_TYPE, wanted);
        });
    }
  const prDefault = typeDefault(PR_TYPE);
  if (prDefault !== undefined)
    for (const p of PODS) {
      const planned = PULL_REQUESTS.filter((x) => x.pod === p.slug).length;
      // Beacon runs a deliberately tight review queue; others only get room if the default is too low.
      const wanted: number = p.slug === 'beacon' ? Math.max(3, planned) : Math.max(prDefault, planned);
      if (wanted !== prDefault)
        at(0.31, `set ${p.slug} pull-request limit`, async () => {
          await services.wip.setLimit(ctxOf(leadOf(p.slug).email), p.slug, PR_TYPE, wanted);
        });
    }

  // Ideas: submissions, evaluations, archiving. Promotions are scheduled with their projects.
  const evaluators = USERS.filter((u) => u.role !== 'viewer');
  const plannedEvaluations = new Map<string, EvaluationSeed[]>();
  const promotable = new Set<string>();
  for (const idea of IDEAS) {
    let evaluations = idea.evaluations;
    const project = PROJECTS.find((p) => p.fromIdea === idea.title);
    if (project) {
      // Top up to the configured minimum, and score high enough to clear the configured threshold.
      const extra = evaluators
        .filter((u) => u.email !== idea.by && !evaluations.some((e) => e.by === u.email))
        .slice(0, Math.max(0, policy.ideas.minEvaluations - evaluations.length))
        .map((u, i) => ({ by: u.email, day: project.created - 1 + i * 0.02, base: 4 }));
      evaluations = [...evaluations, ...extra];
      const predicted = ideaScore(
        policy.ideas,
        evaluations.map((e, i) => scoresFor(policy, e.base, i)),
      );
      if (predicted === null || predicted < policy.ideas.promotionThreshold)
        evaluations = evaluations.map((e) => ({ ...e, base: 5 }));
      if (evaluations.length >= policy.ideas.minEvaluations) promotable.add(idea.title);
    }
    plannedEvaluations.set(idea.title, evaluations);
  }
  for (const idea of IDEAS) {
    at(idea.day, `submit idea "${idea.title}"`, async () => {
      const created = await services.ideas.submit(ctxOf(idea.by), {
        title: idea.title,
        description: idea.description,
        ...(idea.pod ? { pod: idea.pod } : {}),
      });
      if (!created.ok) throw new Error(created.error.message);
      ideaIds.set(idea.title, created.value.id);
      counts.ideas += 1;
    });
    plannedEvaluations.get(idea.title)!.forEach((e, i) => {
      at(e.day, `evaluate idea "${idea.title}" as ${e.by}`, async () => {
        await services.ideas.evaluate(ctxOf(e.by), ideaIds.get(idea.title)!, {
          scores: scoresFor(policy, e.base, i),
          comment: e.comment ?? null,
        });
        counts.evaluations += 1;
      });
    });
    if (idea.archive) {
      const { by, day, reason } = idea.archive;
      at(day, `archive idea "${idea.title}"`, async () => {
        await services.ideas.archive(ctxOf(by), ideaIds.get(idea.title)!, reason);
      });
    }
  }

  // Projects: created, then advanced as far as their rank and the configured gates allow.
  const lastStage = policy.stages.length - 1;
  PROJECTS.forEach((p, rank) => {
    const lead = leadOf(p.pod).email;
    const slug = kebab(p.name);
    if (p.fromIdea && promotable.has(p.fromIdea)) {
      const title = p.fromIdea;
      at(p.created, `promote idea "${title}" into ${p.pod}`, async () => {
        const promoted = expectOk(
          await services.ideas.promote(ctxOf(lead), ideaIds.get(title)!, { pod: p.pod, name: p.name }),
        );
        projectIds.set(p.name, promoted.project.id);
        counts.projects += 1;
      });
    } else {
      at(p.created, `create project "${p.name}"`, async () => {
        const created = expectOk(await services.stages.create(ctxOf(lead), { name: p.name, pod: p.pod }));
        projectIds.set(p.name, created.id);
        counts.projects += 1;
      });
    }
    if (p.pause) {
      const { from, to, reason, resolution } = p.pause;
      at(from, `block "${p.name}"`, async () => {
        await services.stages.block(ctxOf(workersOf(p.pod, from)[0]!.email), projectIds.get(p.name)!, reason);
      });
      at(to, `unblock "${p.name}"`, async () => {
        await services.stages.unblock(ctxOf(lead), projectIds.get(p.name)!, resolution);
      });
    }

    const target = Math.min(lastStage, Math.floor((rank * policy.stages.length) / PROJECTS.length));
    const [first, last] = p.moves;
    const span = target > 1 ? (last - first) / (target - 1) : 1;
    // Sub-steps of one advance must finish before the next advance begins, however many stages.
    const unit = Math.min(1, span / 2) / 10;
    let reached = 0;
    for (let stage = 1; stage <= target; stage += 1) {
      const next = policy.stages[stage]!;
      const gate = next.gate;
      if (!gate) break;
      const day = target > 1 ? first + (stage - 1) * span : last;
      const approvers = approversFor(p.pod, gate.approvals.roles).slice(0, gate.approvals.count);
      if (approvers.length < gate.approvals.count) break;
      // A rejection needs someone to reject; with no approvals configured the gate just opens.
      const reject = p.rejectOnce?.transition === stage && approvers.length > 0 ? p.rejectOnce : undefined;
      const evidenceFor = (d: number, metrics: string[]) => {
        const ctx: EvidenceContext = {
          subject: p.name,
          email: lead,
          urlBase: `${DOCS}/${p.pod}/${slug}`,
          at: new Date(start + d * DAY),
        };
        const hints: Record<string, unknown> = {
          problemStatement: p.problem,
          owner: lead,
          successMetrics: metrics,
          ciPassing: true,
          rollbackPlan: p.rollback,
        };
        for (const candidate of [
          sampleFromSchema(gate.evidence, ctx, hints),
          sampleFromSchema(gate.evidence, ctx),
        ])
          if (isRecord(candidate) && validators.validate(next.name, candidate).length === 0) return candidate;
        return null;
      };
      const evidence = evidenceFor(day, p.metrics);
      const revised = reject ? evidenceFor(day + 4 * unit, reject.revisedMetrics) : null;
      if (!evidence || (reject && !revised)) break;
      reached = stage;

      const worker = workersOf(p.pod, day)[(rank + stage) % workersOf(p.pod, day).length]!.email;
      const project = () => projectIds.get(p.name)!;
      at(day, `submit evidence for "${p.name}" into ${next.name}`, async () => {
        await services.stages.submitEvidence(ctxOf(worker), project(), evidence);
      });
      let t = day + unit;
      if (reject && revised) {
        at(t, `reject "${p.name}" at ${next.name}`, async () => {
          await services.stages.decide(ctxOf(approvers[0]!.email), project(), {
            decision: 'reject',
            comment: reject.comment,
          });
          counts.approvals += 1;
        });
        at(day + 4 * unit, `resubmit evidence for "${p.name}"`, async () => {
          await services.stages.submitEvidence(ctxOf(worker), project(), revised);
        });
        t = day + 5 * unit;
      }
      for (const approver of approvers) {
        at(t, `approve "${p.name}" into ${next.name} as ${approver.email}`, async () => {
          await services.stages.decide(ctxOf(approver.email), project(), {
            decision: 'approve',
            comment: null,
          });
          counts.approvals += 1;
        });
        t += unit;
      }
      at(t, `advance "${p.name}" into ${next.name}`, async () => {
        expectOk(await services.stages.advance(ctxOf(worker), project()));
        counts.transitions += 1;
      });
    }
    if (p.blocked) {
      const { day, reason } = p.blocked;
      // Only once it stands where it stays: a blocked project cannot pass a gate.
      at(Math.max(day, reached > 0 ? last + 0.5 : day), `block "${p.name}"`, async () => {
        await services.stages.block(ctxOf(workersOf(p.pod, day)[0]!.email), projectIds.get(p.name)!, reason);
      });
    }
  });

  if (prDefault !== undefined)
    for (const pr of PULL_REQUESTS) {
      at(pr.day, `acquire ${pr.item}`, async () => {
        const acquired = expectOk(await services.wip.acquire(ctxOf(pr.by), pr.pod, PR_TYPE, pr.item));
        lockIds.set(pr.item, acquired.lock.id);
      });
      if (pr.releasedOn !== undefined)
        at(pr.releasedOn, `release ${pr.item}`, async () => {
          await services.wip.release(ctxOf(pr.by), lockIds.get(pr.item)!);
        });
    }

  // A snapshot a week per pod, each recorded by the pod's lead; the last one half a day before now.
  if (Object.values(policy.health.weights).some((w) => w > 0))
    PODS.forEach((p, i) => {
      const series = HEALTH[p.slug]!;
      for (let week = 0; week < 6; week += 1) {
        const metrics: HealthMetrics = {
          velocity: series.velocity[week]!,
          wipUtilisation: series.wipUtilisation[week]!,
          blockedItems: series.blockedItems[week]!,
          cycleTimeDays: series.cycleTimeDays[week]!,
          deploymentSuccess: series.deploymentSuccess[week]!,
        };
        at(6.5 + week * 7 + i * 0.01, `record ${p.slug} health, week ${week + 1}`, async () => {
          await services.pods.updateHealth(ctxOf(leadOf(p.slug).email), p.slug, metrics);
          counts.healthSnapshots += 1;
        });
      }
    });

  agenda.sort((a, b) => a.day - b.day || a.order - b.order);
  for (const step of agenda) {
    current = Math.max(current, start + step.day * DAY);
    try {
      await step.run();
    } catch (e) {
      throw new Error(`demo seed: ${step.label} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  if (current > realNow) throw new Error('demo seed: the history ran past the current time');

  for (const p of PODS)
    for (const t of (await services.wip.getStatus(demoCtx, p.slug)).types) counts.locks += t.used;
  return counts;
}
