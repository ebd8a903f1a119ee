import { describe, expect, it } from 'vitest';
import {
  gateCheck,
  mappingFor,
  parsePullRequestItem,
  pullRequestItem,
  readGitHubSettings,
  wipCheck,
} from '../src/index.ts';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n';

describe('readGitHubSettings', () => {
  it('is off when no variable is set', () => {
    expect(readGitHubSettings({})).toBeNull();
    expect(readGitHubSettings({ CLOS_GITHUB_API_URL: 'https://ghe.example.com/api/v3' })).toBeNull();
  });

  it('reads the key from the environment (with \\n escapes) or a file, and trims the API URL', () => {
    const env = {
      CLOS_GITHUB_APP_ID: '4242',
      CLOS_GITHUB_PRIVATE_KEY: PEM.replaceAll('\n', '\\n'),
      CLOS_GITHUB_WEBHOOK_SECRET: 's3cret',
      CLOS_GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
    };
    expect(readGitHubSettings(env)).toEqual({
      appId: '4242',
      privateKey: PEM,
      webhookSecret: 's3cret',
      apiUrl: 'https://ghe.example.com/api/v3',
    });
    const fromFile = readGitHubSettings(
      {
        CLOS_GITHUB_APP_ID: '1',
        CLOS_GITHUB_PRIVATE_KEY_FILE: '/keys/app.pem',
        CLOS_GITHUB_WEBHOOK_SECRET: 'x',
      },
      (path) => (path === '/keys/app.pem' ? PEM : ''),
    );
    expect(fromFile).toMatchObject({ privateKey: PEM, apiUrl: 'https://api.github.com' });
  });

  it('refuses a half configuration, naming every problem', () => {
    expect(() => readGitHubSettings({ CLOS_GITHUB_WEBHOOK_SECRET: 'x' })).toThrow(
      'the GitHub App is half configured: CLOS_GITHUB_APP_ID is not set; CLOS_GITHUB_PRIVATE_KEY (or CLOS_GITHUB_PRIVATE_KEY_FILE) is not set',
    );
    expect(() =>
      readGitHubSettings({
        CLOS_GITHUB_APP_ID: 'my-app',
        CLOS_GITHUB_PRIVATE_KEY: 'not a key',
        CLOS_GITHUB_WEBHOOK_SECRET: 'x',
        CLOS_GITHUB_API_URL: 'ftp://example.com',
      }),
    ).toThrow(/numeric id.*not a PEM private key.*must be an http\(s\) URL/);
    expect(() =>
      readGitHubSettings(
        {
          CLOS_GITHUB_APP_ID: '1',
          CLOS_GITHUB_PRIVATE_KEY_FILE: '/missing.pem',
          CLOS_GITHUB_WEBHOOK_SECRET: 'x',
        },
        () => {
          throw new Error('ENOENT');
        },
      ),
    ).toThrow('CLOS_GITHUB_PRIVATE_KEY_FILE /missing.pem cannot be read: ENOENT');
  });
});

describe('pull request items and mappings', () => {
  it('names a pull request the same whatever the case GitHub sends', () => {
    expect(pullRequestItem('Acme/Payments-API', 12)).toBe('github:acme/payments-api#12');
    expect(parsePullRequestItem('github:acme/payments-api#12')).toEqual({
      repository: 'acme/payments-api',
      number: 12,
    });
    expect(parsePullRequestItem('PAY-12')).toBeNull();
    const policy = {
      repositories: [{ repository: 'Acme/Payments-API', pod: 'ratio' }],
      pullRequests: { countDrafts: false, itemType: 'pull-request' },
      reconcileMinutes: 5,
      deployments: { workflowRuns: [] },
      evidencePath: '.clos/evidence',
    };
    expect(mappingFor(policy, 'acme/payments-api')?.pod).toBe('ratio');
    expect(mappingFor(policy, 'acme/other')).toBeNull();
  });
});

describe('the clos/wip check text', () => {
  it('says which slot a pull request holds', () => {
    expect(
      wipCheck({ state: 'held', pod: 'ratio', itemType: 'pull-request', used: 2, limit: 3, position: 2 }),
    ).toEqual({
      conclusion: 'success',
      title: 'WIP slot 2 of 3 in ratio',
      summary:
        "This pull request holds one of ratio's 3 pull-request slots (2 in use). Merging or closing it frees the slot for the next one in line.",
    });
  });

  it('fails a waiting pull request with its place in line and the holders, linked', () => {
    const check = wipCheck({
      state: 'queued',
      pod: 'ratio',
      itemType: 'pull-request',
      used: 3,
      limit: 3,
      position: 2,
      holders: [
        {
          itemId: 'github:acme/api#1',
          label: 'Faster checkout (@ana)',
          url: 'https://github.com/acme/api/pull/1',
        },
        { itemId: 'PAY-7', label: null, url: null },
      ],
    });
    expect(check.conclusion).toBe('failure');
    expect(check.title).toBe('Waiting for a WIP slot in ratio: #2 in line');
    expect(check.summary).toContain(
      '- [Faster checkout (@ana)](https://github.com/acme/api/pull/1)\n- PAY-7',
    );
  });

  it('is neutral for drafts and for a pod CLOS does not know', () => {
    expect(wipCheck({ state: 'draft', pod: 'ratio' }).conclusion).toBe('neutral');
    expect(wipCheck({ state: 'no_pod', pod: 'ghost' })).toMatchObject({
      conclusion: 'neutral',
      title: 'Pod ghost does not exist',
    });
  });
});

describe('the clos/gate check text', () => {
  it('fails a project behind its required stage, naming the stages to go and what the next gate needs', () => {
    const check = gateCheck({
      state: 'behind',
      project: 'payments',
      stage: 'inception',
      requireStage: 'build',
      stagesToGo: ['discovery', 'build'],
      unmet: ['evidence field "owner" is missing'],
    });
    expect(check).toEqual({
      conclusion: 'failure',
      title: 'payments is in inception; code merges from build',
      summary:
        'Project payments must reach build before code for it merges. Stages still to pass: discovery → build.\n\nThe gate into discovery still needs:\n- evidence field "owner" is missing',
    });
  });

  it('passes an open project, fails a blocked or closed one, and is neutral for an unknown key', () => {
    expect(
      gateCheck({ state: 'open', project: 'payments', stage: 'build', requireStage: 'build' }),
    ).toMatchObject({
      conclusion: 'success',
      title: 'payments is in build (code merges from build)',
    });
    expect(gateCheck({ state: 'blocked', project: 'p', stage: 'build', reason: 'vendor' }).conclusion).toBe(
      'failure',
    );
    expect(gateCheck({ state: 'closed', project: 'p', outcome: 'shipped' }).title).toBe(
      'p is closed (shipped)',
    );
    expect(gateCheck({ state: 'no_project', project: 'nope' }).conclusion).toBe('neutral');
  });
});
