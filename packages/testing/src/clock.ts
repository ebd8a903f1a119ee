import type { Clock } from '@clos/core';

/** A clock that moves only when told to. Starts at a fixed instant so tests are repeatable. */
export class FakeClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-03-02T09:00:00.000Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
}

/** A real clock that never returns the same instant twice, so ordered rows stay ordered. */
export function monotonicClock(): Clock {
  let last = 0;
  return {
    now() {
      last = Math.max(Date.now(), last + 1);
      return new Date(last);
    },
  };
}
