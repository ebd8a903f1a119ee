import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '@clos/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILT_IN_CONFIG_PATH, DEFAULT_CONFIG_FILE, loadConfigFile, parseConfigYaml } from './load-config.ts';

const exampleFile = fs.readFileSync(new URL('../../../clos.config.example.yaml', import.meta.url), 'utf8');

const tempDirs: string[] = [];
function tempDir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clos-config-'));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const defaults = () => {
  const result = parseConfig({});
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.config;
};

describe('clos.config.example.yaml', () => {
  it('is exactly the default model, written out', () => {
    expect(parseConfig(parse(exampleFile))).toEqual(parseConfig({}));
  });

  it('holds a commented-out example pod that is valid once uncommented', () => {
    const lines = exampleFile.split('\n');
    const start = lines.indexOf('# pods:');
    expect(start).toBeGreaterThan(0);
    let end = start;
    while (lines[end]?.startsWith('#')) end += 1;
    const uncommented = lines.slice(start, end).map((line) => line.replace(/^# ?/, ''));
    const text = [...lines.slice(0, start), ...uncommented, ...lines.slice(end)]
      .join('\n')
      .replace('pods: []\n', '');
    const result = parseConfigYaml(text, 'example');
    expect(result.ok && result.config.pods).toEqual([
      {
        slug: 'payments',
        name: 'Payments',
        timezone: 'Europe/London',
        members: [
          { email: 'ada@example.com', name: 'Ada Lovelace', role: 'pod-lead', podRole: 'lead' },
          { email: 'alan@example.com', name: 'Alan Turing', role: 'developer', podRole: 'member' },
        ],
        wipLimits: { 'pull-request': 8 },
        slack: { channel: '#payments' },
      },
    ]);
  });
});

describe('loadConfigFile', () => {
  it('falls back to the built-in default when there is no ./clos.config.yaml', async () => {
    const result = await loadConfigFile(undefined, { cwd: tempDir() });
    expect(result).toEqual({ ok: true, config: defaults(), source: BUILT_IN_CONFIG_PATH });
    expect(path.basename(BUILT_IN_CONFIG_PATH)).toBe('clos.config.example.yaml');
  });

  it('uses ./clos.config.yaml when it exists', async () => {
    const cwd = tempDir({ [DEFAULT_CONFIG_FILE]: 'ideas:\n  minEvaluations: 3\n' });
    const result = await loadConfigFile(undefined, { cwd });
    expect(result.ok).toBe(true);
    expect(result.source).toBe(path.join(cwd, DEFAULT_CONFIG_FILE));
    expect(result.ok && result.config.ideas.minEvaluations).toBe(3);
  });

  it('reads --config relative to the working directory, in preference to ./clos.config.yaml', async () => {
    const cwd = tempDir({
      [DEFAULT_CONFIG_FILE]: 'ideas: { minEvaluations: 3 }\n',
      'other.yaml': 'ideas: { minEvaluations: 4 }\n',
    });
    const relative = await loadConfigFile('other.yaml', { cwd });
    expect(relative.source).toBe(path.join(cwd, 'other.yaml'));
    expect(relative.ok && relative.config.ideas.minEvaluations).toBe(4);
    const absolute = await loadConfigFile(path.join(cwd, 'other.yaml'), { cwd: os.tmpdir() });
    expect(absolute.ok && absolute.config.ideas.minEvaluations).toBe(4);
  });

  it('reports a missing --config file rather than falling back', async () => {
    const cwd = tempDir({ [DEFAULT_CONFIG_FILE]: '{}\n' });
    expect(await loadConfigFile('missing.yaml', { cwd })).toEqual({
      ok: false,
      source: path.join(cwd, 'missing.yaml'),
      problems: ['missing.yaml: file not found'],
    });
  });

  it('reports a --config that cannot be read', async () => {
    const cwd = tempDir();
    fs.mkdirSync(path.join(cwd, 'dir.yaml'));
    const result = await loadConfigFile('dir.yaml', { cwd });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([expect.stringMatching(/^dir\.yaml: cannot read: EISDIR/)]);
  });

  it('treats an empty file, or one with only comments, as the default model', async () => {
    for (const text of ['', '\n', '# nothing configured yet\n']) {
      const cwd = tempDir({ [DEFAULT_CONFIG_FILE]: text });
      expect(await loadConfigFile(undefined, { cwd })).toEqual({
        ok: true,
        config: defaults(),
        source: path.join(cwd, DEFAULT_CONFIG_FILE),
      });
    }
  });

  it('reports YAML syntax errors with line and column', async () => {
    const cwd = tempDir({
      [DEFAULT_CONFIG_FILE]: 'health:\n  cycleTimeTargetDays: 5\n  cycleTimeTargetDays: 6\n',
    });
    expect(await loadConfigFile(undefined, { cwd })).toEqual({
      ok: false,
      source: path.join(cwd, DEFAULT_CONFIG_FILE),
      problems: ['clos.config.yaml:3:3: Map keys must be unique'],
    });
  });

  it('names the file as given to --config in problem lines', async () => {
    const cwd = tempDir({ 'bad.yaml': 'stages:\n  - name: a\n   - name: b\n' });
    const result = await loadConfigFile('bad.yaml', { cwd });
    expect(!result.ok && result.problems).toEqual([
      'bad.yaml:3:4: All sequence items must start at the same column',
    ]);
  });

  it('reports schema problems with the line and column of the offending key, in file order', async () => {
    const text = [
      'pods:', // 1
      '  - slug: payments', // 2
      '    name: Payments', // 3
      '    timezone: Mars/Olympus_Mons', // 4
      'stages:', // 5
      '  - name: start', // 6
      '  - name: finish', // 7
      '    gate:', // 8
      '      evidence: { type: object }', // 9
      '      approvals:', // 10
      '        count: -1', // 11
      '        quorum: 2', // 12
      'colour: blue', // 13
      '',
    ].join('\n');
    const cwd = tempDir({ [DEFAULT_CONFIG_FILE]: text });
    const result = await loadConfigFile(undefined, { cwd });
    expect(!result.ok && result.problems).toEqual([
      'clos.config.yaml:4:5: pods[0].timezone: unknown time zone "Mars/Olympus_Mons"',
      'clos.config.yaml:11:9: stages[1].gate.approvals.count: must be ≥ 0',
      'clos.config.yaml:12:9: stages[1].gate.approvals.quorum: unknown key',
      'clos.config.yaml:13:1: colour: unknown key',
    ]);
  });

  it('locates a problem about a missing key at its nearest written parent', () => {
    const result = parseConfigYaml('stages:\n  - name: start\n  - name: finish\n', 'c.yaml');
    expect(!result.ok && result.problems).toEqual([
      'c.yaml:3:5: stages[1].gate: required: every stage after the first must have a gate',
    ]);
  });

  it('reports a root that is not a mapping', () => {
    expect(parseConfigYaml('- stages\n', 'c.yaml')).toEqual({
      ok: false,
      problems: ['c.yaml:1:1: (root): Invalid input: expected object, received array'],
    });
  });

  it('reports more than one YAML document', () => {
    expect(parseConfigYaml('pods: []\n---\npods: []\n', 'c.yaml')).toEqual({
      ok: false,
      problems: ['c.yaml:2:1: a configuration file holds one YAML document; remove the extra "---"'],
    });
  });

  it('reports an unresolved alias', () => {
    expect(parseConfigYaml('ideas: *missing\n', 'c.yaml')).toEqual({
      ok: false,
      problems: ['c.yaml: Unresolved alias (the anchor must be set before the alias): missing'],
    });
  });

  it('reports a gate whose evidence schema Ajv cannot compile', () => {
    const text = [
      'stages:',
      '  - name: start',
      '  - name: finish',
      '    gate:',
      '      evidence:',
      '        type: object',
      '        properties:',
      '          url: { type: link }',
      '      approvals: { count: 1, roles: [admin] }',
      '',
    ].join('\n');
    const result = parseConfigYaml(text, 'c.yaml');
    expect(!result.ok && result.problems).toEqual([
      expect.stringMatching(
        /^c\.yaml:5:7: stages\[1\]\.gate\.evidence: schema is invalid: data\/properties\/url\/type /,
      ),
    ]);
  });
});
