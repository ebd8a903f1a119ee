/** The demo organisation's pods, how their WIP limits are left, and their weekly health. */
export const PODS = [
  { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' },
  { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' },
  { slug: 'beacon', name: 'Beacon', timezone: 'Asia/Singapore' },
  { slug: 'compass', name: 'Compass', timezone: 'Europe/Berlin' },
];

/** The pod that is left exactly at its project WIP limit, so the dashboard shows a full cell. */
export const FULL_POD = 'ratio';
/** The pod that runs a deliberately tight review queue: its pull-request limit, whatever the default. */
export const TIGHT_REVIEW = { pod: 'beacon', pullRequestLimit: 3 };

type Series = [number, number, number, number, number, number];
export interface HealthSeed {
  velocity: Series;
  wipUtilisation: Series;
  blockedItems: Series;
  cycleTimeDays: Series;
  deploymentSuccess: Series;
}

/** Weekly metrics, oldest first. Beacon slides below 70; Compass recovers; Ratio improves. */
export const HEALTH: Record<string, HealthSeed> = {
  ratio: {
    velocity: [0.82, 0.86, 0.9, 0.93, 0.97, 1.02],
    wipUtilisation: [0.7, 0.75, 0.8, 0.85, 0.9, 1],
    blockedItems: [2, 1, 1, 1, 0, 1],
    cycleTimeDays: [6.5, 6, 5.4, 5, 4.6, 4.2],
    deploymentSuccess: [0.9, 0.92, 0.95, 0.96, 0.98, 0.99],
  },
  atlas: {
    velocity: [0.9, 0.88, 0.92, 0.87, 0.91, 0.89],
    wipUtilisation: [0.65, 0.7, 0.72, 0.75, 0.78, 0.75],
    blockedItems: [1, 1, 2, 1, 1, 2],
    cycleTimeDays: [5.2, 5.5, 5, 5.8, 5.3, 5.6],
    deploymentSuccess: [0.95, 0.97, 0.94, 0.96, 0.97, 0.95],
  },
  beacon: {
    velocity: [0.95, 0.9, 0.82, 0.74, 0.68, 0.62],
    wipUtilisation: [0.8, 0.9, 1, 1.08, 1.14, 1.18],
    blockedItems: [1, 1, 2, 3, 3, 4],
    cycleTimeDays: [4.5, 5.2, 6, 7, 7.8, 8.6],
    deploymentSuccess: [0.98, 0.95, 0.92, 0.88, 0.85, 0.82],
  },
  compass: {
    velocity: [0.6, 0.66, 0.72, 0.78, 0.84, 0.88],
    wipUtilisation: [1.2, 1.12, 1, 0.9, 0.82, 0.75],
    blockedItems: [4, 3, 3, 2, 1, 1],
    cycleTimeDays: [9, 8.2, 7.5, 6.6, 5.8, 5.2],
    deploymentSuccess: [0.8, 0.84, 0.87, 0.9, 0.93, 0.95],
  },
};
