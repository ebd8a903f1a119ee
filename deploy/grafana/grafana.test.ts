import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

// The dashboards and rules are plain files that Grafana and Prometheus load as they are: this test is
// what keeps them in step with the metrics CLOS actually exports (docs/metrics.md is the contract).

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

// ---------------------------------------------------------------- docs/metrics.md

interface DocumentedMetric {
  type: string;
  labels: string[];
}

/** Series Prometheus itself writes for every target; allowed in expressions though CLOS does not export them. */
const PROMETHEUS_SERIES: Record<string, DocumentedMetric> = { up: { type: 'gauge', labels: [] } };
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

/**
 * The metrics of docs/metrics.md: every table row whose first cell is a backticked metric name, with
 * the series a histogram exposes (`_bucket` with `le`, `_sum`, `_count`).
 */
function documentedMetrics(markdown: string): Map<string, DocumentedMetric> {
  const metrics = new Map<string, DocumentedMetric>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // A table row splits into ['', first cell, …, ''].
    const name = /^`([a-zA-Z_:][a-zA-Z0-9_:]*)`$/.exec(cells[1] ?? '')?.[1];
    if (!line.trimStart().startsWith('|') || !name) continue;
    const type = cells[2] ?? '';
    const labels = [...(cells[3] ?? '').matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`/g)].map((m) => m[1]!);
    if (type === 'histogram') {
      metrics.set(`${name}_bucket`, { type: 'counter', labels: [...labels, 'le'] });
      metrics.set(`${name}_sum`, { type: 'counter', labels });
      metrics.set(`${name}_count`, { type: 'counter', labels });
    } else metrics.set(name, { type, labels });
  }
  return metrics;
}

// ---------------------------------------------------------------- PromQL

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Replaces string literals by empty ones, so nothing inside a string is read as a name or a brace. */
const blankStrings = (expr: string) =>
  expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, (s) => `${s[0]}${s[0]}`);

/**
 * The metric names an expression reads. A tokeniser, not a parser: strings, `{…}` matchers, `[…]`
 * ranges, label lists of `by`/`without`/`on`/`ignoring`/`group_left`/`group_right`, numbers and
 * durations, Grafana variables, keywords and function names (identifiers followed by `(`) are dropped;
 * every identifier left is a metric.
 */
function metricNames(expr: string): string[] {
  const bare = blankStrings(expr)
    .replace(/#[^\n]*/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/(?<![\w:.])(?:0x[0-9a-f]+|\d[\w.]*(?:e[+-]?\d+)?)/gi, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = m[0];
    const isFunction = /^\s*\(/.test(bare.slice(m.index + name.length));
    if (!isFunction && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/** Each `metric{…}` selector's metric and the label names its matchers use. */
function selectorLabels(expr: string): { metric: string; labels: string[] }[] {
  return [...blankStrings(expr).matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

/** What is wrong with the metrics and label matchers of `expr` against the documented metrics. */
function problemsOf(expr: string, documented: Map<string, DocumentedMetric>): string[] {
  const known = (name: string) => documented.get(name) ?? PROMETHEUS_SERIES[name];
  const problems = metricNames(expr)
    .filter((name) => !known(name))
    .map((name) => `${name} is not in docs/metrics.md`);
  for (const { metric, labels } of selectorLabels(expr)) {
    const allowed = [...(known(metric)?.labels ?? []), ...TARGET_LABELS];
    for (const label of labels)
      if (known(metric) && !allowed.includes(label)) problems.push(`${metric} has no label ${label}`);
  }
  return problems;
}

// ---------------------------------------------------------------- Grafana

interface Target {
  expr?: string;
  refId?: string;
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  current?: { value?: unknown };
}
interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

/** Every panel, rows' nested panels included, rows themselves left out (they hold no query). */
const panelsOf = (panels: Panel[] = []): Panel[] =>
  panels.flatMap((p) => (p.type === 'row' ? panelsOf(p.panels) : [p]));

/**
 * The PromQL inside a Prometheus template variable query: `label_values(<selector>, <label>)` reads
 * the selector (its second argument is a label, not a metric); `label_values(<label>)` reads none.
 */
function variableSelector(query: string): string {
  const labelValues = /^\s*label_values\(\s*(?:(.*),)?\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/s.exec(query);
  if (labelValues) return labelValues[1] ?? '';
  const queryResult = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  if (queryResult) return queryResult[1]!;
  // label_names() and metrics(<regex>) name no series.
  return /^\s*(?:label_names|metrics)\(/.test(query) ? '' : query;
}

/** Every PromQL expression of a dashboard: panel targets and template variable queries. */
function expressionsOf(dashboard: Dashboard): { where: string; expr: string }[] {
  const fromPanels = panelsOf(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr ?? '' })),
  );
  const fromVariables = (dashboard.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => ({
      where: `variable $${v.name}`,
      expr: variableSelector(typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '')),
    }));
  return [...fromPanels, ...fromVariables];
}

const dashboardsDir = join(here, 'dashboards');
const dashboardFiles = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = dashboardFiles.map((file) => ({
  file,
  json: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard,
}));

// ---------------------------------------------------------------- Prometheus rules

interface Rule {
  alert?: string;
  record?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rulesYaml = parseYaml(readFileSync(join(here, 'prometheus/alerts.yaml'), 'utf8')) as {
  groups: { name: string; rules: Rule[] }[];
};
const rules = rulesYaml.groups.flatMap((g) => g.rules);

/** GitHub's anchor for a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

// ---------------------------------------------------------------- promtool

/** promtool from $PROMTOOL, the cache fetch-promtool.sh fills, or PATH; undefined when none runs. */
function findPromtool(): string | undefined {
  const candidates = [
    process.env.PROMTOOL,
    join(repoRoot, 'node_modules/.cache/promtool/promtool'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'promtool')),
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  return undefined;
}
const promtool = findPromtool();
const NO_PROMTOOL =
  'promtool not found (set PROMTOOL, put it on PATH, or run deploy/grafana/fetch-promtool.sh): promtool check skipped';

function runPromtool(args: string[], cwd: string) {
  const run = spawnSync(promtool!, args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

// ================================================================ tests

const documented = documentedMetrics(read('docs/metrics.md'));

describe('documented metrics', () => {
  it('reads every table of docs/metrics.md, histograms as their three series', () => {
    expect(documented.get('clos_wip_current_count')).toEqual({ type: 'gauge', labels: ['pod', 'type'] });
    expect(documented.get('clos_idea_submissions_total')).toEqual({ type: 'counter', labels: [] });
    expect(documented.get('clos_http_request_duration_seconds_bucket')?.labels).toEqual([
      'method',
      'route',
      'status',
      'le',
    ]);
    expect(documented.has('clos_http_request_duration_seconds_count')).toBe(true);
    expect(documented.has('clos_http_request_duration_seconds')).toBe(false);
    expect(documented.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    // The scrape-settings table's first column is not a metric.
    expect([...documented.keys()].every((name) => /^[a-z_:][a-z0-9_:]*$/.test(name))).toBe(true);
  });
});

describe('the PromQL metric extractor', () => {
  it('finds the metric inside a function call and its range', () => {
    expect(metricNames('rate(clos_wip_refusal_total[5m])')).toEqual(['clos_wip_refusal_total']);
  });

  it('reports a misspelt metric, so a typo in a panel fails this test', () => {
    expect(problemsOf('sum(rate(clos_wip_refusal_total[5m]))', documented)).toEqual([
      'clos_wip_refusal_total is not in docs/metrics.md',
    ]);
    expect(problemsOf('sum(rate(clos_wip_refusals_total[5m]))', documented)).toEqual([]);
  });

  it('drops label lists, matchers, strings, keywords, numbers, durations and Grafana variables', () => {
    const expr = `sum by (pod, type) (increase(clos_wip_refusals_total{pod=~"$pod", type!="x y"}[$__rate_interval]))
      / on(pod) group_left(team) max without (instance) (clos_wip_limit offset 1d) > bool 0.5e3
      and ignoring(le) label_replace(up, "stage", "$1 total", "to", "(.*)") unless 0x1F * Inf`;
    expect(metricNames(expr).sort()).toEqual(['clos_wip_limit', 'clos_wip_refusals_total', 'up']);
  });

  it('keeps the series a histogram quantile reads and an aggregation clause after its argument', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum(rate(clos_http_request_duration_seconds_bucket[5m])) by (le))',
      ),
    ).toEqual(['clos_http_request_duration_seconds_bucket']);
  });

  it('reads the selector of a template variable query, not the label it lists', () => {
    expect(metricNames(variableSelector('label_values(clos_wip_limit, pod)'))).toEqual(['clos_wip_limit']);
    expect(metricNames(variableSelector('label_values(clos_wip_limt{type="pr"}, pod)'))).toEqual([
      'clos_wip_limt',
    ]);
    expect(metricNames(variableSelector('label_values(pod)'))).toEqual([]);
    expect(metricNames(variableSelector('query_result(topk(5, clos_wip_limit))'))).toEqual([
      'clos_wip_limit',
    ]);
  });

  it('reports a label a metric does not have, but not the target labels Prometheus adds', () => {
    expect(problemsOf('clos_wip_limit{team="a"}', documented)).toEqual(['clos_wip_limit has no label team']);
    expect(problemsOf('up{job="clos", instance="a:3000"}', documented)).toEqual([]);
    expect(problemsOf('clos_http_request_duration_seconds_bucket{le="0.1"}', documented)).toEqual([]);
    expect(problemsOf('clos_http_request_duration_seconds_count{le="0.1"}', documented)).toEqual([
      'clos_http_request_duration_seconds_count has no label le',
    ]);
  });
});

describe('Grafana dashboards', () => {
  it('are the four of the seed, with stable uids', () => {
    expect(dashboardFiles).toEqual([
      'executive.json',
      'pod-performance.json',
      'stage-gate-flow.json',
      'wip-limits.json',
    ]);
    const uids = dashboards.map((d) => d.json.uid);
    expect(uids).toEqual(dashboardFiles.map((f) => `clos-${f.replace(/\.json$/, '')}`));
    expect(new Set(uids).size).toBe(uids.length);
  });

  const datasourceYaml = parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yaml')) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  const provisioned = datasourceYaml.datasources[0]!;

  describe.each(dashboards)('$file', ({ json }) => {
    const panels = panelsOf(json.panels);
    const variables = json.templating?.list ?? [];

    it('is a Grafana 11 dashboard with a Prometheus $datasource variable defaulting to the provisioned one', () => {
      expect(json.schemaVersion).toBeGreaterThanOrEqual(39);
      expect(json.title).toMatch(/^CLOS · /);
      const datasource = variables.find((v) => v.name === 'datasource');
      expect(datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
      expect(datasource?.current?.value).toBe(provisioned.uid);
      expect(provisioned.type).toBe('prometheus');
    });

    it('has panels with a title, a description and a query on $datasource, and unique ids', () => {
      expect(panels.length).toBeGreaterThan(0);
      for (const panel of panels) {
        expect(panel.title, `panel ${panel.id}`).toBeTruthy();
        expect(panel.description, `panel "${panel.title}"`).toBeTruthy();
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal.
        expect(panel.datasource?.uid, `panel "${panel.title}"`).toBe('${datasource}');
        expect(panel.targets?.length, `panel "${panel.title}"`).toBeGreaterThan(0);
        for (const target of panel.targets ?? [])
          expect(target.expr?.trim(), `panel "${panel.title}"`).toBeTruthy();
      }
      const ids = (json.panels ?? []).flatMap((p) => [p.id, ...(p.panels ?? []).map((n) => n.id)]);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('queries only documented metrics and labels', () => {
      const problems = expressionsOf(json).flatMap(({ where, expr }) =>
        problemsOf(expr, documented).map((p) => `${where}: ${p}`),
      );
      expect(problems).toEqual([]);
    });

    it('defines $pod from the WIP limits whenever a query uses it', () => {
      const usesPod = expressionsOf(json).some(({ expr }) => /\$pod\b/.test(expr));
      const pod = variables.find((v) => v.name === 'pod');
      if (!usesPod) expect(pod).toBeUndefined();
      else expect(pod).toMatchObject({ type: 'query', definition: 'label_values(clos_wip_limit, pod)' });
    });
  });

  it('are loaded from the folder the provisioning file names', () => {
    const provider = parseYaml(read('deploy/grafana/provisioning/dashboards/clos.yaml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers).toHaveLength(1);
    expect(provider.providers[0]).toMatchObject({
      type: 'file',
      options: { path: '/var/lib/grafana/dashboards/clos' },
    });
    expect(provisioned.url).toBe('http://prometheus:9090');
  });
});

describe('Prometheus alerting rules', () => {
  const byName = new Map(rules.map((r) => [r.alert, r]));

  it.each([
    // The seed's four (§5.1), with its thresholds.
    ['ClosWipLimitExceeded', /clos_wip_current_count\)\s*>\s*max by \(pod, type\) \(clos_wip_limit\)/],
    ['ClosStageGateBlocked', /clos_projects_blocked_oldest_seconds\)\s*>\s*86400$/],
    ['ClosPodHealthLow', /clos_pod_health_score\)\s*<\s*70$/],
    ['ClosDeploymentFailureRateHigh', /^1 - max by \(pod\) \(clos_deployment_success_rate\)\s*>\s*0\.10$/],
    // The service's own (§9 targets).
    ['ClosTargetDown', /^up\{job="clos"\} == 0$/],
    [
      'ClosHighErrorRate',
      /status=~"5\.\."\}\[5m\]\)\)\s*\/\s*sum\(rate\(clos_http_requests_total\[5m\]\)\)\s*>\s*0\.001$/,
    ],
    [
      'ClosSlowResponses',
      /^histogram_quantile\(0\.95,[\s\S]*clos_http_request_duration_seconds_bucket[\s\S]*\[5m\][\s\S]*>\s*0\.1$/,
    ],
    ['ClosJobFailures', /increase\(clos_job_runs_total\{outcome="failed"\}\[15m\]\)\)\s*>\s*0$/],
    ['ClosOutboxRelayLagging', /clos_outbox_relay_lag_seconds\)\s*>\s*60$/],
  ])('%s exists with its condition', (name, condition) => {
    expect(byName.get(name)?.expr?.trim()).toMatch(condition);
  });

  it('are all alerts with unique names, a duration, a severity and the three annotations', () => {
    expect(new Set(byName.keys()).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.alert, rule.record).toMatch(/^Clos[A-Za-z]+$/);
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      for (const key of ['summary', 'description', 'runbook_url'])
        expect(rule.annotations?.[key], `${rule.alert} ${key}`).toBeTruthy();
    }
  });

  it('read only documented metrics and labels', () => {
    const problems = rules.flatMap((r) =>
      problemsOf(r.expr ?? '', documented).map((p) => `${r.alert}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('link runbooks to headings that exist in this repository', () => {
    for (const rule of rules) {
      const [path, anchor] = (rule.annotations?.runbook_url ?? '').split('#');
      const headings = read(path!)
        .split('\n')
        .filter((line) => /^#{1,6} /.test(line))
        .map((line) => anchorOf(line.replace(/^#+ /, '')));
      expect(headings, `${rule.alert} ${rule.annotations?.runbook_url}`).toContain(anchor);
    }
  });
});

describe('promtool', () => {
  const work = mkdtempSync(join(tmpdir(), 'clos-promtool-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('accepts the rules (promtool check rules)', (ctx) => {
    ctx.skip(!promtool, NO_PROMTOOL);
    const run = runPromtool(['check', 'rules', 'alerts.yaml'], join(here, 'prometheus'));
    expect(run.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(run.status).toBe(0);
  });

  it('fires each alert when, and only when, its condition holds (promtool test rules)', (ctx) => {
    ctx.skip(!promtool, NO_PROMTOOL);
    const tests = parseYaml(readFileSync(join(here, 'prometheus/alerts.test.yaml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    // Every alert has a case where it fires.
    const firing = new Set(
      tests.tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect([...firing].sort()).toEqual(rules.map((r) => r.alert).sort());
    const run = runPromtool(['test', 'rules', 'alerts.test.yaml'], join(here, 'prometheus'));
    expect(run.output).toContain('SUCCESS');
    expect(run.status, run.output).toBe(0);
  });

  it('parses every dashboard query as PromQL (promtool check rules on them as recording rules)', (ctx) => {
    ctx.skip(!promtool, NO_PROMTOOL);
    // Grafana fills its variables in before Prometheus sees a query; `$1` in label_replace is PromQL's own.
    const grafanaVariables: Record<string, string> = {
      __rate_interval: '5m',
      __interval: '1m',
      __range: '1d',
      pod: '.*',
    };
    const substitute = (expr: string) =>
      expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
        const value = grafanaVariables[braced ?? bare ?? ''];
        return value ?? whole;
      });
    const queries = dashboards.flatMap(({ json }) =>
      panelsOf(json.panels).flatMap((p) => (p.targets ?? []).map((t) => substitute(t.expr ?? ''))),
    );
    const file = join(work, 'dashboard-queries.yaml');
    const asRules = queries.map((expr, i) => ({ record: `clos:dashboard_query:${i}`, expr }));
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard-queries', rules: asRules }] }));
    const run = runPromtool(['check', 'rules', file], work);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  it('accepts the example prometheus.yml with its rules (promtool check config)', (ctx) => {
    ctx.skip(!promtool, NO_PROMTOOL);
    // The example names files under /etc/prometheus, where the compose stack mounts them: point it here.
    const config = readFileSync(join(here, 'prometheus/prometheus.yml'), 'utf8').replaceAll(
      '/etc/prometheus/',
      `${work}/`,
    );
    expect(config).toContain(`${work}/clos-alerts.yaml`);
    writeFileSync(join(work, 'prometheus.yml'), config);
    copyFileSync(join(here, 'prometheus/alerts.yaml'), join(work, 'clos-alerts.yaml'));
    writeFileSync(join(work, 'clos-metrics-token'), 'x'.repeat(32));
    const run = runPromtool(['check', 'config', join(work, 'prometheus.yml')], work);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});
