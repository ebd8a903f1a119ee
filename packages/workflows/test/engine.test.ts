import { composeCore, type Database, type Db } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase, resetDatabase, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../src/index.ts';

const silent = { info() {}, warn() {}, error() {} };

describe.each(testEngines())('workflow engine on %s', (engine) => {
  let database: Database;
  let runtime: Runtime;
  const clock = new FakeClock(new Date('2026-11-26T09:00:00Z'));
  let failuresLeft = 0;
  let effects = 0;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    runtime = await startRuntime({
      core: composeCore({
        database,
        policy: defaultPolicy({ workflows: { retryLimit: 2, retryDelaySeconds: 1 } }),
        clock,
      }),
      logger: silent,
      worker: false,
      extraModules: [
        () => ({
          name: 'test',
          workflows: [
            {
              name: 'two-steps',
              steps: [
                {
                  name: 'first',
                  async run(ctx) {
                    effects += 1;
                    await ctx.repos.events.emit({
                      type: 'rhythm.digest_ready',
                      podId: null,
                      subjectType: 'test',
                      subjectId: ctx.run.id,
                      actorId: null,
                      data: {
                        pod: 'p',
                        phase: 'recap',
                        day: '2026-03-02',
                        counts: { n: effects },
                        summary: '',
                      },
                      occurredAt: ctx.now,
                    });
                    return { n: effects };
                  },
                },
                {
                  name: 'second',
                  async run(ctx) {
                    if (failuresLeft > 0) {
                      failuresLeft -= 1;
                      throw new Error('receiver down');
                    }
                    return { first: ctx.outputs.first };
                  },
                },
              ],
            },
          ],
        }),
      ],
    });
  });
  afterAll(async () => {
    await runtime.stop();
    await database.close();
  });
  beforeEach(async () => {
    await resetDatabase(database);
    effects = 0;
  });

  const start = (key: string) =>
    database.db.transaction((tx) =>
      runtime.env.startRun(tx as unknown as Db, { workflow: 'two-steps', key, podId: null, input: {} }),
    );

  it('runs every step once and records the run', async () => {
    const run = await start('k1');
    expect(run).not.toBeNull();
    expect(await start('k1')).toBeNull();
    await runtime.drainJobs();
    const stored = await runtime.deps.uow.read.workflows.runById(run!.id);
    expect(stored).toMatchObject({ status: 'succeeded', attempts: 1 });
    const steps = await runtime.deps.uow.read.workflows.steps(run!.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['first', 'succeeded', 1],
      ['second', 'succeeded', 1],
    ]);
    expect(steps[1]!.output).toEqual({ first: { n: 1 } });
    const events = await database.query<{ seq: string; type: string }>('select seq, type from domain_events');
    expect(events).toHaveLength(1);
    expect(events[0]!.seq).not.toBeNull();
  });

  it('retries a failed step without repeating the steps that succeeded', async () => {
    failuresLeft = 1;
    const run = await start('k2');
    await runtime.drainJobs();
    let stored = await runtime.deps.uow.read.workflows.runById(run!.id);
    expect(stored).toMatchObject({ status: 'running', error: 'second: receiver down' });
    // The retry is due after its delay (1 s, real time: pg-boss schedules it in the database).
    await new Promise((r) => setTimeout(r, 2_500));
    await runtime.drainJobs();
    stored = await runtime.deps.uow.read.workflows.runById(run!.id);
    expect(stored).toMatchObject({ status: 'succeeded', attempts: 2 });
    const steps = await runtime.deps.uow.read.workflows.steps(run!.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['first', 'succeeded', 1],
      ['second', 'succeeded', 2],
    ]);
    expect(effects).toBe(1);
  });
});
