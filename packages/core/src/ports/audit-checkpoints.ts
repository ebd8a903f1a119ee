import type { SignedCheckpoint } from '../audit/checkpoint.ts';

/**
 * The audit signing key (Ed25519). Its private half lives outside the database (an environment
 * variable, or a file in the embedded engine's data directory), so whoever owns the database cannot
 * sign a rewritten log.
 */
export interface AuditSigner {
  /** First 16 hex digits of the SHA-256 of the raw public key: names the key in checkpoints and files. */
  readonly keyId: string;
  /** The raw 32-byte public key, base64url. */
  readonly publicKey: string;
  /** The Ed25519 signature of `message` (UTF-8), base64url. */
  sign(message: string): string;
  /** True when `signature` is this key's signature of `message`. */
  verify(message: string, signature: string): boolean;
}

/** Somewhere outside the database a checkpoint is copied to (a directory, a webhook). */
export interface CheckpointSink {
  /** Names the sink in logs and export results, e.g. `directory /var/lib/clos/audit-checkpoints`. */
  readonly name: string;
  /** Idempotent: exporting a checkpoint the sink already holds succeeds. Throws when it fails. */
  export(checkpoint: SignedCheckpoint): Promise<void>;
}

/** Checkpointing as this process is configured: a key and its sinks, or why it is unavailable. */
export type AuditCheckpointPorts =
  | { signer: AuditSigner; sinks: readonly CheckpointSink[] }
  | { signer: null; unavailable: string };

/** A checkpoint CLOS issued, with where its export stands. */
export interface StoredCheckpoint extends SignedCheckpoint {
  /** Null until every sink has it. */
  exportedAt: Date | null;
  exportAttempts: number;
  lastExportError: string | null;
}

/** Bookkeeping of issued checkpoints; the proof itself is the sinks' copies. */
export interface AuditCheckpointRepository {
  /** The checkpoint of the highest sequence signed with `keyId`. */
  latest(keyId: string): Promise<StoredCheckpoint | null>;
  get(keyId: string, sequence: number): Promise<StoredCheckpoint | null>;
  /** False when this key already signed this sequence (a concurrent checkpoint won). */
  insert(checkpoint: SignedCheckpoint, nextExportAt: Date): Promise<boolean>;
  /** Not yet exported everywhere and due for another attempt, oldest first. */
  dueExports(now: Date, limit: number): Promise<StoredCheckpoint[]>;
  markExported(keyId: string, sequence: number, at: Date): Promise<void>;
  markExportFailed(keyId: string, sequence: number, error: string, nextAttemptAt: Date): Promise<void>;
}
