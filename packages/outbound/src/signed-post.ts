import { createHmac } from 'node:crypto';
import { OutboundBlockedError, type OutboundClient } from './outbound-client.ts';

/** The header a signed POST carries its signature in (docs/webhooks.md#verifying-the-signature). */
export const SIGNATURE_HEADER = 'x-clos-signature';

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes sent, keyed with `secret`. */
export function bodySignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface SignedPostOptions {
  /** Signs the body into `X-Clos-Signature` when set; the request goes unsigned otherwise. */
  secret?: string | undefined;
  /** Sent as given (`content-type` is `application/json` unless set here). */
  headers: Record<string, string>;
  /** No answer (headers) within this many seconds is a `timeout`. */
  timeoutSeconds: number;
}

/**
 * What became of one POST. Every outcome but `delivered` carries `error`, one line that a delivery log
 * or a log line can show as it is; `durationMs` runs from the call to the answer's headers (or the
 * failure).
 */
export type SignedPostResult =
  /** The receiver answered 2xx. */
  | { kind: 'delivered'; status: number; durationMs: number }
  /** The receiver answered with a status that is neither 2xx nor a redirect. */
  | { kind: 'rejected'; status: number; error: string; durationMs: number }
  /** The receiver answered 3xx: not followed, so a signed body never goes to a host nobody chose. */
  | { kind: 'redirected'; status: number; location: string | null; error: string; durationMs: number }
  /**
   * Refused before any connection: the host is, or resolves to, a range the guard refuses. `error`
   * names the rule and the setting, never the address. Retrying cannot help until the configuration
   * or the URL changes.
   */
  | { kind: 'blocked'; error: string; durationMs: number }
  /** No answer within `timeoutSeconds`. */
  | { kind: 'timeout'; error: string; durationMs: number }
  /** The request did not get an answer: DNS, a refused connection, TLS, a reset. */
  | { kind: 'network'; error: string; durationMs: number };

/** What fetch's rejection says, with the reason it keeps on its cause ("fetch failed: ECONNREFUSED"). */
function networkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 1000);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const reason = cause ? String(cause.code ?? cause.message ?? '') : '';
  return (reason ? `${error.message}: ${reason}` : error.message).slice(0, 1000);
}

const isTimeout = (error: unknown) =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

/**
 * POSTs `body` to a URL someone chose, through `client` (the address guard of
 * {@link createOutboundClient}): signed with `secret` as `X-Clos-Signature: sha256=<HMAC-SHA256 of
 * the body>`, given `timeoutSeconds` to answer, redirects reported and never followed, and the
 * receiver's body cancelled unread (which frees the connection; nothing of it is used). Never throws
 * for what the network or the receiver did: each outcome is a {@link SignedPostResult}.
 */
export async function signedPost(
  client: Pick<OutboundClient, 'fetch'>,
  url: string,
  body: string,
  options: SignedPostOptions,
): Promise<SignedPostResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.secret) headers[SIGNATURE_HEADER] = bodySignature(options.secret, body);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let response: Awaited<ReturnType<OutboundClient['fetch']>>;
  try {
    response = await client.fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
    });
  } catch (error) {
    if (error instanceof OutboundBlockedError)
      return { kind: 'blocked', error: error.message, durationMs: elapsed() };
    if (isTimeout(error))
      return {
        kind: 'timeout',
        error: `no answer within ${options.timeoutSeconds} s`,
        durationMs: elapsed(),
      };
    return { kind: 'network', error: networkError(error), durationMs: elapsed() };
  }
  await response.body?.cancel().catch(() => {});
  const status = response.status;
  const durationMs = elapsed();
  if (status >= 200 && status < 300) return { kind: 'delivered', status, durationMs };
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    return {
      kind: 'redirected',
      status,
      location,
      error: `redirect to ${location ?? '(no location)'} not followed`,
      durationMs,
    };
  }
  return { kind: 'rejected', status, error: `the receiver answered ${status}`, durationMs };
}
