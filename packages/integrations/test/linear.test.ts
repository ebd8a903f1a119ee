import { createHmac } from 'node:crypto';
import { defaultPolicy, startFakeLinear } from '@clos/testing';
import { describe, expect, it } from 'vitest';
import {
  configureIntegrations,
  createLinearApi,
  deterministicUuid,
  INTEGRATIONS,
  issueDeliveryOf,
  LINEAR_DEFAULT_API_URL,
  linearIds,
  linearWebhookRoute,
  projectLinks,
  rateLimitResetAt,
  readLinearSettings,
  renderIssue,
} from '../src/index.ts';

describe('readLinearSettings', () => {
  it('is off without secrets and stops on half a configuration, naming what is missing', () => {
    expect(readLinearSettings({})).toBeNull();
    expect(() => readLinearSettings({ CLOS_LINEAR_API_KEY: 'lin_api_x' })).toThrow(
      /half configured: CLOS_LINEAR_WEBHOOK_SECRET is not set/,
    );
    expect(() => readLinearSettings({ CLOS_LINEAR_WEBHOOK_SECRET: 's' })).toThrow(
      /CLOS_LINEAR_API_KEY is not set/,
    );
    expect(() =>
      readLinearSettings({
        CLOS_LINEAR_API_KEY: 'k',
        CLOS_LINEAR_WEBHOOK_SECRET: 's',
        CLOS_LINEAR_API_URL: 'ftp://x',
      }),
    ).toThrow(/CLOS_LINEAR_API_URL must be an http\(s\) URL/);
  });

  // Settings only: nothing here calls Linear (the server tests point the SDK at the local fake).
  it('defaults to Linear’s endpoint and reads the public URL for links', () => {
    expect(readLinearSettings({ CLOS_LINEAR_API_KEY: ' k ', CLOS_LINEAR_WEBHOOK_SECRET: 's' })).toEqual({
      apiKey: 'k',
      webhookSecret: 's',
      apiUrl: LINEAR_DEFAULT_API_URL,
      publicUrl: null,
    });
    expect(
      readLinearSettings({
        CLOS_LINEAR_API_KEY: 'k',
        CLOS_LINEAR_WEBHOOK_SECRET: 's',
        CLOS_LINEAR_API_URL: 'http://127.0.0.1:9/graphql',
        CLOS_PUBLIC_URL: 'https://clos.example.com/',
      }),
    ).toMatchObject({ apiUrl: 'http://127.0.0.1:9/graphql', publicUrl: 'https://clos.example.com' });
  });
});

describe('templates and ids', () => {
  it('fills the placeholders, and says so when there is no public URL for links', () => {
    const template = {
      title: 'Interview users of {project} ({pod})',
      description: 'See {gateUrl} — {stage}',
      labels: [],
    };
    const linked = renderIssue(template, {
      project: 'Alpha',
      pod: 'ratio',
      stage: 'discovery',
      ...projectLinks('https://clos.example.com', 'alpha'),
    });
    expect(linked.title).toBe('Interview users of Alpha (ratio)');
    expect(linked.description).toContain('See https://clos.example.com/projects/alpha#gate — discovery');
    const unlinked = renderIssue(template, {
      project: 'Alpha',
      pod: 'ratio',
      stage: 'discovery',
      ...projectLinks(null, 'alpha'),
    });
    expect(unlinked.description).toContain('(no link: CLOS_PUBLIC_URL is not set)');
  });

  it('derives the same UUID from the same name, and different ones otherwise', () => {
    expect(linearIds.issue('p', 'discovery', 0)).toBe(linearIds.issue('p', 'discovery', 0));
    expect(linearIds.issue('p', 'discovery', 0)).not.toBe(linearIds.issue('p', 'discovery', 1));
    expect(deterministicUuid('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('the webhook route', () => {
  const secret = 'whsec';
  const now = 1_760_000_000_000;
  const route = linearWebhookRoute({ webhookSecret: secret }, { now: () => now });
  const sign = (body: string) => createHmac('sha256', secret).update(body).digest('hex');
  const body = (timestamp: number) =>
    Buffer.from(JSON.stringify({ type: 'Issue', action: 'update', data: {}, webhookTimestamp: timestamp }));

  it('accepts a signed body stamped within 60 s, and refuses the rest', async () => {
    const ok = body(now - 59_000);
    expect(await route.verify(ok, { 'linear-signature': sign(ok.toString()) })).toEqual({ ok: true });
    const stale = body(now - 61_000);
    expect(await route.verify(stale, { 'linear-signature': sign(stale.toString()) })).toMatchObject({
      ok: false,
    });
    const future = body(now + 61_000);
    expect(await route.verify(future, { 'linear-signature': sign(future.toString()) })).toMatchObject({
      ok: false,
    });
    expect(await route.verify(ok, { 'linear-signature': 'ab'.repeat(32) })).toMatchObject({ ok: false });
    expect(await route.verify(ok, {})).toMatchObject({ ok: false, reason: 'Linear-Signature is missing' });
  });

  it('reads an Issue event, naming what is wrong with a bad one', () => {
    expect(issueDeliveryOf({ action: 'remove', data: { id: 'i1', projectId: 'p1' } }, 'd')).toEqual({
      deliveryId: 'd',
      action: 'remove',
      issueId: 'i1',
      projectId: 'p1',
      issue: null,
    });
    expect(
      issueDeliveryOf({ action: 'update', data: { id: 'i1', state: { type: 'done', name: 'x' } } }, 'd'),
    ).toMatch(/^body\.data\.state\.type: must be one of/);
    expect(issueDeliveryOf({ action: 'move', data: { id: 'i1' } }, 'd')).toBe(
      'body.action: must be create, update or remove',
    );
  });
});

describe('the Linear API client over the fake', () => {
  it('creates once per id, reads back what exists, and recognises the rate limit', async () => {
    const fake = await startFakeLinear({ apiKeys: ['lin_api_test'] });
    try {
      const api = createLinearApi({ apiKey: 'lin_api_test', apiUrl: fake.url });
      const team = (await api.teamByKey('RAT'))!;
      expect(team.key).toBe('RAT');
      expect(await api.teamByKey('NOPE')).toBeNull();
      const id = linearIds.project('p1');
      const project = await api.ensureProject({ id, name: 'Alpha', description: 'd', teamId: team.id });
      expect(await api.ensureProject({ id, name: 'Alpha', description: 'd', teamId: team.id })).toEqual(
        project,
      );
      expect(await api.teamProjects(team.id)).toEqual([{ ...project, state: 'planned' }]);
      const label = await api.ensureLabel(team.id, 'discovery');
      expect(await api.ensureLabel(team.id, 'Discovery')).toBe(label);
      const input = {
        id: linearIds.issue('p1', 'discovery', 0),
        teamId: team.id,
        projectId: project.id,
        title: 'T',
        labelIds: [label],
      };
      const issue = await api.ensureIssue(input);
      expect(await api.ensureIssue(input)).toEqual(issue);
      expect(issue).toMatchObject({ stateType: 'backlog', stateName: 'Backlog', projectId: project.id });
      fake.setIssueState(issue.identifier, 'completed');
      expect((await api.projectIssues(project.id)).map((i) => i.stateType)).toEqual(['completed']);
      const note = {
        id: linearIds.note('e1'),
        projectId: project.id,
        body: 'blocked',
        health: 'atRisk' as const,
      };
      await api.postProjectUpdate(note);
      await api.postProjectUpdate(note);
      expect(fake.projectUpdates(project.id)).toHaveLength(1);
      expect(fake.mutations().map((m) => `${m.name}:${m.ok}`)).toEqual([
        'projectCreate:true',
        'projectCreate:false',
        'issueLabelCreate:true',
        'issueCreate:true',
        'issueCreate:false',
        'projectUpdateCreate:true',
        'projectUpdateCreate:false',
      ]);
      const nowMs = Date.now();
      fake.rateLimitNext(1, { resetInSeconds: 30, now: () => nowMs });
      const error = await api.teamByKey('RAT').catch((e: unknown) => e);
      expect(rateLimitResetAt(error, nowMs)).toEqual(new Date(nowMs + 30_000));
      expect(rateLimitResetAt(new Error('other'), nowMs)).toBeNull();
      const wrongKey = createLinearApi({ apiKey: 'lin_api_wrong', apiUrl: fake.url });
      await expect(wrongKey.teamByKey('RAT')).rejects.toThrow(/Authentication/);
    } finally {
      await fake.close();
    }
  });
});

describe('the integration in the registry', () => {
  const policy = defaultPolicy({ linear: { teams: { ratio: 'rat' } } });
  const silent = { info() {}, warn() {}, error() {} };

  it('is off without its variables, mounts its webhook with them, and stops start-up half configured', async () => {
    const off = await configureIntegrations(INTEGRATIONS, { policy, env: {}, logger: silent });
    expect(off.names).not.toContain('linear');
    const on = await configureIntegrations(INTEGRATIONS, {
      policy,
      env: { CLOS_LINEAR_API_KEY: 'lin_api_x', CLOS_LINEAR_WEBHOOK_SECRET: 's' },
      logger: silent,
    });
    expect(on.names).toContain('linear');
    expect(on.routes.map((r) => r.url)).toContain('/api/v1/integrations/linear/webhook');
    expect(Object.keys(on.status)).toContain('linear');
    await expect(
      configureIntegrations(INTEGRATIONS, { policy, env: { CLOS_LINEAR_API_KEY: 'k' }, logger: silent }),
    ).rejects.toThrow(/CLOS_LINEAR_WEBHOOK_SECRET is not set/);
    // Team keys are Linear's, upper case.
    expect(policy.linear.teams).toEqual({ ratio: 'RAT' });
  });
});
