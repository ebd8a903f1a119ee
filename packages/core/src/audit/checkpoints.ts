import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { ConflictError, DomainError, type FieldProblem, InvalidInputError } from '../errors.ts';
import type { AuditSigner, StoredCheckpoint } from '../ports/audit-checkpoints.ts';
import { GENESIS_HASH } from './chain.ts';
import {
  CHECKPOINT_FORMAT,
  type CheckpointVerdict,
  checkpointMessage,
  checkpointSlot,
  type SignedCheckpoint,
  verifyCheckpoints,
  verifyExtension,
} from './checkpoint.ts';
import { sealCommittedAudit } from './seal.ts';

/** How one sink took a checkpoint. */
export interface CheckpointExport {
  sink: string;
  ok: boolean;
  error?: string;
}

export interface TakenCheckpoint {
  checkpoint: SignedCheckpoint;
  /** False when the head had not moved since the last checkpoint, which is returned instead. */
  created: boolean;
  /** True once every sink holds it (now or earlier). */
  exported: boolean;
  /** The sinks tried by this call; empty when it had been exported before. */
  exports: CheckpointExport[];
}

/** What one scheduler tick did about checkpoints (the job runner logs it). */
export type PeriodicOutcome =
  | { status: 'off' | 'unchanged' | 'interval-done' }
  | { status: 'taken'; checkpoint: SignedCheckpoint; exports: CheckpointExport[] }
  | { status: 'refused'; brokenAt: number; reason: string; lastSequence: number };

// Left to the inline export of the request or tick that signed it before another process retries it.
const FIRST_RETRY_MS = 60_000;
const RETRY_BASE_MS = 30_000;
const RETRY_CAP_MS = 3_600_000;

/** After `attempts` failures: 30 s, 1 min, 2 min, … at most an hour. */
export function exportRetryDelayMs(attempts: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
}

const toSigned = (c: StoredCheckpoint): SignedCheckpoint => ({
  format: CHECKPOINT_FORMAT,
  sequence: c.sequence,
  hash: c.hash,
  time: c.time,
  keyId: c.keyId,
  publicKey: c.publicKey,
  signature: c.signature,
});

type Prepared =
  | { kind: 'unchanged'; existing: StoredCheckpoint }
  | { kind: 'new'; checkpoint: SignedCheckpoint }
  | { kind: 'refused'; brokenAt: number; reason: string; lastSequence: number };

/**
 * Signed checkpoints of the audit chain (docs/audit.md#signed-checkpoints): taken on demand and once
 * per interval by the job runner, exported to sinks outside the database, and checked against the log.
 * Signing and exporting never happen inside a write transaction: a slow sink cannot hold up writes.
 */
export function createAuditCheckpointService(deps: Deps) {
  const { uow, clock, secrets, policy } = deps;
  const ports = deps.auditCheckpoints ?? {
    signer: null,
    unavailable: 'audit checkpoints are not configured in this process',
  };

  function signerOrFail(): AuditSigner {
    if (!ports.signer) throw new DomainError('service_unavailable', ports.unavailable);
    return ports.signer;
  }

  /**
   * In one snapshot: the head, the last checkpoint of this key, and whether the log still extends it.
   * A head that does not is never signed: that would hand out CLOS's signature over a rewound or
   * rewritten log. Everything committed before it is sealed first, so the checkpoint covers it.
   */
  async function prepare(signer: AuditSigner, now: Date): Promise<Prepared> {
    await sealCommittedAudit(uow);
    return uow.run(
      async (repos) => {
        const head = (await repos.audit.head()) ?? { sequence: 0, hash: GENESIS_HASH };
        const last = await repos.auditCheckpoints.latest(signer.keyId);
        if (last && last.sequence === head.sequence && last.hash === head.hash)
          return { kind: 'unchanged', existing: last };
        const from = last ?? { sequence: 0, hash: GENESIS_HASH };
        const verdict = await verifyExtension(
          secrets.sha256,
          from,
          repos.audit.iterate(Math.max(from.sequence - 1, 0)),
          head,
        );
        if (!verdict.ok) return { kind: 'refused', ...verdict, lastSequence: from.sequence };
        const claim = {
          sequence: head.sequence,
          hash: head.hash,
          time: now.toISOString(),
          keyId: signer.keyId,
        };
        return {
          kind: 'new',
          checkpoint: {
            format: CHECKPOINT_FORMAT,
            ...claim,
            publicKey: signer.publicKey,
            signature: signer.sign(checkpointMessage(claim)),
          },
        };
      },
      { snapshot: true },
    );
  }

  /** Copies a checkpoint to every sink; records success, or the error and when to try again. */
  async function exportToSinks(checkpoint: SignedCheckpoint, attemptsBefore: number) {
    if (!ports.signer) return [];
    const results: CheckpointExport[] = [];
    for (const sink of ports.sinks) {
      try {
        await sink.export(checkpoint);
        results.push({ sink: sink.name, ok: true });
      } catch (error) {
        results.push({
          sink: sink.name,
          ok: false,
          error: (error instanceof Error ? error.message : String(error)).slice(0, 1000),
        });
      }
    }
    const failed = results.filter((r) => !r.ok);
    const at = clock.now();
    await uow.run((repos) =>
      failed.length
        ? repos.auditCheckpoints.markExportFailed(
            checkpoint.keyId,
            checkpoint.sequence,
            failed.map((r) => `${r.sink}: ${r.error}`).join('; '),
            new Date(at.getTime() + exportRetryDelayMs(attemptsBefore + 1)),
          )
        : repos.auditCheckpoints.markExported(checkpoint.keyId, checkpoint.sequence, at),
    );
    return results;
  }

  /** Stores a new checkpoint, or finds the one a concurrent caller stored for the same sequence. */
  async function store(
    checkpoint: SignedCheckpoint,
    now: Date,
  ): Promise<{ stored: StoredCheckpoint | null; created: boolean }> {
    return uow.run(async (repos) => {
      const created = await repos.auditCheckpoints.insert(
        checkpoint,
        new Date(now.getTime() + FIRST_RETRY_MS),
      );
      return { stored: await repos.auditCheckpoints.get(checkpoint.keyId, checkpoint.sequence), created };
    });
  }

  return {
    /**
     * `GET /api/v1/audit/checkpoint`: signs the current head (or returns the last checkpoint when the
     * head has not moved), exports it and returns it. Any `read` token may: a checkpoint tells nothing
     * a reader cannot already see, and there is at most one per head.
     */
    async take(ctx: Ctx): Promise<TakenCheckpoint> {
      assertCan(ctx.actor, 'read');
      const signer = signerOrFail();
      const prepared = await prepare(signer, clock.now());
      if (prepared.kind === 'refused')
        throw new ConflictError(
          `the audit log no longer extends the last checkpoint (sequence ${prepared.lastSequence}), so it is not signed: ${prepared.reason}; run clos audit verify --checkpoints`,
          { brokenAt: prepared.brokenAt, reason: prepared.reason },
        );
      let stored: StoredCheckpoint;
      let created = false;
      if (prepared.kind === 'unchanged') stored = prepared.existing;
      else {
        const result = await store(prepared.checkpoint, clock.now());
        if (!result.stored) throw new Error('a stored checkpoint could not be read back');
        stored = result.stored;
        created = result.created;
      }
      const checkpoint = toSigned(stored);
      if (stored.exportedAt) return { checkpoint, created, exported: true, exports: [] };
      const exports = await exportToSinks(checkpoint, stored.exportAttempts);
      return { checkpoint, created, exported: exports.every((e) => e.ok), exports };
    },

    /**
     * Checks that the log contains every checkpoint's prefix unchanged (and the chain itself). Only
     * checkpoints signed by this server's key are accepted: one signed by any other key is refused,
     * naming it at `pathOf(index)` (the field it came in, e.g. `checkpoint` or `checkpoints.3`).
     */
    async verify(
      ctx: Ctx,
      checkpoints: readonly SignedCheckpoint[],
      pathOf: (index: number) => string = (index) => `checkpoints.${index}`,
    ): Promise<CheckpointVerdict> {
      assertCan(ctx.actor, 'read');
      const signer = signerOrFail();
      const problems: FieldProblem[] = [];
      checkpoints.forEach((c, index) => {
        const at = pathOf(index);
        if (c.keyId !== signer.keyId || c.publicKey !== signer.publicKey)
          problems.push({
            path: at,
            message: `is signed by another key (key id ${c.keyId}); this server's audit key is ${signer.keyId}`,
          });
        else if (!signer.verify(checkpointMessage(c), c.signature))
          problems.push({
            path: at,
            message: 'has a signature that does not match its content: it was altered',
          });
      });
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(
        async (repos) =>
          verifyCheckpoints(secrets.sha256, repos.audit.iterate(), await repos.audit.head(), checkpoints),
        { snapshot: true },
      );
    },

    /**
     * One scheduler tick: takes this interval's checkpoint if the head moved since the last one and no
     * process took it yet (the interval's key in `job_keys` is claimed in the transaction that stores
     * it). An unchanged head is skipped: signing it again would vouch for nothing new.
     */
    async periodic(now: Date): Promise<PeriodicOutcome> {
      const signer = ports.signer;
      if (!signer) return { status: 'off' };
      const slot = checkpointSlot(now, policy.audit.checkpoints.intervalMinutes);
      await sealCommittedAudit(uow);
      const [head, last] = await Promise.all([
        uow.read.audit.head(),
        uow.read.auditCheckpoints.latest(signer.keyId),
      ]);
      if (
        !head ||
        head.sequence === 0 ||
        (last && last.sequence === head.sequence && last.hash === head.hash)
      )
        return { status: 'unchanged' };
      if (last && last.time >= slot) return { status: 'interval-done' };
      // Claimed before the walk, so a log that fails it is reported once per interval, not every tick.
      const slotKey = `audit-checkpoint:${signer.keyId}:${slot}`;
      const claimed = await uow.run((repos) => repos.workflows.claimJobKey(slotKey, now));
      if (!claimed) return { status: 'interval-done' };
      const prepared = await prepare(signer, now);
      if (prepared.kind === 'unchanged') return { status: 'unchanged' };
      if (prepared.kind === 'refused') return { status: 'refused', ...prepared };
      const { stored, created } = await store(prepared.checkpoint, now);
      if (!stored || !created) return { status: 'interval-done' };
      return {
        status: 'taken',
        checkpoint: prepared.checkpoint,
        exports: await exportToSinks(prepared.checkpoint, 0),
      };
    },

    /** Exports still owed and due (a sink was down), oldest first; returns what each attempt did. */
    async retryExports(now: Date, limit = 20) {
      if (!ports.signer) return [];
      const due = await uow.read.auditCheckpoints.dueExports(now, limit);
      const done: { checkpoint: SignedCheckpoint; exports: CheckpointExport[] }[] = [];
      for (const stored of due) {
        const checkpoint = toSigned(stored);
        done.push({ checkpoint, exports: await exportToSinks(checkpoint, stored.exportAttempts) });
      }
      return done;
    },
  };
}

export type AuditCheckpointService = ReturnType<typeof createAuditCheckpointService>;
