import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { auditKeyId, parseAuditPublicKey, publicKeyPem, rawPublicKey } from '@clos/audit-signing';
import { auditCheckpointSchema, encodeCheckpointToken } from '@clos/contract';
import type { CheckpointSink, SignedCheckpoint } from '@clos/core';

/** `000000000042.json`: zero-padded so a listing sorts in sequence order. */
export function checkpointFileName(sequence: number): string {
  return `${String(sequence).padStart(12, '0')}.json`;
}

export const PUBLIC_KEY_FILE = 'public-key.pem';

/** What a checkpoint file holds: the checkpoint, and the same as a token for `?checkpoint=`. */
export function checkpointFileContent(checkpoint: SignedCheckpoint): string {
  return `${JSON.stringify({ ...checkpoint, token: encodeCheckpointToken(checkpoint) }, null, 2)}\n`;
}

/**
 * Writes `content` to `path` unless it exists: through a temporary file hard-linked into place, so
 * the file appears whole or not at all, and an existing one is never replaced (`link` fails on it).
 * An existing file is handed to `existing`, which throws if it conflicts.
 */
async function writeOnce(path: string, content: string, existing: (text: string) => void): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(tmp, 'wx', 0o644);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    existing(await readFile(path, 'utf8'));
    return;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  // The new name is durable only once the directory is: without this a crash could lose the file.
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * The default sink: one file per checkpoint, named by sequence, never overwritten, and the public key
 * as `public-key.pem`, written once. A directory belongs to one key: a checkpoint of another key is
 * refused rather than mixed in. Exporting the same checkpoint again (a retry) succeeds; a different
 * hash at a sequence already on file means the log was rewritten, and is refused loudly.
 */
export function directorySink(dir: string): CheckpointSink {
  return {
    name: `directory ${dir}`,
    async export(checkpoint) {
      await mkdir(dir, { recursive: true });
      await writeOnce(join(dir, PUBLIC_KEY_FILE), publicKeyPem(checkpoint.publicKey), (text) => {
        const pinned = rawPublicKey(parseAuditPublicKey(text, join(dir, PUBLIC_KEY_FILE)));
        if (pinned !== checkpoint.publicKey)
          throw new Error(
            `${dir} holds checkpoints of another key (${PUBLIC_KEY_FILE} is key ${auditKeyId(pinned)}, this server signs with ${checkpoint.keyId}): give each key its own directory`,
          );
      });
      const path = join(dir, checkpointFileName(checkpoint.sequence));
      await writeOnce(path, checkpointFileContent(checkpoint), (text) => {
        let onFile: SignedCheckpoint;
        try {
          const { token: _token, ...rest } = JSON.parse(text) as Record<string, unknown>;
          onFile = auditCheckpointSchema.parse(rest);
        } catch {
          throw new Error(`${path} exists and is not a checkpoint file; move it away`);
        }
        // Signed again for the same head (its record was lost): the file on disk already vouches for it.
        if (onFile.hash !== checkpoint.hash)
          throw new Error(
            `${path} already holds checkpoint ${checkpoint.sequence} with hash ${onFile.hash}, and the log now has ${checkpoint.hash} there: the log was rewritten (run clos audit verify --checkpoints)`,
          );
      });
    },
  };
}
