import type { CheckpointSink } from '@clos/core';
import { operatorClient, signedPost } from '@clos/outbound';
import { checkpointFileContent } from './directory-sink.ts';

/**
 * POSTs each checkpoint, as the JSON a checkpoint file holds, to the operator's URL. No HMAC: the
 * body carries its own Ed25519 signature, which a receiver checks against the pinned public key, so a
 * forged POST proves nothing; a repeated one (a retry) has the same sequence and is recognised by it.
 * A non-2xx answer, a redirect or a timeout throws, and the export is retried. The URL is the
 * operator's, so it is called as configured (`operatorClient`), without the address guard.
 */
export function webhookSink(url: string, options: { timeoutSeconds: number }): CheckpointSink {
  return {
    name: `webhook ${new URL(url).origin}`,
    async export(checkpoint) {
      const sent = await signedPost(operatorClient, url, checkpointFileContent(checkpoint), {
        headers: { 'user-agent': 'CLOS-Audit/2', 'x-clos-checkpoint-sequence': String(checkpoint.sequence) },
        timeoutSeconds: options.timeoutSeconds,
      });
      if (sent.kind === 'delivered') return;
      throw new Error('status' in sent ? `answered ${sent.status}` : sent.error);
    },
  };
}
