import type { Policy } from '@clos/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  type ClosConfig,
  closConfigSchema,
  formatConfigIssues,
  formatConfigPath,
  listConfigProblems,
  parseConfig,
} from './config.ts';

function parsed(input: unknown): ClosConfig {
  const result = parseConfig(input);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.problems.join('\n')}`);
  return result.config;
}

function problems(input: unknown): string[] {
  const result = parseConfig(input);
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems;
}

const gate = (overrides: Record<string, unknown> = {}) => ({
  evidence: { type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } },
  approvals: { count: 1, roles: ['pod-lead'] },
  ...overrides,
});

/** Two valid stages, with `changes` merged into the second one. */
const twoStages = (changes: Record<string, unknown> = {}) => [
  { name: 'start' },
  { name: 'finish', gate: gate(), ...changes },
];

const pod = (overrides: Record<string, unknown> = {}) => ({
  slug: 'payments',
  name: 'Payments',
  timezone: 'Europe/London',
  ...overrides,
});

describe('defaults', () => {
  it('turns an empty file into a complete model', () => {
    const config = parsed({});
    expect(config.stages.map((stage) => stage.name)).toEqual([
      'inception',
      'discovery',
      'build',
      'validate',
      'shipping',
    ]);
    expect(config.stages[0]?.gate).toBeUndefined();
    expect(config.wip.types).toEqual([
      { name: 'project', defaultLimit: 3 },
      { name: 'pull-request', defaultLimit: 5 },
      { name: 'idea', defaultLimit: 10 },
    ]);
    expect(config.ideas).toEqual({
      criteria: [
        { key: 'impact', label: 'Impact', weight: 3 },
        { key: 'confidence', label: 'Confidence', weight: 2 },
        { key: 'ease', label: 'Ease (the inverse of effort)', weight: 1 },
        { key: 'strategic-fit', label: 'Strategic fit', weight: 2 },
      ],
      minEvaluations: 2,
      promotionThreshold: 3.5,
    });
    expect(config.pods).toEqual([]);
    expect(config.health).toEqual({
      weights: {
        velocity: 0.25,
        wipUtilisation: 0.2,
        blockedItems: 0.2,
        cycleTime: 0.15,
        deploymentSuccess: 0.2,
        blockedTime: 0.1,
        gateRefusals: 0.1,
        demoParticipation: 0.1,
      },
      cycleTimeTargetDays: 5,
      blockedItemsTolerance: 5,
      blockedDaysTolerance: 5,
      windowDays: 14,
      compute: true,
      computeAt: '06:00',
    });
    // The parsed config is the domain's policy, with no conversion.
    const policy: Policy = config;
    expect(policy.stages).toHaveLength(5);
  });

  it('gives every stage after the first a gate with an object evidence schema and approvals', () => {
    const gates = parsed({}).stages.slice(1);
    expect(gates.map((stage) => [stage.name, stage.gate?.approvals])).toEqual([
      ['discovery', { count: 1, roles: ['pod-lead', 'admin'] }],
      ['build', { count: 1, roles: ['pod-lead', 'admin'] }],
      ['validate', { count: 1, roles: ['pod-lead', 'admin'] }],
      ['shipping', { count: 2, roles: ['pod-lead', 'admin'] }],
    ]);
    for (const stage of gates) {
      expect(stage.gate?.evidence).toMatchObject({ type: 'object', additionalProperties: true });
      expect(stage.gate?.evidence.required).toEqual(Object.keys(stage.gate?.evidence.properties as object));
    }
    expect(gates.map((stage) => stage.gate?.evidence.required)).toEqual([
      ['problemStatement', 'owner'],
      ['designDocUrl', 'successMetrics'],
      ['testPlanUrl', 'ciPassing'],
      ['releaseNotesUrl', 'rollbackPlan', 'validationReportUrl'],
    ]);
  });

  it('has default evidence schemas that accept good evidence and refuse bad evidence', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajvFormats.default(ajv);
    const [, discovery, build, validate, shipping] = parsed({}).stages;
    const check = (stage: typeof discovery, evidence: unknown) =>
      ajv.compile(stage!.gate!.evidence)(evidence);
    expect(
      check(discovery, { problemStatement: 'Checkout fails on retries', owner: 'ada@example.com' }),
    ).toBe(true);
    expect(check(discovery, { problemStatement: 'short', owner: 'not an email' })).toBe(false);
    expect(
      check(build, { designDocUrl: 'https://docs.example.com/d/1', successMetrics: ['p95 < 200ms'] }),
    ).toBe(true);
    expect(check(build, { designDocUrl: 'https://docs.example.com/d/1', successMetrics: [] })).toBe(false);
    expect(check(validate, { testPlanUrl: 'https://example.com/plan', ciPassing: true })).toBe(true);
    expect(check(validate, { testPlanUrl: 'https://example.com/plan', ciPassing: false })).toBe(false);
    const release = {
      releaseNotesUrl: 'https://example.com/notes',
      rollbackPlan: 'Revert the deploy and replay the queue',
      validationReportUrl: 'https://example.com/report',
    };
    expect(check(shipping, { ...release, extra: 'allowed' })).toBe(true);
    expect(check(shipping, { ...release, rollbackPlan: undefined })).toBe(false);
  });

  it('builds fresh default objects on every parse', () => {
    const first = parsed({});
    first.stages[1]!.gate!.approvals.roles.push('viewer');
    first.wip.types[0]!.defaultLimit = 99;
    const second = parsed({});
    expect(second.stages[1]?.gate?.approvals.roles).toEqual(['pod-lead', 'admin']);
    expect(second.wip.types[0]?.defaultLimit).toBe(3);
  });

  it('fills in the keys an object leaves out, keeping the ones given', () => {
    const config = parsed({
      health: { weights: { velocity: 1 } },
      ideas: { promotionThreshold: 4 },
      wip: {},
    });
    expect(config.health.weights).toEqual({
      velocity: 1,
      wipUtilisation: 0.2,
      blockedItems: 0.2,
      cycleTime: 0.15,
      deploymentSuccess: 0.2,
      blockedTime: 0.1,
      gateRefusals: 0.1,
      demoParticipation: 0.1,
    });
    expect(config.health.cycleTimeTargetDays).toBe(5);
    expect(config.ideas.promotionThreshold).toBe(4);
    expect(config.ideas.minEvaluations).toBe(2);
    expect(config.wip.types).toHaveLength(3);
  });

  it('fills in pod and member defaults and lower-cases emails', () => {
    const config = parsed({
      pods: [
        pod({ members: [{ email: ' Ada@Example.COM ' }, { email: 'alan@example.com', podRole: 'lead' }] }),
      ],
    });
    expect(config.pods).toEqual([
      {
        slug: 'payments',
        name: 'Payments',
        timezone: 'Europe/London',
        members: [
          { email: 'ada@example.com', role: 'developer', podRole: 'member' },
          { email: 'alan@example.com', role: 'developer', podRole: 'lead' },
        ],
        wipLimits: {},
        slack: { channel: null },
      },
    ]);
  });

  it('lets a gate need no approvals, and then no roles', () => {
    const config = parsed({ stages: twoStages({ gate: gate({ approvals: { count: 0 } }) }) });
    expect(config.stages[1]?.gate?.approvals).toEqual({ count: 0, roles: [] });
  });

  it('accepts a pod WIP limit for an item type the file declares', () => {
    const config = parsed({
      wip: { types: [{ name: 'epic', defaultLimit: 1 }] },
      pods: [pod({ wipLimits: { epic: 0 } })],
    });
    expect(config.pods[0]?.wipLimits).toEqual({ epic: 0 });
  });
});

describe('stages', () => {
  it('requires at least two stages', () => {
    expect(problems({ stages: [{ name: 'only' }] })).toEqual(['stages: at least 2 stages are required']);
  });

  it('requires lowercase names', () => {
    expect(problems({ stages: twoStages({ name: 'Build It' }) })).toEqual([
      'stages[1].name: must be lowercase letters, digits and hyphens, starting with a letter',
    ]);
  });

  it('requires unique names', () => {
    const stages = [...twoStages(), { name: 'finish', gate: gate() }];
    expect(problems({ stages })).toEqual([
      'stages[2].name: duplicate stage name "finish" (already used at stages[1])',
    ]);
  });

  it('refuses a gate on the first stage', () => {
    const stages = [{ name: 'start', gate: gate() }, ...twoStages().slice(1)];
    expect(problems({ stages })).toEqual([
      'stages[0].gate: the first stage is where projects enter, so it cannot have a gate',
    ]);
  });

  it('requires a gate on every later stage', () => {
    const stages = [...twoStages(), { name: 'after' }];
    expect(problems({ stages })).toEqual([
      'stages[2].gate: required: every stage after the first must have a gate',
    ]);
  });

  it('requires a non-negative whole approvals count', () => {
    expect(
      problems({ stages: twoStages({ gate: gate({ approvals: { count: -1, roles: ['admin'] } }) }) }),
    ).toEqual(['stages[1].gate.approvals.count: must be ≥ 0']);
    expect(
      problems({ stages: twoStages({ gate: gate({ approvals: { count: 1.5, roles: ['admin'] } }) }) }),
    ).toEqual(['stages[1].gate.approvals.count: must be an integer']);
  });

  it('requires roles when approvals are needed', () => {
    expect(problems({ stages: twoStages({ gate: gate({ approvals: { count: 2, roles: [] } }) }) })).toEqual([
      'stages[1].gate.approvals.roles: must list at least one role when count > 0',
    ]);
    expect(problems({ stages: twoStages({ gate: gate({ approvals: { count: 2 } }) }) })).toEqual([
      'stages[1].gate.approvals.roles: must list at least one role when count > 0',
    ]);
  });

  it('refuses an unknown role', () => {
    const lines = problems({
      stages: twoStages({ gate: gate({ approvals: { count: 1, roles: ['owner'] } }) }),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stages\[1\]\.gate\.approvals\.roles\[0\]: Invalid option: expected one of /);
  });

  it('requires a gate to have evidence and approvals', () => {
    expect(problems({ stages: twoStages({ gate: {} }) })).toEqual([
      'stages[1].gate.evidence: required',
      'stages[1].gate.approvals: required',
    ]);
  });

  it('reports an evidence schema that Ajv cannot compile, with Ajv’s message', () => {
    const evidence = { type: 'object', properties: { url: { type: 'text' } } };
    const lines = problems({ stages: twoStages({ gate: gate({ evidence }) }) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stages\[1\]\.gate\.evidence: schema is invalid: data\/properties\/url\/type /);
  });

  it('reports an evidence schema with an unresolvable reference', () => {
    const evidence = { type: 'object', properties: { url: { $ref: '#/$defs/missing' } } };
    expect(problems({ stages: twoStages({ gate: gate({ evidence }) }) })).toEqual([
      "stages[1].gate.evidence: can't resolve reference #/$defs/missing from id #",
    ]);
  });

  it('reports an unknown format, which Ajv would otherwise silently ignore', () => {
    const evidence = { type: 'object', properties: { owner: { type: 'string', format: 'emial' } } };
    expect(problems({ stages: twoStages({ gate: gate({ evidence }) }) })).toEqual([
      'stages[1].gate.evidence: unknown format "emial" in schema at path "#/properties/owner"',
    ]);
  });

  it('accepts unknown keywords in evidence schemas (Ajv is not strict)', () => {
    const evidence = { type: 'object', 'x-ui': { order: 1 }, properties: { url: { type: 'string' } } };
    expect(parsed({ stages: twoStages({ gate: gate({ evidence }) }) }).stages[1]?.gate?.evidence).toEqual(
      evidence,
    );
  });
});

describe('WIP', () => {
  it('requires unique item type names', () => {
    const types = [
      { name: 'project', defaultLimit: 1 },
      { name: 'project', defaultLimit: 2 },
    ];
    expect(problems({ wip: { types } })).toEqual([
      'wip.types[1].name: duplicate WIP item type "project" (already used at wip.types[0])',
    ]);
  });

  it('requires non-negative whole limits', () => {
    expect(problems({ wip: { types: [{ name: 'project', defaultLimit: -2 }] } })).toEqual([
      'wip.types[0].defaultLimit: must be ≥ 0',
    ]);
  });
});

describe('pods', () => {
  it('requires a valid IANA time zone', () => {
    expect(problems({ pods: [pod({ timezone: 'Mars/Olympus_Mons' })] })).toEqual([
      'pods[0].timezone: unknown time zone "Mars/Olympus_Mons"',
    ]);
    expect(parsed({ pods: [pod({ timezone: 'America/New_York' })] }).pods[0]?.timezone).toBe(
      'America/New_York',
    );
    expect(parsed({ pods: [pod({ timezone: 'UTC' })] }).pods[0]?.timezone).toBe('UTC');
  });

  it('requires lowercase kebab-case slugs of 2 to 40 characters', () => {
    expect(problems({ pods: [pod({ slug: 'Payments' })] })).toEqual([
      'pods[0].slug: must be lowercase kebab-case (letters, digits and single hyphens)',
    ]);
    expect(problems({ pods: [pod({ slug: 'p' })] })).toEqual(['pods[0].slug: must be at least 2 characters']);
    expect(problems({ pods: [pod({ slug: 'p'.repeat(41) })] })).toEqual([
      'pods[0].slug: must be at most 40 characters',
    ]);
    expect(problems({ pods: [pod({ slug: 'bad--slug' })] })).toEqual([
      'pods[0].slug: must be lowercase kebab-case (letters, digits and single hyphens)',
    ]);
    expect(parsed({ pods: [pod({ slug: 'p'.repeat(40) })] }).pods).toHaveLength(1);
  });

  it('requires unique slugs', () => {
    expect(problems({ pods: [pod(), pod({ name: 'Payments again' })] })).toEqual([
      'pods[1].slug: duplicate pod slug "payments" (already used at pods[0])',
    ]);
  });

  it('requires a name and a time zone', () => {
    expect(problems({ pods: [{ slug: 'payments' }] })).toEqual([
      'pods[0].name: required',
      'pods[0].timezone: required',
    ]);
  });

  it('requires WIP limits to name declared item types', () => {
    expect(problems({ pods: [pod({ wipLimits: { project: 2, epic: 1 } })] })).toEqual([
      'pods[0].wipLimits.epic: unknown item type "epic": declare it in wip.types (declared: project, pull-request, idea)',
    ]);
  });

  it('requires non-negative whole pod WIP limits', () => {
    expect(problems({ pods: [pod({ wipLimits: { project: -1 } })] })).toEqual([
      'pods[0].wipLimits.project: must be ≥ 0',
    ]);
  });

  it('requires member emails to be unique within a pod, ignoring case', () => {
    const members = [{ email: 'ada@example.com' }, { email: 'ADA@example.com', podRole: 'lead' }];
    expect(problems({ pods: [pod({ members })] })).toEqual([
      'pods[0].members[1].email: duplicate member email "ada@example.com" (already used at pods[0].members[0])',
    ]);
    // The same person may be in two pods.
    const two = parsed({
      pods: [pod({ members: [members[0]] }), pod({ slug: 'search', members: [members[0]] })],
    });
    expect(two.pods).toHaveLength(2);
  });

  it('requires valid member emails, roles and pod roles', () => {
    const members = [{ email: 'not-an-email', role: 'owner', podRole: 'boss' }];
    const lines = problems({ pods: [pod({ members })] });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('pods[0].members[0].email: must be an email address');
    expect(lines[1]).toMatch(
      /^pods\[0\]\.members\[0\]\.role: Invalid option: expected one of "viewer"\|"developer"/,
    );
    expect(lines[2]).toMatch(
      /^pods\[0\]\.members\[0\]\.podRole: Invalid option: expected one of "lead"\|"member"/,
    );
  });
});

describe('ideas', () => {
  const criterion = (key: string, weight = 1) => ({ key, label: key, weight });

  it('requires unique criterion keys', () => {
    expect(problems({ ideas: { criteria: [criterion('impact'), criterion('impact')] } })).toEqual([
      'ideas.criteria[1].key: duplicate criterion key "impact" (already used at ideas.criteria[0])',
    ]);
  });

  it('requires positive weights', () => {
    expect(problems({ ideas: { criteria: [criterion('impact', 0), criterion('ease', -1)] } })).toEqual([
      'ideas.criteria[0].weight: must be > 0',
      'ideas.criteria[1].weight: must be > 0',
    ]);
  });

  it('requires at least one criterion', () => {
    expect(problems({ ideas: { criteria: [] } })).toEqual([
      'ideas.criteria: at least 1 criterion is required',
    ]);
  });

  it('requires the promotion threshold on the 0–5 scale', () => {
    expect(problems({ ideas: { promotionThreshold: 5.5 } })).toEqual([
      'ideas.promotionThreshold: must be between 0 and 5',
    ]);
    expect(problems({ ideas: { promotionThreshold: -1 } })).toEqual([
      'ideas.promotionThreshold: must be between 0 and 5',
    ]);
    expect(parsed({ ideas: { promotionThreshold: 0 } }).ideas.promotionThreshold).toBe(0);
    expect(parsed({ ideas: { promotionThreshold: 5 } }).ideas.promotionThreshold).toBe(5);
  });

  it('requires at least one evaluation, counted in whole numbers', () => {
    expect(problems({ ideas: { minEvaluations: 0 } })).toEqual(['ideas.minEvaluations: must be ≥ 1']);
    expect(problems({ ideas: { minEvaluations: 1.5 } })).toEqual([
      'ideas.minEvaluations: must be an integer',
    ]);
  });
});

describe('health', () => {
  it('requires non-negative weights, at least one of them positive', () => {
    expect(problems({ health: { weights: { velocity: -0.1 } } })).toEqual([
      'health.weights.velocity: must be ≥ 0',
    ]);
    const zero = {
      velocity: 0,
      wipUtilisation: 0,
      blockedItems: 0,
      cycleTime: 0,
      deploymentSuccess: 0,
      blockedTime: 0,
      gateRefusals: 0,
      demoParticipation: 0,
    };
    expect(problems({ health: { weights: zero } })).toEqual([
      'health.weights: at least one weight must be > 0',
    ]);
    expect(parsed({ health: { weights: { ...zero, cycleTime: 1 } } }).health.weights.cycleTime).toBe(1);
  });

  it('requires a positive cycle-time target and a whole tolerance of at least 1', () => {
    expect(problems({ health: { cycleTimeTargetDays: 0, blockedItemsTolerance: 0 } })).toEqual([
      'health.cycleTimeTargetDays: must be > 0',
      'health.blockedItemsTolerance: must be ≥ 1',
    ]);
    expect(problems({ health: { blockedItemsTolerance: 2.5 } })).toEqual([
      'health.blockedItemsTolerance: must be an integer',
    ]);
    expect(parsed({ health: { cycleTimeTargetDays: 0.5 } }).health.cycleTimeTargetDays).toBe(0.5);
  });

  it('checks the computed health settings', () => {
    expect(
      problems({
        health: { windowDays: 0, blockedDaysTolerance: 0, computeAt: '6am', compute: 'yes' },
      }),
    ).toEqual([
      'health.blockedDaysTolerance: must be > 0',
      'health.windowDays: must be ≥ 1',
      'health.compute: Invalid input: expected boolean, received string',
      'health.computeAt: must be a time HH:MM (24-hour)',
    ]);
    expect(problems({ health: { windowDays: 7.5 } })).toEqual(['health.windowDays: must be an integer']);
    expect(parsed({ health: { windowDays: 28, computeAt: '23:30', compute: false } }).health).toMatchObject({
      windowDays: 28,
      computeAt: '23:30',
      compute: false,
    });
  });
});

describe('problem reporting', () => {
  it('reports unknown keys at their own path', () => {
    expect(
      problems({
        colour: 'blue',
        stages: twoStages({ gate: gate({ approvals: { count: 1, roles: ['admin'], quorum: 2 } }) }),
        pods: [pod({ members: [{ email: 'ada@example.com', nickname: 'Ada' }] })],
      }),
    ).toEqual([
      'stages[1].gate.approvals.quorum: unknown key',
      'pods[0].members[0].nickname: unknown key',
      'colour: unknown key',
    ]);
  });

  it('reports every problem at once, one line each', () => {
    expect(
      problems({
        stages: twoStages({ gate: gate({ approvals: { count: -1, roles: ['admin'] } }) }),
        pods: [pod({ timezone: 'Atlantis/Capital' })],
        ideas: { promotionThreshold: 7 },
      }),
    ).toEqual([
      'stages[1].gate.approvals.count: must be ≥ 0',
      'ideas.promotionThreshold: must be between 0 and 5',
      'pods[0].timezone: unknown time zone "Atlantis/Capital"',
    ]);
  });

  it('still runs the cross-field checks when other fields are malformed', () => {
    expect(
      problems({
        wip: { types: [{ name: 'project', defaultLimit: 'three' }] },
        stages: [
          { name: 'start', gate: gate() },
          { name: 'start', gate: gate({ approvals: { count: 'one' } }) },
        ],
        pods: [pod({ wipLimits: { epic: 1 } }), pod()],
      }),
    ).toEqual([
      'stages[1].gate.approvals.count: Invalid input: expected number, received string',
      'wip.types[0].defaultLimit: Invalid input: expected number, received string',
      'stages[1].name: duplicate stage name "start" (already used at stages[0])',
      'stages[0].gate: the first stage is where projects enter, so it cannot have a gate',
      'pods[1].slug: duplicate pod slug "payments" (already used at pods[0])',
      'pods[0].wipLimits.epic: unknown item type "epic": declare it in wip.types (declared: project)',
    ]);
  });

  it('reports a document that is not a mapping at the root', () => {
    expect(problems('stages')).toEqual(['(root): Invalid input: expected object, received string']);
    expect(problems([])).toEqual(['(root): Invalid input: expected object, received array']);
  });

  it('formats issues from the schema directly', () => {
    const result = closConfigSchema.safeParse({
      stages: twoStages({ gate: gate({ approvals: { count: -3, roles: ['admin'] } }) }),
      ideas: { minEvaluations: 0 },
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(formatConfigIssues(result.error)).toEqual([
      'stages[1].gate.approvals.count: must be ≥ 0',
      'ideas.minEvaluations: must be ≥ 1',
    ]);
    expect(listConfigProblems(result.error)[0]).toEqual({
      path: ['stages', 1, 'gate', 'approvals', 'count'],
      message: 'must be ≥ 0',
    });
  });

  it('renders paths with bracketed indices and dotted keys', () => {
    expect(formatConfigPath([])).toBe('(root)');
    expect(formatConfigPath(['stages', 2, 'gate', 'approvals', 'count'])).toBe(
      'stages[2].gate.approvals.count',
    );
    expect(formatConfigPath(['pods', 0, 'wipLimits', 'pull-request'])).toBe('pods[0].wipLimits.pull-request');
    expect(formatConfigPath(['pods', 0, 'wipLimits', 'a.b'])).toBe('pods[0].wipLimits["a.b"]');
  });
});

describe('events and notifications', () => {
  it('keeps events at least as long as webhook deliveries are retried', () => {
    expect(problems({ events: { retentionDays: 0.5 } })).toEqual([
      'events.retentionDays: must cover webhooks.retryHours (24 h = 1 days): webhook retries read their event from the retained log',
    ]);
    expect(problems({ events: { retentionDays: 2 }, webhooks: { retryHours: 72 } })[0]).toContain(
      'events.retentionDays',
    );
    expect(parsed({ events: { retentionDays: 1 } }).events.retentionDays).toBe(1);
    expect(parsed({ events: { retentionDays: 3 }, webhooks: { retryHours: 72 } }).webhooks.retryHours).toBe(
      72,
    );
  });

  it('defaults webhooks.allowPrivateNetworks to false, and takes true or CIDR ranges', () => {
    expect(parsed({}).webhooks.allowPrivateNetworks).toBe(false);
    expect(parsed({ webhooks: { allowPrivateNetworks: true } }).webhooks.allowPrivateNetworks).toBe(true);
    expect(
      parsed({ webhooks: { allowPrivateNetworks: ['10.0.0.0/8', 'fd00::/8', '192.168.1.7'] } }).webhooks
        .allowPrivateNetworks,
    ).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
  });

  it('names each unreadable allowPrivateNetworks entry by its index', () => {
    expect(
      problems({ webhooks: { allowPrivateNetworks: ['10.0.0.0/8', 'intranet', '10.1.2.3/8'] } }),
    ).toEqual([
      'webhooks.allowPrivateNetworks[1]: must be an IP range in CIDR notation (e.g. 10.0.0.0/8, fd00::/8) or one IP address',
      'webhooks.allowPrivateNetworks[2]: has bits set after the /8 prefix: write 10.0.0.0/8 for the range, or the address alone',
    ]);
    expect(problems({ webhooks: { allowPrivateNetworks: 'yes' } })[0]).toMatch(
      /^webhooks\.allowPrivateNetworks: /,
    );
  });

  it('refuses a notification URL that is literally an internal address unless it is allowed', () => {
    const notifications = {
      webhooks: [
        { url: 'https://chat.example.com/hook' },
        { url: 'http://127.0.0.1:9000/hook' },
        { url: 'http://[::ffff:10.0.0.1]/hook' },
      ],
    };
    expect(problems({ notifications })).toEqual([
      'notifications.webhooks[1].url: is a loopback address (127.0.0.1), where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it',
      'notifications.webhooks[2].url: is a private-network address (::ffff:a00:1), where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it',
    ]);
    expect(problems({ notifications, webhooks: { allowPrivateNetworks: ['127.0.0.0/8'] } })).toEqual([
      'notifications.webhooks[2].url: is a private-network address (::ffff:a00:1), where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it',
    ]);
    expect(
      parsed({ notifications, webhooks: { allowPrivateNetworks: true } }).notifications.webhooks,
    ).toHaveLength(3);
  });

  it('names each unknown event type in a notification filter', () => {
    expect(
      problems({
        notifications: {
          webhooks: [{ url: 'https://chat.example.com/hook', events: ['alert.opened', 'alert.opend'] }],
        },
      }),
    ).toEqual([
      'notifications.webhooks[0].events[1]: unknown event type "alert.opend" (docs/events.md lists them; "*" means all)',
    ]);
    expect(
      parsed({ notifications: { webhooks: [{ url: 'https://chat.example.com/hook', events: ['*'] }] } })
        .notifications.webhooks[0]!.events,
    ).toEqual(['*']);
  });
});

describe('slack', () => {
  it('takes channel ids or names for pods and the default, and every notification kind by default', () => {
    const config = parsed({
      pods: [{ slug: 'ratio', name: 'Ratio', timezone: 'UTC', slack: { channel: 'C0123ABCD' } }],
      slack: { defaultChannel: '#clos' },
    });
    expect(config.pods[0]?.slack).toEqual({ channel: 'C0123ABCD' });
    expect(config.slack.defaultChannel).toBe('#clos');
    expect(config.slack.notifications).toContain('rhythm.digest_ready');
  });

  it('names a malformed channel and an unknown notification kind by path', () => {
    const found = problems({
      pods: [{ slug: 'ratio', name: 'Ratio', timezone: 'UTC', slack: { channel: '#Not A Channel' } }],
      slack: {
        notifications: ['gate.ready', 'wip.acquired'],
        channels: { 'alert.opened': '#ops', 'alert.open': '#ops' },
      },
    });
    expect(found).toEqual([
      expect.stringMatching(/^pods\[0\]\.slack\.channel: must be a Slack channel id/),
      expect.stringMatching(/^slack\.notifications\[1\]: must be one of rhythm\.digest_ready/),
      expect.stringMatching(/^slack\.channels\["alert\.open"\]: unknown notification kind/),
    ]);
  });
});
