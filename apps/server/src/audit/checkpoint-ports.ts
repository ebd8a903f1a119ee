import type { KeyObject } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createEd25519Signer, generateAuditSigningKeyPem, parseAuditSigningKey } from '@clos/audit-signing';
import type { AuditCheckpointPorts, CheckpointSink, Policy } from '@clos/core';
import { readOrCreateKeyFile } from '../runtime/key-file.ts';
import { directorySink } from './directory-sink.ts';
import { webhookSink } from './webhook-sink.ts';

export const AUDIT_KEY_FILE = 'audit-signing.key';
export const DEFAULT_CHECKPOINT_DIR = 'audit-checkpoints';

export interface CheckpointSetup {
  ports: AuditCheckpointPorts;
  /** Set when the key came from (or was just written to) the data directory's key file. */
  keyFile?: { path: string; created: boolean };
  /** Where checkpoint files go, when checkpoints are on. */
  directory?: string;
}

/**
 * Where the audit signing key comes from: `CLOS_AUDIT_SIGNING_KEY` if set; else, on the embedded
 * engine, `audit-signing.key` in the data directory (created on first start). PostgreSQL without the
 * variable runs with checkpoints off: a key generated on one server's disk would differ between the
 * processes sharing the database, and a key in the database would protect nothing. Throws
 * `AuditKeyError` for a key file that holds no usable key.
 */
export function setUpAuditCheckpoints(input: {
  policy: Policy;
  signingKey: KeyObject | undefined;
  /** The embedded engine's data directory; null on PostgreSQL. */
  dataDir: string | null;
  /** The data directory option, for the default checkpoint directory on either engine. */
  defaultDir: string;
  cwd: string;
}): CheckpointSetup {
  const config = input.policy.audit.checkpoints;
  if (!config.enabled)
    return {
      ports: {
        signer: null,
        unavailable:
          'audit checkpoints are turned off (audit.checkpoints.enabled is false in the config file)',
      },
    };
  let key = input.signingKey;
  let keyFile: CheckpointSetup['keyFile'];
  if (!key && input.dataDir) {
    const file = readOrCreateKeyFile(join(input.dataDir, AUDIT_KEY_FILE), generateAuditSigningKeyPem);
    key = parseAuditSigningKey(file.value, file.path);
    keyFile = { path: file.path, created: file.created };
  }
  if (!key)
    return {
      ports: {
        signer: null,
        unavailable:
          'audit checkpoints need a signing key kept outside the database: set CLOS_AUDIT_SIGNING_KEY (docs/audit.md#signed-checkpoints)',
      },
    };
  const directory = resolve(input.cwd, config.directory ?? join(input.defaultDir, DEFAULT_CHECKPOINT_DIR));
  const sinks: CheckpointSink[] = [directorySink(directory)];
  if (config.webhookUrl)
    sinks.push(webhookSink(config.webhookUrl, { timeoutSeconds: input.policy.webhooks.timeoutSeconds }));
  return {
    ports: { signer: createEd25519Signer(key), sinks },
    ...(keyFile ? { keyFile } : {}),
    directory,
  };
}

/**
 * The checkpoint ports of a server or worker process, with a log line saying where the key came from
 * and where checkpoints go (or why they are off). Throws `AuditKeyError` (exit 2) for a key file that
 * holds no usable key.
 */
export function auditCheckpointsFor(
  policy: Policy,
  options: { auditSigningKey?: KeyObject | undefined; databaseUrl: string | undefined; dataDir: string },
  cwd: string,
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
): AuditCheckpointPorts {
  const setup = setUpAuditCheckpoints({
    policy,
    signingKey: options.auditSigningKey,
    dataDir: options.databaseUrl ? null : options.dataDir,
    defaultDir: options.dataDir,
    cwd,
  });
  const { ports } = setup;
  if (!ports.signer) {
    if (policy.audit.checkpoints.enabled)
      logger.warn({ reason: ports.unavailable }, 'audit checkpoints are off');
    return ports;
  }
  logger.info(
    {
      keyId: ports.signer.keyId,
      key: setup.keyFile ? setup.keyFile.path : 'CLOS_AUDIT_SIGNING_KEY',
      sinks: ports.sinks.map((s) => s.name),
      intervalMinutes: policy.audit.checkpoints.intervalMinutes,
    },
    setup.keyFile?.created ? 'audit signing key created; checkpoints on' : 'audit checkpoints on',
  );
  return ports;
}
