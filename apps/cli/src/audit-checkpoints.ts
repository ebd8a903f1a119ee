/**
 * `clos audit verify --checkpoints DIR`: proves the audit log still contains every checkpoint in a
 * directory written by CLOS's directory sink. Each checkpoint's signature is checked here, against a
 * public key the operator pinned (never only the key a checkpoint carries), so a database owner who
 * re-signs a rewritten log with a key of their own is caught before anything is sent. The server then
 * walks the chain once per batch and answers whether every checkpointed prefix is still there.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AuditKeyError, checkpointSignatureProblem, parseAuditPublicKey } from '@clos/audit-signing';
import { EXIT, type ExitCode, usageError } from '@clos/cli-kit';
import { auditCheckpointSchema } from '@clos/contract';
import type { SignedCheckpoint } from '@clos/core';
import type { Session } from './context.ts';

const CHECKPOINT_FILE = /^\d+\.json$/;
// The server accepts up to 1,000 per request; each request walks the whole chain once.
export const CHECKPOINT_BATCH = 500;

interface OnFile {
  file: string;
  checkpoint: SignedCheckpoint;
}

async function readCheckpoints(dir: string): Promise<OnFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw usageError(`cannot read the checkpoint directory ${dir}: ${(error as Error).message}`);
  }
  const files = names
    .filter((n) => CHECKPOINT_FILE.test(n))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  if (!files.length)
    throw usageError(`no checkpoint files (000000000042.json) in ${dir}`, [
      'point --checkpoints at the directory CLOS exports checkpoints to (audit.checkpoints.directory)',
    ]);
  const read: OnFile[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw usageError(`${path} is not a readable checkpoint: ${(error as Error).message}`);
    }
    const { token: _token, ...fields } = (parsed ?? {}) as Record<string, unknown>;
    const checkpoint = auditCheckpointSchema.safeParse(fields);
    if (!checkpoint.success) {
      const issue = checkpoint.error.issues[0]!;
      throw usageError(`${path} is not a checkpoint: ${issue.path.join('.') || '(root)'} ${issue.message}`);
    }
    read.push({ file: path, checkpoint: checkpoint.data });
  }
  return read;
}

async function readPinnedKey(path: string, given: boolean) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read the public key ${path}: ${(error as Error).message}`, [
      given
        ? 'pass the PEM public key of the audit signing key with --public-key FILE'
        : 'the directory sink writes public-key.pem once; or pass the key you pinned with --public-key FILE',
    ]);
  }
  try {
    return parseAuditPublicKey(text, path);
  } catch (error) {
    if (error instanceof AuditKeyError) throw usageError(error.message);
    throw error;
  }
}

export async function verifyCheckpointDirectory(
  s: Session,
  options: { checkpoints: string; publicKey?: string | undefined; batch?: number },
): Promise<ExitCode> {
  const dir = resolve(s.runtime.cwd, options.checkpoints);
  const keyPath = options.publicKey ? resolve(s.runtime.cwd, options.publicKey) : join(dir, 'public-key.pem');
  const pinned = await readPinnedKey(keyPath, Boolean(options.publicKey));
  const onFile = await readCheckpoints(dir);

  for (const { file, checkpoint } of onFile) {
    const problem = checkpointSignatureProblem(checkpoint, pinned);
    if (problem) {
      const result = { ok: false, reason: `checkpoint ${problem}`, file, sequence: checkpoint.sequence };
      if (s.out.json) s.out.printJson(result);
      else s.out.line(`checkpoint REFUSED: ${file} (sequence ${checkpoint.sequence}) ${problem}`);
      return EXIT.failed;
    }
  }

  const client = await s.client();
  const size = Math.max(2, options.batch ?? CHECKPOINT_BATCH);
  let count = 0;
  let failure: { brokenAt: number; reason: string; checkpoint?: { sequence: number; time: string } } | null =
    null;
  // Batches in sequence order, each opening with the previous one's last checkpoint: the server blames
  // the events after the last checkpoint that still matches, and it must see that one to name it. The
  // first batch that fails holds the first failure (every earlier checkpoint passed), so stop there.
  for (let start = 0; start < onFile.length && !failure; start += size - 1) {
    const batch = onFile.slice(start, start + size).map((f) => f.checkpoint);
    const verdict = await client.verifyAuditCheckpoints({ body: { checkpoints: batch } });
    count = verdict.count;
    if (!verdict.ok) failure = verdict;
    if (start + size >= onFile.length) break;
  }

  const first = onFile[0]!.checkpoint.sequence;
  const last = onFile[onFile.length - 1]!.checkpoint.sequence;
  if (!failure) {
    if (s.out.json) s.out.printJson({ ok: true, count, checkpoints: onFile.length });
    else
      s.out.line(
        `audit log intact: ${count} events; all ${onFile.length} checkpoints (sequences ${first}–${last}) still contained unchanged`,
      );
    return EXIT.ok;
  }
  const blamed = failure.checkpoint;
  const file = blamed ? onFile.find((f) => f.checkpoint.sequence === blamed.sequence)?.file : undefined;
  if (s.out.json) s.out.printJson({ ok: false, ...failure, ...(file ? { file } : {}) });
  else {
    s.out.line(`audit log BROKEN at sequence ${failure.brokenAt}: ${failure.reason}`);
    if (file && blamed)
      s.out.line(`failing checkpoint: ${file} (sequence ${blamed.sequence}, signed ${blamed.time})`);
  }
  return EXIT.failed;
}
