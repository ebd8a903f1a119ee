import type { Clock } from '@clos/core';

/** The real time: the one place in this package that reads it; everything else takes a `Clock`. */
export const systemClock: Clock = { now: () => new Date() };
