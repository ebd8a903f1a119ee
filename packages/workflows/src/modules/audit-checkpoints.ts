import { type CheckpointExport, createAuditCheckpointService } from '@clos/core';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';

const failures = (exports: CheckpointExport[]) => exports.filter((e) => !e.ok);

/**
 * Signed audit checkpoints (docs/audit.md#signed-checkpoints): at each scheduler tick, takes the
 * interval's checkpoint if the chain head moved (once per interval however many workers tick: the
 * interval is claimed in `job_keys`), then retries exports a sink refused earlier, with backoff.
 * A log that no longer extends the last checkpoint is not signed and is reported as an error.
 */
export function auditCheckpointsModule(env: RuntimeEnv): RuntimeModule {
  const checkpoints = createAuditCheckpointService(env.deps);
  const { logger } = env;
  return {
    name: 'audit-checkpoints',
    async onTick(now) {
      try {
        const outcome = await checkpoints.periodic(now);
        if (outcome.status === 'taken') {
          const { sequence, hash, keyId } = outcome.checkpoint;
          logger.info({ sequence, hash, keyId }, 'audit checkpoint signed');
          const failed = failures(outcome.exports);
          if (failed.length)
            logger.warn({ sequence, failed }, 'audit checkpoint export failed; it will be retried');
        } else if (outcome.status === 'refused')
          logger.error(
            { brokenAt: outcome.brokenAt, reason: outcome.reason, lastCheckpoint: outcome.lastSequence },
            'the audit log no longer extends the last signed checkpoint: not signing it (run clos audit verify --checkpoints)',
          );
        for (const retried of await checkpoints.retryExports(now)) {
          const failed = failures(retried.exports);
          if (failed.length)
            logger.warn(
              { sequence: retried.checkpoint.sequence, failed },
              'audit checkpoint export failed again; it will be retried',
            );
          else logger.info({ sequence: retried.checkpoint.sequence }, 'audit checkpoint exported on retry');
        }
      } catch (error) {
        // Not rethrown: the modules ticking after this one should still run; the next tick retries.
        logger.warn({ err: error }, 'audit checkpoint tick failed; retrying at the next tick');
      }
    },
  };
}
