import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';

const parse = (input: Record<string, unknown>) => {
  const result = parseConfig(input);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.problems.join('\n')}`);
  return result.config;
};

const problems = (input: Record<string, unknown>): string[] => {
  const result = parseConfig(input);
  return result.ok ? [] : result.problems;
};

describe('linear', () => {
  it('maps nothing by default and reconciles every 15 minutes', () => {
    expect(parse({}).linear).toEqual({ teams: {}, stages: {}, reconcileMinutes: 15 });
  });

  it('reads teams (upper-cased keys) and stage templates with their defaults', () => {
    const config = parse({
      linear: {
        teams: { ratio: 'rat' },
        stages: {
          discovery: {
            issues: [
              { title: 'Interview 5 customers for {project}', estimate: 3 },
              { title: 'Write it down' },
            ],
          },
        },
        reconcileMinutes: 0,
      },
    });
    expect(config.linear).toEqual({
      teams: { ratio: 'RAT' },
      stages: {
        discovery: {
          issues: [
            { title: 'Interview 5 customers for {project}', estimate: 3, labels: [] },
            { title: 'Write it down', labels: [] },
          ],
        },
      },
      reconcileMinutes: 0,
    });
  });

  it('names the path of an unknown stage, a bad team key and an empty title', () => {
    expect(
      problems({
        linear: {
          teams: { ratio: 'not a key' },
          stages: { discvery: { issues: [{ title: 'x' }] }, discovery: { issues: [{ title: ' ' }] } },
        },
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^linear\.teams\.ratio: must be a Linear team key/),
        expect.stringMatching(
          /^linear\.stages\.discvery: unknown stage "discvery" \(one of inception, discovery/,
        ),
        expect.stringMatching(/^linear\.stages\.discovery\.issues\[0\]\.title: must not be empty/),
      ]),
    );
    expect(problems({ linear: { reconcileMinutes: 2000 } })).toEqual([
      expect.stringMatching(/^linear\.reconcileMinutes: must be 0–1440/),
    ]);
  });

  it('lets a gate opt into linear_issues_done, and only known kinds', () => {
    const stages = (criteria: unknown) => [
      { name: 'discovery' },
      { name: 'build', gate: { evidence: {}, approvals: { count: 0 }, criteria } },
    ];
    expect(parse({ stages: stages([{ kind: 'linear_issues_done' }]) }).stages[1]!.gate!.criteria).toEqual([
      { kind: 'linear_issues_done' },
    ]);
    expect(problems({ stages: stages([{ kind: 'ci_green' }]) })).toEqual([
      expect.stringMatching(/^stages\[1\]\.gate\.criteria\[0\]\.kind: /),
    ]);
  });
});
