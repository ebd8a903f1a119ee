// @vitest-environment happy-dom

import { ClosApiError } from '@clos/contract/client';
import { ideaScore, weightedScore } from '@clos/core';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  completeScores,
  ideaBlockers,
  initialScores,
  liveScore,
  projectedIdeaScore,
  sortIdeas,
  unscored,
} from '../src/lib/ideas.ts';
import type { PolicyView } from '../src/lib/policy.ts';
import { IdeaDetail } from '../src/views/idea.tsx';
import { Ideas } from '../src/views/ideas.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

afterEach(cleanup);

const ME = '00000000-0000-4000-8000-000000000001';
const BO = '00000000-0000-4000-8000-000000000002';
const IDEA = '00000000-0000-4000-8000-0000000000d1';
const POD = '00000000-0000-4000-8000-0000000000a1';

// The default criteria of clos.config.yaml.
const rules: PolicyView['ideas'] = {
  criteria: [
    { key: 'impact', label: 'Impact', weight: 3 },
    { key: 'confidence', label: 'Confidence', weight: 2 },
    { key: 'ease', label: 'Ease (the inverse of effort)', weight: 1 },
    { key: 'strategic-fit', label: 'Strategic fit', weight: 2 },
  ],
  minEvaluations: 2,
  promotionThreshold: 3.5,
};
const policy: PolicyView = {
  stages: [{ name: 'discovery', description: null, gate: null }],
  wip: { types: [{ name: 'project', defaultLimit: 3 }] },
  ideas: rules,
};

describe('scoring (the server’s rule)', () => {
  it('scores live exactly as the server stores an evaluation', () => {
    const examples: [Record<string, number>, number][] = [
      [{ impact: 5, confidence: 4, ease: 3, 'strategic-fit': 4 }, 4.25],
      [{ impact: 0, confidence: 0, ease: 0, 'strategic-fit': 0 }, 0],
      [{ impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 }, 5],
      // (3·2.5 + 2·3.5 + 1·0.5 + 2·1) / 8 = 17 / 8 = 2.125 → 2.13 (half up, on the decimal value)
      [{ impact: 2.5, confidence: 3.5, ease: 0.5, 'strategic-fit': 1 }, 2.13],
      // (3·1 + 2·2 + 1·4.5 + 2·3) / 8 = 17.5 / 8 = 2.1875 → 2.19
      [{ impact: 1, confidence: 2, ease: 4.5, 'strategic-fit': 3 }, 2.19],
    ];
    for (const [scores, expected] of examples) {
      expect(liveScore(rules, scores)).toBe(expected);
      expect(liveScore(rules, scores)).toBe(weightedScore(rules, scores));
    }
  });

  it('projects the idea’s score with the caller’s evaluation replacing their earlier one', () => {
    const a = { impact: 5, confidence: 4, ease: 3, 'strategic-fit': 4 };
    const b = { impact: 1, confidence: 1, ease: 1, 'strategic-fit': 1 };
    const mine = { impact: 3, confidence: 3, ease: 3, 'strategic-fit': 3 };
    const evaluations = [
      { evaluatorId: BO, scores: a },
      { evaluatorId: ME, scores: b },
    ];
    expect(projectedIdeaScore(rules, evaluations, ME, mine)).toEqual({
      score: ideaScore(rules, [a, mine]),
      count: 2,
    });
    expect(projectedIdeaScore(rules, evaluations, null, mine).count).toBe(3);
    expect(initialScores(rules, evaluations, ME)).toEqual(b);
    // A first evaluation starts unset, not at 0: nobody judged the idea worth nothing.
    const fresh = initialScores(rules, evaluations, 'someone');
    expect(fresh).toEqual({ impact: null, confidence: null, ease: null, 'strategic-fit': null });
    expect(completeScores(rules, fresh)).toBeNull();
    expect(unscored(rules, { ...fresh, impact: 0 })).toEqual([
      'Confidence',
      'Ease (the inverse of effort)',
      'Strategic fit',
    ]);
    expect(completeScores(rules, { ...mine })).toEqual(mine);
  });

  it('sorts ideas by score with the unevaluated last, or by evaluations', () => {
    const ideas = [
      { id: 'a', score: null, evaluations: 0 },
      { id: 'b', score: 2, evaluations: 3 },
      { id: 'c', score: 4.5, evaluations: 1 },
      { id: 'd', score: 0, evaluations: 1 },
    ];
    expect(sortIdeas(ideas, 'score').map((i) => i.id)).toEqual(['c', 'b', 'd', 'a']);
    expect(sortIdeas(ideas, 'evaluations').map((i) => i.id)).toEqual(['b', 'c', 'd', 'a']);
    expect(sortIdeas(ideas, 'newest').map((i) => i.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('names what keeps an idea from promotion', () => {
    expect(ideaBlockers(rules, 1, 4)).toEqual(['needs 2 evaluations, has 1']);
    expect(ideaBlockers(rules, 2, 3)).toEqual(['score 3 is below the promotion threshold 3.5']);
    expect(ideaBlockers(rules, 2, 3.5)).toEqual([]);
  });
});

const pipeline = {
  byStatus: { pending: 2, promoted: 1, archived: 0 },
  ideas: [
    {
      id: IDEA,
      title: 'Dark mode',
      status: 'pending' as const,
      score: 4.25,
      evaluations: 2,
      createdAt: '2026-03-02T09:00:00.000Z',
      projectId: null,
    },
    {
      id: '00000000-0000-4000-8000-0000000000d2',
      title: 'Offline sync',
      status: 'pending' as const,
      score: null,
      evaluations: 0,
      createdAt: '2026-03-01T09:00:00.000Z',
      projectId: null,
    },
    {
      id: '00000000-0000-4000-8000-0000000000d3',
      title: 'SSO',
      status: 'promoted' as const,
      score: 4,
      evaluations: 3,
      createdAt: '2026-02-01T09:00:00.000Z',
      projectId: '00000000-0000-4000-8000-0000000000b1',
    },
  ],
};

describe('Ideas view', () => {
  it('lists ideas by status with scores and links, and submits a new one', async () => {
    const submitted: unknown[] = [];
    const client = fakeClient({
      getDashboardIdeas: async () => pipeline,
      getPolicy: async () => policy,
      submitIdea: async (input: unknown) => {
        submitted.push(input);
        return { id: IDEA } as never;
      },
      listPods: async () => ({
        items: [
          { id: POD, slug: 'ratio', name: 'Ratio', timezone: 'UTC', createdAt: '2026-01-01T00:00:00.000Z' },
        ],
        nextCursor: null,
      }),
    });
    renderView(<Ideas />, { client, url: '/ideas', path: '/ideas' });
    expect(screen.getByRole('heading', { level: 1, name: 'Ideas' })).toBeTruthy();
    const link = await screen.findByRole('link', { name: 'Dark mode' });
    expect(link.getAttribute('href')).toBe(`/ideas/${IDEA}`);
    const row = link.closest('tr')!;
    expect(within(row).getByText('4.25')).toBeTruthy();
    expect(await within(row).findByText('ready to promote')).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Submitted (2)', selected: true })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'SSO' })).toBeNull();

    // Sorted by score, the unevaluated idea goes last; the sort is kept in the URL with the tab.
    const titles = () =>
      within(screen.getByRole('table'))
        .getAllByRole('row')
        .slice(1)
        .map((r) => within(r).getAllByRole('link')[0]!.textContent);
    expect(titles()).toEqual(['Dark mode', 'Offline sync']);
    fireEvent.change(screen.getByLabelText('Sort ideas'), { target: { value: 'score' } });
    expect(titles()).toEqual(['Dark mode', 'Offline sync']);
    expect(screen.getByRole('columnheader', { name: 'Score' }).getAttribute('aria-sort')).toBe('descending');

    fireEvent.click(screen.getByRole('tab', { name: 'Promoted (1)' }));
    expect(await screen.findByRole('link', { name: 'SSO' })).toBeTruthy();
    expect((screen.getByLabelText('Sort ideas') as HTMLSelectElement).value).toBe('score');
    // A promoted idea links to the project it became.
    expect(screen.getByRole('link', { name: '→ its project (SSO)' }).getAttribute('href')).toBe(
      '/projects/00000000-0000-4000-8000-0000000000b1',
    );
    fireEvent.keyDown(screen.getByRole('tab', { name: 'Promoted (1)' }), { key: 'ArrowRight' });
    expect(await screen.findByText('No archived ideas.')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Title'), { target: { value: 'Faster builds' } });
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'Cache deps' } });
    // Submitted for a pod, the idea will hold one of the pod's idea WIP slots.
    const podSelect = screen.getByLabelText('For a pod to evaluate (optional)');
    await within(podSelect).findByRole('option', { name: /Ratio/ });
    fireEvent.change(podSelect, { target: { value: 'ratio' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit idea' }));
    await vi.waitFor(() =>
      expect(submitted).toEqual([
        { body: { title: 'Faster builds', description: 'Cache deps', pod: 'ratio' } },
      ]),
    );
  });

  it('hides the form from viewers', async () => {
    renderView(<Ideas />, {
      client: fakeClient({ getDashboardIdeas: async () => pipeline, getPolicy: async () => policy }),
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
      url: '/ideas',
    });
    await screen.findByRole('link', { name: 'Dark mode' });
    expect(screen.queryByLabelText('Title')).toBeNull();
  });
});

const idea = {
  id: IDEA,
  title: 'Dark mode',
  description: 'Follow the system scheme',
  submittedBy: BO,
  evaluationScore: 4.25,
  evaluationCount: 1,
  status: 'pending' as const,
  promotedToProjectId: null,
  archivedReason: null,
  createdAt: '2026-03-02T09:00:00.000Z',
  updatedAt: '2026-03-02T09:00:00.000Z',
  evaluations: [
    {
      id: '00000000-0000-4000-8000-0000000000e1',
      ideaId: IDEA,
      evaluatorId: BO,
      scores: { impact: 5, confidence: 4, ease: 3, 'strategic-fit': 4 },
      score: 4.25,
      comment: 'Yes please',
      createdAt: '2026-03-02T10:00:00.000Z',
    },
  ],
};

describe('Idea page', () => {
  it('shows the weighted score live as sliders move, and submits the evaluation', async () => {
    const evaluated: unknown[] = [];
    const client = fakeClient({
      getIdea: async () => idea,
      getPolicy: async () => policy,
      listPods: async () => ({ items: [], nextCursor: null }),
      listUsers: async () => ({ items: [], nextCursor: null }),
      evaluateIdea: async (input: { body: { scores: Record<string, number> } }) => {
        evaluated.push(input);
        return {
          idea,
          evaluation: { ...idea.evaluations[0]!, score: weightedScore(rules, input.body.scores) },
        };
      },
    });
    renderView(<IdeaDetail />, { client, url: `/ideas/${IDEA}`, path: '/ideas/:id' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Dark mode' })).toBeTruthy();
    expect(await screen.findByText('needs 2 evaluations, has 1')).toBeTruthy();
    expect(screen.getByText('Yes please')).toBeTruthy();

    // Every slider starts unset, and Submit waits until each criterion has a score.
    const live = await screen.findByTestId('live-score');
    expect(live.textContent).toBe('—');
    const submit = screen.getByRole('button', { name: 'Submit evaluation' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    expect(screen.getAllByText('not scored')).toHaveLength(4);
    const impact = screen.getByLabelText('Impact') as HTMLInputElement;
    expect(impact.type).toBe('range');
    expect(impact.getAttribute('aria-valuetext')).toBe('not scored');
    expect([impact.min, impact.max, impact.step]).toEqual(['0', '5', '0.5']);
    fireEvent.change(impact, { target: { value: '4' } });
    expect(impact.getAttribute('aria-valuetext')).toBeNull();
    expect(live.textContent).toBe('—');
    fireEvent.change(screen.getByLabelText('Confidence'), { target: { value: '3.5' } });
    fireEvent.change(screen.getByLabelText('Ease (the inverse of effort)'), { target: { value: '2' } });
    expect(screen.getByText(/Strategic fit is not scored yet/)).toBeTruthy();
    expect(submit.disabled).toBe(true);
    // Clicking an unset slider where its thumb sits scores that value too.
    const fit = screen.getByLabelText('Strategic fit') as HTMLInputElement;
    fit.value = '5';
    fireEvent.click(fit);
    expect(submit.disabled).toBe(false);
    const scores = { impact: 4, confidence: 3.5, ease: 2, 'strategic-fit': 5 };
    expect(live.textContent).toBe(weightedScore(rules, scores).toFixed(2));
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Worth it' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit evaluation' }));
    await vi.waitFor(() =>
      expect(evaluated).toEqual([{ params: { id: IDEA }, body: { scores, comment: 'Worth it' } }]),
    );
    expect(await screen.findByText(/Evaluation saved/)).toBeTruthy();
  });

  it('explains a refused promotion: the full pod and who holds it', async () => {
    const promoted: unknown[] = [];
    const client = fakeClient({
      getIdea: async () => ({ ...idea, evaluationCount: 2 }),
      getPolicy: async () => policy,
      listUsers: async () => ({ items: [], nextCursor: null }),
      listPods: async () => ({
        items: [
          { id: POD, slug: 'ratio', name: 'Ratio', timezone: 'UTC', createdAt: '2026-01-01T00:00:00.000Z' },
        ],
        nextCursor: null,
      }),
      getDashboardGates: async () => ({
        items: [{ projectId: '00000000-0000-4000-8000-0000000000c1', name: 'Checkout revamp' }],
      }),
      promoteIdea: async (input: unknown) => {
        promoted.push(input);
        throw new ClosApiError({
          status: 409,
          code: 'wip_limit_exceeded',
          message: 'ratio has 3/3 project in progress',
          details: {
            pod: 'ratio',
            itemType: 'project',
            limit: 3,
            used: 3,
            holders: [
              {
                lockId: '00000000-0000-4000-8000-00000000f001',
                itemId: '00000000-0000-4000-8000-0000000000c1',
                acquiredBy: ME,
                acquiredAt: '2026-03-02T09:00:00.000Z',
                label: null,
                url: null,
              },
            ],
          },
          requestId: 'r1',
          route: 'promoteIdea',
        });
      },
    });
    renderView(<IdeaDetail />, { client, url: `/ideas/${IDEA}`, path: '/ideas/:id' });
    expect(await screen.findByText('Ready to promote.')).toBeTruthy();
    const select = (await screen.findByLabelText('Pod')) as HTMLSelectElement;
    expect(select.value).toBe('ratio');
    fireEvent.click(screen.getByRole('button', { name: 'Promote' }));
    const alert = await screen.findByRole('alert');
    expect(promoted).toEqual([{ params: { id: IDEA }, body: { pod: 'ratio' } }]);
    expect(alert.textContent).toContain('ratio is full (3/3 project slots)');
    expect(alert.textContent).toContain('ratio has 3/3 project in progress');
    // Holders by name, never a shortened id.
    expect((await within(alert).findByRole('link', { name: 'Checkout revamp' })).getAttribute('href')).toBe(
      '/projects/00000000-0000-4000-8000-0000000000c1',
    );
    expect(alert.textContent).toContain('you');
  });

  it('explains unmet promotion criteria, and archives with a reason', async () => {
    const archived: unknown[] = [];
    const client = fakeClient({
      getIdea: async () => idea,
      getPolicy: async () => policy,
      listUsers: async () => ({ items: [], nextCursor: null }),
      listPods: async () => ({
        items: [
          { id: POD, slug: 'ratio', name: 'Ratio', timezone: 'UTC', createdAt: '2026-01-01T00:00:00.000Z' },
        ],
        nextCursor: null,
      }),
      promoteIdea: async () => {
        throw new ClosApiError({
          status: 422,
          code: 'promotion_criteria_unmet',
          message: 'idea cannot be promoted: needs 2 evaluations, has 1',
          details: {
            blockers: [
              { kind: 'evaluations', required: 2, received: 1, message: 'needs 2 evaluations, has 1' },
            ],
          },
          requestId: 'r2',
          route: 'promoteIdea',
        });
      },
      archiveIdea: async (input: unknown) => {
        archived.push(input);
        return { ...idea, status: 'archived', archivedReason: 'Duplicate' };
      },
    });
    renderView(<IdeaDetail />, { client, url: `/ideas/${IDEA}`, path: '/ideas/:id' });
    fireEvent.click(await screen.findByRole('button', { name: 'Promote' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('does not qualify');
    expect(within(alert).getByText('needs 2 evaluations, has 1')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'Duplicate' } });
    fireEvent.click(screen.getByRole('button', { name: 'Archive' }));
    // Asked once more before it happens.
    expect(archived).toEqual([]);
    fireEvent.click(await screen.findByRole('button', { name: 'Archive idea' }));
    await vi.waitFor(() =>
      expect(archived).toEqual([{ params: { id: IDEA }, body: { reason: 'Duplicate' } }]),
    );
  });

  it('shows no actions to a viewer', async () => {
    renderView(<IdeaDetail />, {
      client: fakeClient({ getIdea: async () => idea, getPolicy: async () => policy }),
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
      url: `/ideas/${IDEA}`,
      path: '/ideas/:id',
    });
    await screen.findByRole('heading', { level: 1, name: 'Dark mode' });
    expect(screen.queryByRole('slider')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Promote' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Archive' })).toBeNull();
  });
});
