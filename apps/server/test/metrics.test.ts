import { readFileSync } from 'node:fs';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../src/routes/metrics.ts';
import { parseServerOptions, UsageError } from '../src/runtime/options.ts';
import { type Harness, startHarness } from './harness.ts';

const METRICS_TOKEN = 'clos_metrics_scraper_0123456789abcdefghij';
const DISCOVERY = {
  problemStatement: 'Teams lose a day a week to manual release notes',
  owner: 'ada@example.com',
};
const STEPS = ['build', 'test', 'stage', 'prod'];

/** The metric names docs/metrics.md documents: the first backticked cell of each table row. */
export function documentedMetrics(): { name: string; type: string }[] {
  const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
  const found: { name: string; type: string }[] = [];
  for (const line of doc.split('\n')) {
    const m = line.match(/^\|\s*`([a-z_:][a-z0-9_:]*)`\s*\|\s*(counter|gauge|histogram|summary)\s*\|/);
    if (m) found.push({ name: m[1]!, type: m[2]! });
  }
  return found;
}

interface Family {
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is HELP, TYPE or a sample of the
 * family declared before it, label values are quoted and escaped, values are numbers. Throws on
 * anything else, so a malformed exposition fails the test.
 */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: string | null = null;
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe('');
  for (const line of lines.slice(0, -1)) {
    if (line === '') continue; // the format allows empty lines
    let m = line.match(/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/);
    if (m) {
      families.set(m[1]!, { type: 'untyped', help: m[2]!, samples: [] });
      current = m[1]!;
      continue;
    }
    m = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/);
    if (m) {
      if (m[1] !== current) throw new Error(`TYPE for ${m[1]} does not follow its HELP`);
      families.get(m[1]!)!.type = m[2]!;
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, rawLabels, value] = m;
    if (!current || !(name === current || name!.startsWith(`${current}_`)))
      throw new Error(`sample ${name} outside its family (${current})`);
    const labels: Record<string, string> = {};
    if (rawLabels) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
      let consumed = 0;
      for (let l = re.exec(rawLabels); l; l = re.exec(rawLabels)) {
        labels[l[1]!] = l[2]!;
        consumed = re.lastIndex;
      }
      if (consumed !== rawLabels.length) throw new Error(`bad labels in: ${line}`);
    }
    families.get(current)!.samples.push({ name: name!, labels, value: Number(value) });
  }
  return families;
}

const sample = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) => {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name);
  return family?.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
};

describe.each(testEngines())('/metrics on %s', (engine) => {
  let h: Harness;
  let families: Map<string, Family>;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, {
      metricsToken: METRICS_TOKEN,
      processMetrics: true,
      runtime: true,
    });
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'UTC' });
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    const dev = await h.userWithToken('developer');

    // WIP: the pull-request limit is 3 by default; a fourth acquire is refused.
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 2 }, lead.token);
    for (const itemId of ['pr-1', 'pr-2', 'pr-3'])
      await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId }, dev.token);

    // Two projects: one passes its first gate, one is refused and then blocked.
    const passes = (
      await h.call('POST', '/api/v1/projects', { name: 'Passes', pod: 'ratio' }, lead.token)
    ).json();
    const stuck = (
      await h.call('POST', '/api/v1/projects', { name: 'Stuck', pod: 'ratio' }, lead.token)
    ).json();
    await h.call('POST', `/api/v1/projects/${passes.id}/evidence`, { evidence: DISCOVERY }, dev.token);
    await h.call('POST', `/api/v1/projects/${passes.id}/approvals`, { decision: 'approve' }, lead.token);
    expect(
      (await h.call('POST', `/api/v1/projects/${passes.id}/advance`, undefined, dev.token)).statusCode,
    ).toBe(200);
    expect(
      (await h.call('POST', `/api/v1/projects/${stuck.id}/advance`, undefined, dev.token)).statusCode,
    ).toBe(422);
    await h.call('POST', `/api/v1/projects/${stuck.id}/block`, { reason: 'waiting on legal' }, dev.token);
    h.clock.advance(3_600_000);

    // Ideas: two submitted, one evaluated.
    const idea = (await h.call('POST', '/api/v1/ideas', { title: 'Usage-based pricing' }, dev.token)).json();
    await h.call('POST', '/api/v1/ideas', { title: 'Dark mode' }, dev.token);
    await h.call(
      'POST',
      `/api/v1/ideas/${idea.id}/evaluations`,
      { scores: { impact: 5, confidence: 4, ease: 3, 'strategic-fit': 4 } },
      dev.token,
    );

    // Deployments: one succeeds, one fails at test.
    for (const failAt of [undefined, 'test']) {
      const id = (
        await h.call('POST', '/api/v1/deployments', { pod: 'ratio', version: 'v1' }, dev.token)
      ).json().id;
      for (const step of STEPS) {
        const failed = step === failAt;
        await h.call(
          'POST',
          `/api/v1/deployments/${id}/steps`,
          { step, status: failed ? 'failed' : 'succeeded', error: failed ? 'boom' : null },
          dev.token,
        );
        if (failed) break;
      }
    }
    await h.call('POST', '/api/v1/pods/atlas/health', { metrics: { velocity: 0.5 } });
    await h.call('GET', '/api/v1/pods/no-such-pod');
    // Alerts are opened by jobs reacting to the events.
    await h.drain();

    const res = await h.call('GET', '/metrics', undefined, METRICS_TOKEN);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    families = parseExposition(res.body);
  });
  afterAll(() => h.close());

  it('exposes every metric docs/metrics.md documents, with the documented type', () => {
    const documented = documentedMetrics();
    expect(documented.length).toBeGreaterThan(30);
    const missing = documented.filter(
      (d) => !families.has(d.name.replace(/_total$/, '')) && !families.has(d.name),
    );
    expect(missing.map((d) => d.name)).toEqual([]);
    for (const d of documented) {
      const family = families.get(d.name) ?? families.get(d.name.replace(/_total$/, ''));
      expect(family?.type, d.name).toBe(d.type);
    }
    // And nothing of ours goes undocumented.
    const names = new Set(documented.map((d) => d.name.replace(/_total$/, '')));
    const undocumented = [...families.keys()].filter(
      (n) => n.startsWith('clos_') && !names.has(n.replace(/_total$/, '')),
    );
    expect(undocumented).toEqual([]);
  });

  it('reads the organisation from the database: WIP, projects, health, deployments, alerts', () => {
    expect(sample(families, 'clos_wip_current_count', { pod: 'ratio', type: 'pull-request' })).toBe(2);
    expect(sample(families, 'clos_wip_limit', { pod: 'ratio', type: 'pull-request' })).toBe(2);
    // Both projects hold a project slot in ratio; atlas reports its types at 0.
    expect(sample(families, 'clos_wip_current_count', { pod: 'ratio', type: 'project' })).toBe(2);
    expect(sample(families, 'clos_wip_current_count', { pod: 'atlas', type: 'project' })).toBe(0);
    expect(sample(families, 'clos_wip_queue_length', { pod: 'ratio' })).toBe(0);
    expect(sample(families, 'clos_projects', { stage: 'discovery', blocked: 'false' })).toBe(1);
    expect(sample(families, 'clos_projects', { stage: 'inception', blocked: 'true' })).toBe(1);
    expect(sample(families, 'clos_projects', { stage: 'inception', blocked: 'false' })).toBe(0);
    expect(sample(families, 'clos_projects_blocked_oldest_seconds', { pod: 'ratio' })).toBe(3600);
    expect(sample(families, 'clos_projects_blocked_oldest_seconds', { pod: 'atlas' })).toBe(0);
    expect(sample(families, 'clos_pod_health_score', { pod: 'atlas' })).toBe(50);
    expect(sample(families, 'clos_deployment_success_rate', { pod: 'ratio' })).toBe(0.5);
    expect(sample(families, 'clos_deployment_success_rate', { pod: 'atlas' })).toBeUndefined();
    // The refused acquire opened the WIP alert (warning: at the limit, not above it).
    expect(sample(families, 'clos_alerts_open', { kind: 'wip.limit_exceeded', severity: 'warning' })).toBe(1);
    expect(sample(families, 'clos_alerts_open', { kind: 'gate.stuck', severity: 'critical' })).toBe(0);
    expect(sample(families, 'clos_build_info', { engine })).toBe(1);
  });

  it('counts what this process did: refusals, transitions, ideas, deployments, requests', () => {
    expect(sample(families, 'clos_wip_refusals_total', { pod: 'ratio', type: 'pull-request' })).toBe(1);
    expect(
      sample(families, 'clos_stage_gate_transitions_total', { from: 'inception', to: 'discovery' }),
    ).toBe(1);
    expect(sample(families, 'clos_stage_gate_refusals_total', { stage: 'discovery' })).toBe(1);
    expect(sample(families, 'clos_idea_submissions_total')).toBe(2);
    expect(sample(families, 'clos_idea_evaluations_total')).toBe(1);
    expect(sample(families, 'clos_deployments_total', { pod: 'ratio', result: 'succeeded' })).toBe(1);
    expect(sample(families, 'clos_deployments_total', { pod: 'ratio', result: 'failed' })).toBe(1);
    expect(
      sample(families, 'clos_http_requests_total', {
        method: 'POST',
        route: '/api/v1/projects/:id/advance',
        status: '422',
      }),
    ).toBe(1);
    expect(
      sample(families, 'clos_http_requests_total', {
        method: 'GET',
        route: '/api/v1/pods/:slug',
        status: '404',
      }),
    ).toBe(1);
    const advances = sample(families, 'clos_http_request_duration_seconds_count', {
      route: '/api/v1/projects/:id/advance',
      status: '200',
    });
    expect(advances).toBe(1);
    expect(
      sample(families, 'clos_http_request_duration_seconds_bucket', {
        route: '/api/v1/projects/:id/advance',
        status: '200',
        le: '+Inf',
      }),
    ).toBe(1);
    expect(
      sample(families, 'clos_db_transactions_total', { kind: 'write', outcome: 'committed' }),
    ).toBeGreaterThan(10);
  });

  it('lets pod leads, admins and the metrics token scrape, and nobody else', async () => {
    expect((await h.call('GET', '/metrics', undefined, null)).statusCode).toBe(401);
    const dev = await h.userWithToken('developer');
    const viewer = await h.userWithToken('viewer');
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    expect((await h.call('GET', '/metrics', undefined, dev.token)).statusCode).toBe(403);
    expect((await h.call('GET', '/metrics', undefined, viewer.token)).statusCode).toBe(403);
    expect((await h.call('GET', '/metrics', undefined, lead.token)).statusCode).toBe(200);
    expect((await h.call('GET', '/metrics')).statusCode).toBe(200);
    // The metrics token opens /metrics and nothing else.
    expect((await h.call('GET', '/api/v1/pods', undefined, METRICS_TOKEN)).statusCode).toBe(401);
    expect((await h.call('GET', '/metrics', undefined, `${METRICS_TOKEN}x`)).statusCode).toBe(401);
  });
});

describe('the metrics port and its options', () => {
  it('serves /metrics without a token on a port of its own, and nothing else', async () => {
    const served = await startMetricsServer(
      {
        render: async () => 'clos_build_info{version="x",engine="pglite"} 1\n',
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
      },
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const ok = await fetch(served.url);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('clos_build_info');
      expect((await fetch(served.url.replace('/metrics', '/api/v1/pods'))).status).toBe(404);
      expect((await fetch(served.url, { method: 'POST' })).status).toBe(404);
    } finally {
      await served.close();
    }
  });

  it('reads --metrics-port, CLOS_METRICS_TOKEN and CLOS_INSTANCE, naming what is wrong', () => {
    const parsed = parseServerOptions(
      ['--metrics-port', '9464'],
      { CLOS_METRICS_TOKEN: METRICS_TOKEN, CLOS_INSTANCE: 'api-1' },
      '/tmp',
    );
    expect(parsed).toMatchObject({
      metrics: { port: 9464, host: '127.0.0.1', token: METRICS_TOKEN },
      instance: 'api-1',
    });
    expect(
      parseServerOptions([], { CLOS_METRICS_PORT: '9100', CLOS_METRICS_HOST: '0.0.0.0' }, '/tmp'),
    ).toMatchObject({
      metrics: { port: 9100, host: '0.0.0.0' },
    });
    expect(() => parseServerOptions([], { CLOS_METRICS_TOKEN: 'short' }, '/tmp')).toThrow(UsageError);
    expect(() => parseServerOptions([], { CLOS_METRICS_TOKEN: 'short' }, '/tmp')).toThrow(
      /CLOS_METRICS_TOKEN/,
    );
    expect(() => parseServerOptions(['--metrics-port', 'x'], {}, '/tmp')).toThrow(/--metrics-port/);
  });
});
