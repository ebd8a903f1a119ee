/**
 * The audit check a restore ends with: the hash chain against its head (what `clos audit verify`
 * runs), every stored signed checkpoint's signature, and that the log still contains each
 * checkpointed prefix unchanged (`verifyCheckpoints`). A restored database that fails it is not
 * the one that was backed up.
 */
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import {
  CHECKPOINT_FORMAT,
  checkpointMessage,
  type SignedCheckpoint,
  verifyChain,
  verifyCheckpoints,
} from '@clos/core';
import { createUnitOfWork, type Database } from '@clos/db';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
// DER prefix of an Ed25519 SPKI public key around its 32 raw bytes.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type AuditCheck =
  | { ok: true; events: number; checkpoints: number; keyIds: string[] }
  | {
      ok: false;
      events: number;
      checkpoints: number;
      keyIds: string[];
      brokenAt: number;
      reason: string;
    };

/** Why a checkpoint's signature does not hold under the key it names, or null when it does. */
function signatureProblem(c: SignedCheckpoint): string | null {
  try {
    const raw = Buffer.from(c.publicKey, 'base64url');
    if (raw.length !== 32) return 'its public key is not an Ed25519 key';
    if (sha256Bytes(raw).slice(0, 16) !== c.keyId) return 'its key id does not match its public key';
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    const signature = Buffer.from(c.signature, 'base64url');
    if (signature.length !== 64 || !verify(null, Buffer.from(checkpointMessage(c), 'utf8'), key, signature))
      return 'its signature does not match its content';
    return null;
  } catch (error) {
    return `its key cannot be read (${(error as Error).message})`;
  }
}

const sha256Bytes = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function verifyAudit(database: Database): Promise<AuditCheck> {
  const stored = await database.query<{
    sequence: string | number;
    hash: string;
    signed_at: string | Date;
    key_id: string;
    public_key: string;
    signature: string;
  }>(
    'select sequence, hash, signed_at, key_id, public_key, signature from audit_checkpoints order by sequence',
  );
  const checkpoints: SignedCheckpoint[] = stored.map((r) => ({
    format: CHECKPOINT_FORMAT,
    sequence: Number(r.sequence),
    hash: r.hash,
    time: new Date(r.signed_at).toISOString(),
    keyId: r.key_id,
    publicKey: r.public_key,
    signature: r.signature,
  }));
  const keyIds = [...new Set(checkpoints.map((c) => c.keyId))].sort();
  const uow = createUnitOfWork(database, randomUUID);
  return uow.run(
    async (repos) => {
      const head = await repos.audit.head();
      const chain = await verifyChain(sha256, repos.audit.iterate(), head);
      const base = { events: chain.count, checkpoints: checkpoints.length, keyIds };
      if (!chain.ok) return { ok: false, ...base, brokenAt: chain.brokenAt, reason: chain.reason };
      for (const c of checkpoints) {
        const problem = signatureProblem(c);
        if (problem)
          return {
            ok: false,
            ...base,
            brokenAt: c.sequence,
            reason: `checkpoint ${c.sequence} (key ${c.keyId}): ${problem}`,
          };
      }
      const verdict = await verifyCheckpoints(sha256, repos.audit.iterate(), head, checkpoints);
      if (!verdict.ok) return { ok: false, ...base, brokenAt: verdict.brokenAt, reason: verdict.reason };
      return { ok: true, ...base };
    },
    { snapshot: true },
  );
}
