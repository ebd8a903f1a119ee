import type { SignedCheckpoint } from '@clos/core';
import { z } from 'zod';
import { auditEventSchema, auditQuery, auditVerifySchema, errorSchema } from '../api.ts';
import { page } from './common.ts';
import type { RouteDefinition } from './definition.ts';

/** Wire shapes of the audit log's signed checkpoints (docs/audit.md#signed-checkpoints). */

const hex = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);
const base64url = (length: number) => new RegExp(`^[A-Za-z0-9_-]{${length}}$`);

export const auditCheckpointSchema = z
  .strictObject({
    format: z.literal('clos-audit-checkpoint/1'),
    sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    hash: z.string().regex(hex(64), 'must be 64 lowercase hex digits'),
    // Exactly what `toISOString()` writes: the signed bytes hold this string as it is.
    time: z
      .string()
      .regex(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
        'must be an ISO 8601 UTC time with milliseconds',
      ),
    keyId: z.string().regex(hex(16), 'must be 16 lowercase hex digits'),
    publicKey: z
      .string()
      .regex(base64url(43), 'must be a 32-byte Ed25519 public key in base64url')
      .meta({ description: 'the signing key (raw, base64url); verifiers compare it with a key they pinned' }),
    signature: z
      .string()
      .regex(base64url(86), 'must be a 64-byte Ed25519 signature in base64url')
      .meta({ description: 'Ed25519 over the canonical JSON of { format, sequence, hash, time, keyId }' }),
  })
  .meta({ id: 'AuditCheckpoint' });

// Same shape as core's, field for field: a drift fails to compile here.
const checkpointMatchesCore: z.infer<typeof auditCheckpointSchema> extends SignedCheckpoint
  ? SignedCheckpoint extends z.infer<typeof auditCheckpointSchema>
    ? true
    : never
  : never = true;
void checkpointMatchesCore;

const toBase64url = (text: string) => btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const fromBase64url = (text: string) =>
  atob(
    text
      .replaceAll('-', '+')
      .replaceAll('_', '/')
      .padEnd(Math.ceil(text.length / 4) * 4, '='),
  );

/**
 * A checkpoint as one URL-safe string (base64url of its JSON), for `GET /api/v1/audit/verify?checkpoint=`.
 * Every field is ASCII, so `btoa` takes the JSON as it is; works in browsers and Node.js alike.
 */
export function encodeCheckpointToken(checkpoint: SignedCheckpoint): string {
  const { format, sequence, hash, time, keyId, publicKey, signature } = checkpoint;
  return toBase64url(JSON.stringify({ format, sequence, hash, time, keyId, publicKey, signature }));
}

/** The checkpoint a token holds, or what is wrong with it. */
export function decodeCheckpointToken(
  token: string,
): { ok: true; checkpoint: SignedCheckpoint } | { ok: false; message: string } {
  let json: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    json = JSON.parse(fromBase64url(token));
  } catch {
    return { ok: false, message: 'is not a checkpoint token (base64url of a checkpoint’s JSON)' };
  }
  const parsed = auditCheckpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      message: `holds an invalid checkpoint: ${issue.path.join('.') || '(root)'} ${issue.message}`,
    };
  }
  return { ok: true, checkpoint: parsed.data };
}

export const auditVerifyQuery = z.strictObject({
  checkpoint: z.string().min(1).max(1000).optional().meta({
    description:
      'a checkpoint token (the `token` of a checkpoint): also prove the log still contains its prefix unchanged',
  }),
});

export const verifyCheckpointsBody = z.strictObject({
  checkpoints: z.array(auditCheckpointSchema).min(1, 'must list at least 1 checkpoint').max(1000),
});

export const checkpointExportSchema = z.object({
  sink: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
});

export const takenCheckpointSchema = z
  .object({
    checkpoint: auditCheckpointSchema,
    token: z
      .string()
      .meta({ description: 'the checkpoint as one string, for `GET /api/v1/audit/verify?checkpoint=`' }),
    created: z
      .boolean()
      .meta({ description: 'false when the head had not moved: the last checkpoint is returned' }),
    exported: z
      .boolean()
      .meta({ description: 'every sink holds it (failed exports are retried by the job runner)' }),
    exports: z.array(checkpointExportSchema),
  })
  .meta({ id: 'TakenAuditCheckpoint' });

/** The audit log itself: read it, and recompute its chain (documented before the feature tables). */
export const auditLogRoutes = {
  listAudit: {
    method: 'GET',
    path: '/api/v1/audit',
    query: auditQuery,
    responses: { 200: page(auditEventSchema) },
    permission: 'read',
    summary: 'Audit events, newest first',
    tags: ['audit'],
  },
  verifyAudit: {
    method: 'GET',
    path: '/api/v1/audit/verify',
    query: auditVerifyQuery,
    responses: { 200: auditVerifySchema, 503: errorSchema },
    permission: 'read',
    summary: "Recompute the audit chain's hashes; with a checkpoint, also prove the log still contains it",
    tags: ['audit'],
  },
} as const satisfies Record<string, RouteDefinition>;

/** Signed checkpoints of the audit chain (docs/audit.md#signed-checkpoints). */
export const auditRoutes = {
  takeAuditCheckpoint: {
    method: 'GET',
    path: '/api/v1/audit/checkpoint',
    responses: { 200: takenCheckpointSchema, 409: errorSchema, 503: errorSchema },
    permission: 'read',
    summary:
      'Sign the audit chain head (or return the last checkpoint if it has not moved), export it and return it',
    tags: ['audit'],
  },
  verifyAuditCheckpoints: {
    method: 'POST',
    path: '/api/v1/audit/verify',
    body: verifyCheckpointsBody,
    responses: { 200: auditVerifySchema, 503: errorSchema },
    permission: 'read',
    summary: 'Verify the chain and that it still contains every checkpointed prefix unchanged',
    tags: ['audit'],
  },
} as const satisfies Record<string, RouteDefinition>;
