import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';

const problems = (rotation: Record<string, unknown>) => {
  const result = parseConfig({ rotation });
  return result.ok ? [] : result.problems;
};

describe('rotation', () => {
  it('is disabled by default, with no exchanges', () => {
    const result = parseConfig({});
    expect(result.ok && result.config.rotation).toEqual({
      enabled: false,
      dayOfMonth: 1,
      time: '10:00',
      timezone: 'UTC',
      exchanges: [],
      minPodSize: 3,
      exempt: [],
      movesPerPod: 1,
    });
  });

  it('accepts pods that the file does not declare (they may be registered through the API)', () => {
    expect(problems({ enabled: true, exchanges: [['payments', 'search', 'growth']] })).toEqual([]);
  });

  it('reports malformed slugs and a pod named twice in one exchange, by path', () => {
    expect(
      problems({
        exchanges: [
          ['payments', 'Search'],
          ['growth', 'infra', 'growth'],
        ],
      }),
    ).toEqual([
      'rotation.exchanges[0][1]: must be a pod slug (2–40 characters of lowercase kebab-case)',
      'rotation.exchanges[1][2]: pod "growth" appears twice in this exchange (already at rotation.exchanges[1][0])',
    ]);
  });

  it('checks the day, time, time zone, sizes and exempt emails', () => {
    expect(
      problems({
        dayOfMonth: 31,
        time: '25:00',
        timezone: 'Mars/Olympus',
        exchanges: [['solo']],
        minPodSize: 0,
        exempt: ['nobody'],
        movesPerPod: 0,
      }),
    ).toEqual([
      'rotation.dayOfMonth: must be 1–28',
      'rotation.time: must be a time HH:MM (24-hour)',
      'rotation.timezone: unknown time zone "Mars/Olympus"',
      'rotation.exchanges[0]: an exchange needs at least 2 pods',
      'rotation.minPodSize: must be ≥ 1',
      'rotation.exempt[0]: must be an email address',
      'rotation.movesPerPod: must be ≥ 1',
    ]);
  });
});
