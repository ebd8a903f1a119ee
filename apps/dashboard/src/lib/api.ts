import { ClosApiError, type ClosClient, createClosClient, type FetchLike } from '@clos/contract/client';

/** The cookie the server sets beside the (httpOnly) session cookie, readable by this script. */
export const CSRF_COOKIE = 'clos_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TIMEOUT_MS = 20_000;

/** A typed API client for this origin and token (the server serves the dashboard and the API). */
export function apiClient(token: string | null): ClosClient {
  return createClosClient({ url: window.location.origin, token: token ?? undefined, timeoutMs: TIMEOUT_MS });
}

/** The value of cookie `name` in a `document.cookie` string, or null. */
export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return null;
}

/**
 * `fetch` for a browser signed in by its SSO session cookie: same-origin requests carry the cookie,
 * and every request that changes something echoes the CSRF cookie in `X-CSRF-Token` (the server
 * refuses it otherwise: a cross-site form can make the browser send the cookie, never the header).
 * Any 401 is reported to `onUnauthorized`: the session ended (deactivated, expired, ended by an admin).
 */
export function sessionFetch(
  onUnauthorized: () => void,
  base: FetchLike = (url, init) => fetch(url, init),
): FetchLike {
  return async (url, init) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const csrf = readCookie(CSRF_COOKIE);
    // Read at each request, not once: signing in again in another tab replaces the cookie.
    if (!SAFE_METHODS.has(method) && csrf) headers.set(CSRF_HEADER, csrf);
    const response = await base(url, { ...init, headers, credentials: 'same-origin' });
    if (response.status === 401) onUnauthorized();
    return response;
  };
}

/** A typed API client for a browser signed in by its session cookie (no Authorization header). */
export function sessionApiClient(onUnauthorized: () => void): ClosClient {
  return createClosClient({
    url: window.location.origin,
    fetch: sessionFetch(onUnauthorized),
    timeoutMs: TIMEOUT_MS,
  });
}

/**
 * Ends the SSO session (`POST /auth/logout`, with the CSRF header) and answers where the browser goes
 * next: the provider's end-session URL (so the provider signs out too) or `/`.
 */
export async function endBrowserSession(base: FetchLike = (url, init) => fetch(url, init)): Promise<string> {
  const response = await sessionFetch(() => {}, base)(`${window.location.origin}/auth/logout`, {
    method: 'POST',
    headers: { accept: 'application/json' },
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { message?: unknown } } | undefined)?.error;
    throw new Error(
      typeof error?.message === 'string' ? error.message : `signing out failed (HTTP ${response.status})`,
    );
  }
  const redirectUrl = (body as { redirectUrl?: unknown } | undefined)?.redirectUrl;
  return typeof redirectUrl === 'string' && redirectUrl !== '' ? redirectUrl : '/';
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
