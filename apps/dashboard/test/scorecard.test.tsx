// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatChange,
  formatValue,
  metState,
  periodQuery,
  type Scorecard as ScorecardData,
} from '../src/lib/scorecard.ts';
import { Scorecard } from '../src/views/scorecard.tsx';
import { fakeClient, renderView } from './render.tsx';

afterEach(cleanup);

const CARD: ScorecardData = {
  from: '2026-03-02T00:00:00.000Z',
  to: '2026-03-09T00:00:00.000Z',
  previousFrom: '2026-02-23T00:00:00.000Z',
  figures: [
    {
      key: 'availability',
      group: 'technical',
      label: 'API uptime',
      target: { op: '>', value: 99.9, unit: '%', text: '> 99.9 %', on: 'value' },
      value: 99.95,
      previous: 99.5,
      change: 0.5,
      unit: '%',
      met: true,
      how: 'Minutes in which at least one server process passed its self-check.',
      reason: null,
    },
    {
      key: 'stage_cycle_time',
      group: 'business',
      label: 'Stage-gate cycle time',
      target: { op: '<=', value: -50, unit: '%', text: '−50 % (against the previous period)', on: 'change' },
      value: 4.25,
      previous: 3.5,
      change: 21.4,
      unit: 'days',
      met: false,
      how: 'The mean days a project stayed in a stage.',
      reason: null,
      detail: [{ label: 'inception', value: 4, previous: 3.5, unit: 'days' }],
    },
    {
      key: 'slack_commands_per_day',
      group: 'adoption',
      label: 'Slack command usage',
      target: { op: '>', value: 50, unit: 'per day', text: '> 50/day', on: 'value' },
      value: null,
      previous: null,
      change: null,
      unit: 'per day',
      met: null,
      how: 'Slack slash commands handled per day.',
      reason: 'the period is empty',
    },
  ],
};

describe('scorecard words', () => {
  it('formats values with their units and changes with their sign', () => {
    expect(formatValue(99.95, '%')).toBe('99.95 %');
    expect(formatValue(250, 'ms')).toBe('250 ms');
    expect(formatValue(1.5714, 'per day')).toBe('1.571/day');
    expect(formatValue(8.5, 'score (1–10)')).toBe('8.5');
    expect(formatValue(null, '%')).toBe('—');
    expect(formatChange(21.4)).toBe('+21.4 %');
    expect(formatChange(-50)).toBe('−50 %');
    expect(formatChange(null)).toBe('');
  });

  it('says whether a target is met in words', () => {
    expect(metState(CARD.figures[0]!)).toEqual({ text: 'Met', tone: 'green' });
    expect(metState(CARD.figures[1]!)).toEqual({ text: 'Not met', tone: 'red' });
    expect(metState(CARD.figures[2]!)).toEqual({ text: 'No data', tone: 'slate' });
    expect(metState({ ...CARD.figures[0]!, target: null })).toEqual({ text: 'No target', tone: 'slate' });
  });

  it('asks for whole UTC days ending today', () => {
    expect(periodQuery(7, new Date('2026-03-09T12:00:00Z'))).toEqual({
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-09T00:00:00.000Z',
    });
  });
});

describe('Scorecard view', () => {
  it('shows each group with targets, both periods, a met badge and how each figure is computed', async () => {
    const asked: unknown[] = [];
    renderView(<Scorecard />, {
      client: fakeClient({
        getScorecard: async (request: unknown) => {
          asked.push(request);
          return CARD;
        },
      }),
      url: '/scorecard',
    });
    for (const name of ['Technical', 'Business', 'Adoption'])
      expect(await screen.findByRole('heading', { name })).toBeTruthy();
    const uptime = screen.getByRole('row', { name: /API uptime/ });
    expect(within(uptime).getByText('> 99.9 %')).toBeTruthy();
    expect(within(uptime).getByText('99.95 %')).toBeTruthy();
    expect(within(uptime).getByText('99.5 %')).toBeTruthy();
    expect(within(uptime).getByText('Met')).toBeTruthy();
    const cycle = screen.getByRole('row', { name: /Stage-gate cycle time/ });
    expect(within(cycle).getByText('Not met')).toBeTruthy();
    expect(within(cycle).getByText('+21.4 %')).toBeTruthy();
    expect(within(cycle).getByText(/inception: 4 days \(previous 3.5 days\)/)).toBeTruthy();
    const slack = screen.getByRole('row', { name: /Slack command usage/ });
    expect(within(slack).getByText('No data')).toBeTruthy();
    expect(within(slack).getByText('the period is empty')).toBeTruthy();
    expect(screen.getAllByText('How it’s computed')).toHaveLength(3);
    expect(asked).toHaveLength(1);

    fireEvent.change(screen.getByLabelText('Period'), { target: { value: '30' } });
    await waitFor(() => expect(asked).toHaveLength(2));
    const [first, second] = asked as { query: { from: string; to: string } }[];
    expect(Date.parse(first!.query.to) - Date.parse(first!.query.from)).toBe(7 * 86_400_000);
    expect(Date.parse(second!.query.to) - Date.parse(second!.query.from)).toBe(30 * 86_400_000);
  });
});
