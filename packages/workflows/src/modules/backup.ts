import { randomUUID } from 'node:crypto';
import type { BackupsPolicy } from '@clos/core';
import type { WorkflowDefinition } from '../engine.ts';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';
import type { JobDefinition } from '../queue.ts';

export const SCHEDULED_BACKUP = 'scheduled-backup';
export const BACKUP_QUEUE = 'clos.backup';

/**
 * Scheduled backups (`backups:` in clos.config.yaml, docs/backup.md). The schedule starts one
 * company-wide run per occurrence (the run key makes extra ticks and workers harmless); its step only
 * enqueues the backup job, in the step's transaction. The backup itself runs in the job, outside any
 * transaction: it takes its own snapshot transaction, and on the embedded engine (one connection) it
 * could not while a step's transaction held it. The job is retried by pg-boss; when the last attempt
 * fails, every configured notifier (log, Slack, chat webhooks) is told, besides the error log.
 */
export function backupModule(env: RuntimeEnv): RuntimeModule {
  const settings = (): BackupsPolicy | null => env.policy.backups ?? null;

  const workflow: WorkflowDefinition<Record<string, never>> = {
    name: SCHEDULED_BACKUP,
    steps: [
      {
        name: 'enqueue',
        async run(ctx) {
          await ctx.enqueue(BACKUP_QUEUE, { runId: ctx.run.id }, { singletonKey: ctx.run.key });
          return { enqueued: true };
        },
      },
    ],
  };

  const job: JobDefinition<{ runId?: string }> = {
    queue: BACKUP_QUEUE,
    // A backup of a large database takes a while; a few spaced retries ride out a store's hiccup.
    policy: { retryLimit: 2, retryDelay: 300, retryBackoff: true, expireInSeconds: 4 * 3600 },
    async handle(_data, meta) {
      const b = settings();
      if (!b?.to) return;
      // Loaded when a backup runs: the archive code and the AWS SDK are not needed otherwise.
      const { backupDatabase, parseDestination } = await import('@clos/backup');
      const destination = parseDestination(b.to, process.cwd());
      try {
        const result = await backupDatabase(
          env.database,
          { destination, retain: b.retain.count },
          {
            s3: {
              endpoint: b.s3.endpoint ?? undefined,
              region: b.s3.region ?? undefined,
            },
            // The runner's clock names the archive (the system's in production, a test's fake one).
            now: () => env.deps.clock.now(),
          },
        );
        env.logger.info(
          {
            location: result.location,
            bytes: result.bytes,
            auditHead: result.manifest.auditHead.sequence,
            snapshotMs: Math.round(result.snapshotMs),
            deleted: result.deleted,
          },
          'scheduled backup written',
        );
      } catch (error) {
        const final = meta.retryCount >= meta.retryLimit;
        env.logger.error(
          { err: error, attempt: meta.retryCount + 1, final },
          final ? 'scheduled backup failed; no retries left' : 'scheduled backup failed; it will be retried',
        );
        if (final) await notifyFailure(env, error as Error);
        throw error;
      }
    },
  };

  return {
    name: SCHEDULED_BACKUP,
    workflows: [workflow as WorkflowDefinition<never>],
    jobs: [job as JobDefinition<never>],
    schedules: (policy) => {
      const b = policy.backups;
      if (!b?.schedule || !b.to) return [];
      return [
        {
          workflow: SCHEDULED_BACKUP,
          spec: {
            key: SCHEDULED_BACKUP,
            timeZone: b.schedule.timezone,
            time: b.schedule.at,
            ...(b.schedule.days ? { days: b.schedule.days } : {}),
          },
          podId: null,
          input: {},
        },
      ];
    },
  };
}

async function notifyFailure(env: RuntimeEnv, error: Error): Promise<void> {
  const to = env.policy.backups?.to ?? '';
  const notification = {
    id: randomUUID(),
    kind: 'backup.failed',
    podId: null,
    pod: null,
    title: 'Scheduled backup failed',
    text: `The scheduled backup to ${to} failed after every retry: ${error.message}`,
    occurredAt: env.deps.clock.now(),
    data: { to, error: error.message },
  };
  for (const notifier of env.notifiers)
    await notifier.send(notification).catch((err: unknown) => {
      env.logger.warn({ err, notifier: notifier.name }, 'could not send the backup failure notification');
    });
}
