import { composeCore } from '@clos/db';
import { defaultPolicy, openTestDatabase } from '@clos/testing';
import { describe, expect, it } from 'vitest';
import type { RuntimeModule } from '../src/module.ts';
import { startRuntime } from '../src/runtime.ts';

const silent = { info() {}, warn() {}, error() {} };

describe('stopping the job runner', () => {
  it('lets a running job finish, records it, and leaves pg-boss nothing to send once the database closes', async () => {
    const database = await openTestDatabase('pglite');
    const policy = defaultPolicy({ workflows: { pollingIntervalSeconds: 3600, tickSeconds: 3600 } });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    let finished = false;
    const module = (): RuntimeModule => ({
      name: 'stop-test',
      jobs: [
        {
          queue: 'test.stop',
          policy: { retryLimit: 1, retryDelay: 1, retryBackoff: false, expireInSeconds: 60 },
          async handle() {
            started = true;
            await gate;
            finished = true;
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
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      await runtime.acceptDelivery('test', { id: 'stop-1', event: 'x' }, { queue: 'test.stop', data: {} });
      await expect.poll(() => started, { timeout: 10_000 }).toBe(true);
      const stopping = runtime.stop();
      // The job is still running when the stop begins; it finishes during it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(finished).toBe(false);
      release();
      await stopping;
      expect(finished).toBe(true);
      // Its completion reached the database before the stop returned.
      const [job] = await database.query<{ state: string }>(
        `select state from pgboss.job where name = 'test.stop'`,
      );
      expect(job?.state).toBe('completed');
      await database.close();
      // A statement pg-boss sends after the close (it completes and fails jobs without awaiting) is
      // left unanswered instead of failing, unhandled, on a closed connection.
      const late = runtime.queue.boss.fail('test.stop', '00000000-0000-0000-0000-000000000000');
      const settled = await Promise.race([
        late.then(
          () => 'answered',
          () => 'rejected',
        ),
        new Promise((resolve) => setTimeout(() => resolve('unanswered'), 100)),
      ]);
      expect(settled).toBe('unanswered');
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      release();
    }
  });
});
