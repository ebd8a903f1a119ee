import { SYSTEM_ACTOR } from '@clos/core';
import { composeCore } from '@clos/db';
import { defaultPolicy, openTestDatabase } from '@clos/testing';
import { describe, expect, it } from 'vitest';
import type { RuntimeModule } from '../src/module.ts';
import { startRuntime } from '../src/runtime.ts';

const silent = { info() {}, warn() {}, error() {} };
const ctx = { actor: SYSTEM_ACTOR, requestId: null };

describe('workers woken by new work', () => {
  it('run accepted deliveries, a backlog and the jobs the relay enqueues without waiting for a poll', async () => {
    const database = await openTestDatabase('pglite');
    // A poll an hour away: only a wake (after a delivery, after a relay pass, after a job) runs a job.
    const policy = defaultPolicy({ workflows: { pollingIntervalSeconds: 3600, tickSeconds: 3600 } });
    const ran: string[] = [];
    const module = (): RuntimeModule => ({
      name: 'wake-test',
      jobs: [
        {
          queue: 'test.wake',
          policy: { retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 60 },
          async handle(data: { id: string }) {
            ran.push(data.id);
          },
        },
      ],
      subscribers: [
        {
          name: 'wake-test',
          types: ['pod.registered'],
          async dispatch(event, { enqueue }) {
            await enqueue('test.wake', { id: `event:${event.type}` });
          },
        },
      ],
    });
    const runtime = await startRuntime({
      core: composeCore({ database, policy }),
      logger: silent,
      worker: true,
      autoTick: false,
      extraModules: [module],
    });
    try {
      // Give the worker its first (empty) fetch, so that what follows waits on the hour-long poll.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const n of [1, 2, 3, 4, 5])
        expect(
          await runtime.acceptDelivery(
            'test',
            { id: `d${n}`, event: 'x' },
            { queue: 'test.wake', data: { id: `d${n}` } },
          ),
        ).toBe('accepted');
      await expect.poll(() => ran.length, { timeout: 10_000 }).toBe(5);
      expect([...ran].sort()).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
      await runtime.services.pods.register(ctx, { slug: 'woken', name: 'Woken', timezone: 'UTC' });
      await expect.poll(() => ran.includes('event:pod.registered'), { timeout: 10_000 }).toBe(true);
    } finally {
      await runtime.stop();
      await database.close();
    }
  });
});
