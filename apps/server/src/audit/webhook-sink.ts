import type { CheckpointSink } from '@clos/core';
import { checkpointFileContent } from './directory-sink.ts';

function failure(error: unknown, timeoutSeconds: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutSeconds} s`;
  // fetch says "fetch failed"; the reason (refused, DNS, TLS) is on its cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const reason = cause ? String(cause.code ?? cause.message ?? '') : '';
  const message = error instanceof Error ? error.message : String(error);
  return reason ? `${message}: ${reason}` : message;
}

/**
 * POSTs each checkpoint, as the JSON a checkpoint file holds, to the operator's URL. No HMAC: the
 * body carries its own Ed25519 signature, which a receiver checks against the pinned public key, so a
 * forged POST proves nothing; a repeated one (a retry) has the same sequence and is recognised by it.
 * A non-2xx answer, a redirect or a timeout throws, and the export is retried.
 */
export function webhookSink(url: string, options: { timeoutSeconds: number }): CheckpointSink {
  return {
    name: `webhook ${new URL(url).origin}`,
    async export(checkpoint) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'CLOS-Audit/2',
            'x-clos-checkpoint-sequence': String(checkpoint.sequence),
          },
          body: checkpointFileContent(checkpoint),
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
        });
      } catch (error) {
        throw new Error(failure(error, options.timeoutSeconds));
      }
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status >= 300) throw new Error(`answered ${response.status}`);
    },
  };
}
