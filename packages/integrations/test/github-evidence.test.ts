import { GateValidators } from '@clos/core';
import { defaultPolicy, deploymentStatusPayload, fakeSha, workflowRunPayload } from '@clos/testing';
import { describe, expect, it } from 'vitest';
import { workOf } from '../src/github/deliveries.ts';
import { checkEvidenceFile, evidenceAnnotations, matchEvidenceFile } from '../src/github/evidence-files.ts';
import { ciOf, withEvidence } from '../src/index.ts';

const { stages } = defaultPolicy();
const validators = new GateValidators(stages);
const FOLDER = '.clos/evidence';

describe('evidence files', () => {
  it('are <folder>/<stage>.json|yaml|yml for a stage with a gate', () => {
    expect(matchEvidenceFile('.clos/evidence/build.json', FOLDER, stages)).toEqual({
      kind: 'evidence',
      path: '.clos/evidence/build.json',
      stage: 'build',
      format: 'json',
    });
    expect(matchEvidenceFile('.clos/evidence/discovery.YML', FOLDER, stages)).toMatchObject({
      format: 'yaml',
    });
    // inception has no gate: nobody submits evidence for it.
    expect(matchEvidenceFile('.clos/evidence/inception.yaml', FOLDER, stages)).toMatchObject({
      kind: 'unknown_stage',
    });
    for (const path of [
      '.clos/evidence/build.txt',
      '.clos/evidence/a/build.json',
      'docs/build.json',
      '.clos/evidencebuild.json',
    ])
      expect(matchEvidenceFile(path, FOLDER, stages)).toBeNull();
  });

  const check = (path: string, text: string) => {
    const match = matchEvidenceFile(path, FOLDER, stages);
    if (match?.kind !== 'evidence') throw new Error(`${path} is not an evidence file`);
    return checkEvidenceFile(match, text, validators);
  };

  it('puts each schema problem on the line of its field, in JSON and YAML, nested items included', () => {
    const json = check(
      '.clos/evidence/build.json',
      [
        '{',
        '  "designDocUrl": "not a url",',
        '  "successMetrics": [',
        '    "conversion",',
        '    42',
        '  ]',
        '}',
      ].join('\n'),
    );
    expect(json.data).toBeNull();
    expect(json.problems.map((p) => [p.line, p.message])).toEqual([
      [2, expect.stringContaining('designDocUrl')],
      [5, expect.stringContaining('successMetrics.1')],
    ]);
    // A missing field has no line of its own: its object's.
    const yaml = check('.clos/evidence/discovery.yaml', '# ok\n\nowner: ana@example.com\n');
    expect(yaml.problems).toEqual([{ line: 3, message: 'evidence field "problemStatement" is required' }]);
    const valid = check(
      '.clos/evidence/discovery.yml',
      'problemStatement: long enough text\nowner: a@b.co\n',
    );
    expect(valid).toMatchObject({ problems: [], data: { owner: 'a@b.co' } });
  });

  it('reports syntax errors, duplicate keys and a document that is not an object on their line', () => {
    expect(check('.clos/evidence/build.json', '{\n  "a": 1\n  "b": 2\n}\n').problems).toEqual([
      {
        line: 3,
        message: expect.stringMatching(/^not valid JSON: Expected ',' or '}' after property value/),
      },
    ]);
    // Node 20 gives no position for an unexpected token; the words stay, without the quoted file.
    const [token] = check('.clos/evidence/build.json', '{\n  "a": 1,\n  "b": \n}\n').problems;
    expect(token?.message).toMatch(/^not valid JSON: Unexpected token '\}'$/);
    expect(check('.clos/evidence/discovery.yaml', 'owner: a@b.co\nowner: c@d.co\n').problems).toEqual([
      { line: 2, message: expect.stringMatching(/^not valid YAML: Map keys must be unique/) },
    ]);
    expect(check('.clos/evidence/discovery.yaml', '- a\n- b\n').problems).toEqual([
      { line: 1, message: 'the file must hold an object of evidence fields for the gate into discovery' },
    ]);
  });

  it('become at most 50 failure annotations, and fail clos/gate with a count', () => {
    const many = {
      path: 'x.json',
      stage: 'build',
      data: null,
      problems: Array.from({ length: 60 }, (_, i) => ({ line: i + 1, message: 'm' })),
    };
    expect(evidenceAnnotations([many])).toHaveLength(50);
    const green = { conclusion: 'success' as const, title: 'payments is in build', summary: 'ok' };
    expect(withEvidence(green, [])).toEqual(green);
    expect(
      withEvidence(green, [{ path: 'x.json', stage: 'build', problems: 1, passed: false }]),
    ).toMatchObject({
      conclusion: 'failure',
      title: 'Evidence has 1 problem',
    });
    const red = { conclusion: 'failure' as const, title: 'payments is blocked', summary: '' };
    expect(withEvidence(red, [{ path: 'x.json', stage: 'build', problems: 2, passed: false }]).title).toBe(
      'payments is blocked; evidence has 2 problems',
    );
    expect(
      withEvidence(green, [{ path: 'x.json', stage: 'discovery', problems: 0, passed: true }]).summary,
    ).toContain('the project is past that gate, so merging submits nothing');
  });
});

describe('deliveries that become deployments', () => {
  const options = { workflowRuns: ['Deploy'] };
  const status = (
    state: Parameters<typeof deploymentStatusPayload>[0]['deployment']['state'],
    environment = 'production',
  ) =>
    workOf(
      'deployment_status',
      deploymentStatusPayload({
        repository: 'Acme/API',
        installationId: 1,
        deployment: { state, environment, sha: fakeSha('d'), deploymentId: 9, ref: 'v1.2.0' },
      }),
      options,
    );

  it('map GitHub deployment states, production or not, and drop inactive', () => {
    expect(status('in_progress')).toMatchObject({
      kind: 'deployment',
      externalId: 'github:acme/api/deployments/9',
      status: 'running',
      production: true,
      version: `v1.2.0@${fakeSha('d').slice(0, 7)}`,
    });
    expect(status('error', 'staging')).toMatchObject({ status: 'failed', production: false });
    expect(status('success', 'prod')).toMatchObject({ status: 'succeeded', production: true });
    expect(status('inactive')).toBeNull();
  });

  it('take only completed runs of the named workflows, by attempt', () => {
    const run = (
      name: string,
      conclusion: 'success' | 'timed_out' | 'skipped',
      action: 'completed' | 'in_progress' = 'completed',
    ) =>
      workOf(
        'workflow_run',
        workflowRunPayload(action, {
          repository: 'acme/api',
          installationId: 1,
          run: { id: 5, name, headSha: fakeSha('r'), conclusion, runAttempt: 2 },
        }),
        options,
      );
    expect(run('Deploy', 'timed_out')).toMatchObject({
      externalId: 'github:acme/api/actions/runs/5/attempts/2',
      status: 'failed',
    });
    expect(run('Deploy', 'skipped')).toBeNull();
    expect(run('Deploy', 'success', 'in_progress')).toBeNull();
    expect(run('CI', 'success')).toBeNull();
  });

  it('refuse a signed payload without what a deployment needs', () => {
    expect(() =>
      workOf(
        'deployment_status',
        { deployment_status: { state: 'success' }, repository: { full_name: 'a/b' } },
        options,
      ),
    ).toThrow(/deployment\.id/);
  });
});

describe('the CI outcome of a merged head', () => {
  it('fails on any failure, runs while any runs, passes otherwise; none is null', () => {
    expect(ciOf([])).toBeNull();
    expect(
      ciOf([
        { status: 'completed', conclusion: 'success' },
        { status: 'completed', conclusion: 'skipped' },
      ]),
    ).toBe('passed');
    expect(
      ciOf([
        { status: 'in_progress', conclusion: null },
        { status: 'completed', conclusion: 'success' },
      ]),
    ).toBe('running');
    expect(
      ciOf([
        { status: 'in_progress', conclusion: null },
        { status: 'completed', conclusion: 'timed_out' },
      ]),
    ).toBe('failed');
  });
});
