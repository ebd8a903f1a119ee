import type { GithubPolicy } from '@clos/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';

const parsedGithub = (input: Record<string, unknown>): GithubPolicy => {
  const result = parseConfig(input);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.problems.join('\n')}`);
  return result.config.github;
};

const problems = (input: Record<string, unknown>): string[] => {
  const result = parseConfig(input);
  return result.ok ? [] : result.problems;
};

/** A file whose `github` section maps `entries` (each merged over a valid mapping), plus `rest`. */
const mapping = (entries: Record<string, unknown>[], rest: Record<string, unknown> = {}) => ({
  github: {
    repositories: entries.map((entry) => ({ repository: 'acme/payments-api', pod: 'ratio', ...entry })),
  },
  ...rest,
});

const repositoryProblems = (repository: unknown) => problems(mapping([{ repository }]));

const pod = (slug: string) => ({ slug, name: slug, timezone: 'UTC' });

describe('github', () => {
  it('is off by default: no repositories, drafts take no slot, reconciled every 5 minutes', () => {
    expect(parsedGithub({})).toEqual({
      repositories: [],
      pullRequests: { countDrafts: false, itemType: 'pull-request' },
      reconcileMinutes: 5,
      deployments: { workflowRuns: [] },
      evidencePath: '.clos/evidence',
    });
    expect(parsedGithub({ github: { pullRequests: { countDrafts: true } } }).pullRequests).toEqual({
      countDrafts: true,
      itemType: 'pull-request',
    });
  });

  it('accepts the documented example as written', () => {
    const github = {
      repositories: [
        { repository: 'acme/payments-api', pod: 'ratio', project: 'payments', requireStage: 'build' },
        { repository: 'Acme-Corp/web.site_2', pod: 'web' },
      ],
      pullRequests: { countDrafts: true, itemType: 'project' },
      reconcileMinutes: 0,
      deployments: { workflowRuns: ['Deploy to production', 'release'] },
      evidencePath: 'ops/evidence',
    };
    expect(parsedGithub({ github })).toEqual(github);
  });

  it('refuses unknown keys in the section and in an entry', () => {
    expect(
      problems({
        github: { repositories: [{ repository: 'acme/x', pod: 'ratio', team: 'x' }], token: 'ghp_x' },
      }),
    ).toEqual(['github.repositories[0].team: unknown key', 'github.token: unknown key']);
  });

  describe('repositories[].repository', () => {
    it('accepts names GitHub allows', () => {
      for (const name of ['a/b', 'octo-cat/.github', 'O1/x.y_z-w', `${'a'.repeat(39)}/${'b'.repeat(100)}`])
        expect(repositoryProblems(name), name).toEqual([]);
    });

    it('must be owner/name with GitHub’s characters and lengths', () => {
      const message =
        'github.repositories[0].repository: must be "owner/name" as GitHub writes it (e.g. acme/payments-api): the owner 1–39 letters, digits or single hyphens, the name 1–100 letters, digits, ".", "-" or "_"';
      for (const name of [
        'payments-api',
        'https://github.com/acme/payments-api',
        'acme/payments/api',
        '-acme/x',
        'acme-/x',
        'ac--me/x',
        'acme /x',
        'acme/pay ments',
        'acme/',
        '/x',
        `${'a'.repeat(40)}/x`,
        `acme/${'b'.repeat(101)}`,
      ])
        expect(repositoryProblems(name), name).toEqual([message]);
    });

    it('refuses "." and ".." as names and a ".git" suffix', () => {
      expect(repositoryProblems('acme/..')).toEqual([
        'github.repositories[0].repository: ".." is not a repository name GitHub allows',
      ]);
      expect(repositoryProblems('acme/.')).toEqual([
        'github.repositories[0].repository: "." is not a repository name GitHub allows',
      ]);
      expect(repositoryProblems('acme/payments-api.git')).toEqual([
        'github.repositories[0].repository: must name the repository without ".git" (acme/payments-api)',
      ]);
    });

    it('is required, with a pod', () => {
      expect(problems({ github: { repositories: [{}] } })).toEqual([
        'github.repositories[0].repository: required',
        'github.repositories[0].pod: required',
      ]);
    });

    it('must be unique, ignoring case as GitHub does', () => {
      expect(
        problems(
          mapping([{ repository: 'acme/api' }, { repository: 'acme/web' }, { repository: 'ACME/Api' }]),
        ),
      ).toEqual([
        'github.repositories[2].repository: duplicate repository "ACME/Api" (already mapped at github.repositories[0]; GitHub ignores case)',
      ]);
    });
  });

  describe('repositories[].pod', () => {
    it('must be a pod slug', () => {
      expect(problems(mapping([{ pod: 'Ratio' }]))).toEqual([
        'github.repositories[0].pod: must be lowercase kebab-case (letters, digits and single hyphens)',
      ]);
      expect(problems(mapping([{ pod: 'r' }]))).toEqual([
        'github.repositories[0].pod: must be at least 2 characters',
      ]);
    });

    it('may be any pod when the file declares none (pods created through the API)', () => {
      expect(problems(mapping([{ pod: 'ratio' }]))).toEqual([]);
      expect(problems(mapping([{ pod: 'ratio' }], { pods: [] }))).toEqual([]);
    });

    it('must be one of the pods the file declares, if it declares any', () => {
      expect(problems(mapping([{ pod: 'payments' }], { pods: [pod('payments'), pod('search')] }))).toEqual(
        [],
      );
      expect(
        problems(
          mapping(
            [
              { repository: 'acme/a', pod: 'payments' },
              { repository: 'acme/b', pod: 'ratio' },
            ],
            {
              pods: [pod('payments'), pod('search')],
            },
          ),
        ),
      ).toEqual([
        'github.repositories[1].pod: unknown pod "ratio": this file declares pods (payments, search), so it must declare every pod it maps',
      ]);
    });
  });

  describe('repositories[].project and requireStage', () => {
    it('takes a project key of 2–40 lowercase characters, starting with a letter', () => {
      for (const project of ['pa', 'payments', 'payments-v2', `p${'a'.repeat(39)}`])
        expect(problems(mapping([{ project }])), project).toEqual([]);
      const form =
        'github.repositories[0].project: must be a project key: lowercase letters, digits and single hyphens, starting with a letter';
      for (const project of ['Payments', '2fa', 'pay--ments', 'payments-', 'pay_ments'])
        expect(problems(mapping([{ project }])), project).toEqual([form]);
      expect(problems(mapping([{ project: 'p' }]))).toEqual([
        'github.repositories[0].project: must be at least 2 characters',
      ]);
      expect(problems(mapping([{ project: `p${'a'.repeat(40)}` }]))).toEqual([
        'github.repositories[0].project: must be at most 40 characters',
      ]);
    });

    it('requires requireStage to be a configured stage', () => {
      expect(problems(mapping([{ project: 'payments', requireStage: 'validate' }]))).toEqual([]);
      expect(problems(mapping([{ project: 'payments', requireStage: 'qa' }]))).toEqual([
        'github.repositories[0].requireStage: unknown stage "qa" (stages: inception, discovery, build, validate, shipping)',
      ]);
      const stages = [
        { name: 'proposed' },
        { name: 'qa', gate: { evidence: { type: 'object' }, approvals: { count: 0 } } },
      ];
      expect(problems(mapping([{ project: 'payments', requireStage: 'qa' }], { stages }))).toEqual([]);
      expect(problems(mapping([{ project: 'payments', requireStage: 'build' }], { stages }))).toEqual([
        'github.repositories[0].requireStage: unknown stage "build" (stages: proposed, qa)',
      ]);
    });

    it('requires a project when requireStage is given', () => {
      expect(problems(mapping([{ requireStage: 'build' }]))).toEqual([
        'github.repositories[0].requireStage: needs project: a stage is reached by a project, so name the project (its key) whose stage this repository waits for',
      ]);
    });
  });

  describe('pullRequests.itemType', () => {
    it('must be a declared WIP item type once a repository is mapped', () => {
      expect(
        problems(mapping([{}], { github: { ...mapping([{}]).github, pullRequests: { itemType: 'pr' } } })),
      ).toEqual([
        'github.pullRequests.itemType: unknown item type "pr": declare it in wip.types (declared: project, pull-request, idea)',
      ]);
      const wip = { types: [{ name: 'project', defaultLimit: 3 }] };
      expect(problems(mapping([{}], { wip }))).toEqual([
        'github.pullRequests.itemType: unknown item type "pull-request": declare it in wip.types (declared: project)',
      ]);
    });

    it('is not checked while no repository is mapped (a file without pull-request items is valid)', () => {
      expect(problems({ wip: { types: [{ name: 'project', defaultLimit: 3 }] } })).toEqual([]);
    });
  });

  describe('reconcileMinutes', () => {
    it('is a whole number of minutes from 0 (only at start) to 1440', () => {
      expect(parsedGithub({ github: { reconcileMinutes: 0 } }).reconcileMinutes).toBe(0);
      expect(parsedGithub({ github: { reconcileMinutes: 1440 } }).reconcileMinutes).toBe(1440);
      expect(problems({ github: { reconcileMinutes: 1441 } })).toEqual([
        'github.reconcileMinutes: must be 0–1440 (0: only at start)',
      ]);
      expect(problems({ github: { reconcileMinutes: -1 } })).toEqual([
        'github.reconcileMinutes: must be 0–1440 (0: only at start)',
      ]);
      expect(problems({ github: { reconcileMinutes: 2.5 } })).toEqual([
        'github.reconcileMinutes: must be an integer',
      ]);
    });
  });

  describe('deployments.workflowRuns', () => {
    it('lists non-empty, unique workflow names', () => {
      expect(
        problems({ github: { deployments: { workflowRuns: ['deploy', ' ', 'Deploy', 'deploy', 7] } } }),
      ).toEqual([
        'github.deployments.workflowRuns[1]: must not be empty',
        'github.deployments.workflowRuns[4]: Invalid input: expected string, received number',
        'github.deployments.workflowRuns[3]: duplicate workflow name "deploy" (already used at github.deployments.workflowRuns[0])',
      ]);
    });
  });

  describe('evidencePath', () => {
    it('is a folder relative to the repository root, stored without "./" or a trailing "/"', () => {
      expect(parsedGithub({ github: { evidencePath: 'ops/evidence' } }).evidencePath).toBe('ops/evidence');
      expect(parsedGithub({ github: { evidencePath: './ops/evidence/' } }).evidencePath).toBe('ops/evidence');
      expect(parsedGithub({ github: { evidencePath: '.github/clos' } }).evidencePath).toBe('.github/clos');
    });

    it('refuses absolute paths, "..", backslashes and empty or "." segments', () => {
      const refused: [string, string][] = [
        ['', 'must not be empty (the repository root is not allowed)'],
        ['./', 'must not be empty (the repository root is not allowed)'],
        ['/etc/clos', 'must be relative to the repository root'],
        ['C:/clos', 'must be relative to the repository root'],
        ['..', 'must not contain ".." (it would leave the repository)'],
        ['evidence/../../x', 'must not contain ".." (it would leave the repository)'],
        ['ops\\evidence', 'must use "/" between folders'],
        ['ops//evidence', 'must not contain empty or "." segments'],
        ['ops/./evidence', 'must not contain empty or "." segments'],
      ];
      for (const [evidencePath, message] of refused)
        expect(problems({ github: { evidencePath } }), evidencePath).toEqual([
          `github.evidencePath: ${message}`,
        ]);
    });
  });

  it('still checks references when other parts of the file are malformed', () => {
    expect(
      problems({
        ideas: { minEvaluations: 0 },
        pods: [pod('payments'), { slug: 'Search' }],
        ...mapping([{ pod: 'ratio', project: 'payments', requireStage: 'qa' }]),
      }),
    ).toEqual([
      'ideas.minEvaluations: must be ≥ 1',
      'pods[1].slug: must be lowercase kebab-case (letters, digits and single hyphens)',
      'pods[1].name: required',
      'pods[1].timezone: required',
      'github.repositories[0].pod: unknown pod "ratio": this file declares pods (payments, Search), so it must declare every pod it maps',
      'github.repositories[0].requireStage: unknown stage "qa" (stages: inception, discovery, build, validate, shipping)',
    ]);
  });
});
