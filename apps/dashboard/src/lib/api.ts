import { ClosApiError, type ClosClient, createClosClient } from '@clos/contract/client';

/** A typed API client for this origin and token (the server serves the dashboard and the API). */
export function apiClient(token: string | null): ClosClient {
  return createClosClient({ url: window.location.origin, token: token ?? undefined, timeoutMs: 20_000 });
}

/**
 * What to show for a failed request: the server's own message, with each field problem it named
 * (`body.scores.impact: must be ≤ 5`), so the user reads why, not just that it failed.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof ClosApiError) {
    const details = error.details as unknown;
    if (
      Array.isArray(details) &&
      details.every((d) => d && typeof d === 'object' && 'path' in d && 'message' in d)
    ) {
      const problems = details.map((d: { path: string; message: string }) => `${d.path}: ${d.message}`);
      // Some server messages already name each problem; saying them twice reads as two errors.
      if (problems.every((p) => error.message.includes(p))) return error.message;
      return `${error.message}: ${problems.join('; ')}`;
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

export const isForbidden = (error: unknown) => error instanceof ClosApiError && error.status === 403;
export const isUnauthorized = (error: unknown) => error instanceof ClosApiError && error.status === 401;
