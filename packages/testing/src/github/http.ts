import type { IncomingMessage } from 'node:http';

/** The small HTTP toolkit of the fake: GitHub's error bodies, route templates, `Link` pagination. */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (raw file contents). */
  text?: string;
}

/** Which requests a fault applies to: a route (`GET /repos/{owner}/{repo}/pulls`), a path prefix or a pattern over `METHOD /path`. */
export type RequestMatch = string | RegExp;

export const DOCS = 'https://docs.github.com/rest';

/** GitHub's error body: `{ message, documentation_url, status }` (status as a string, as GitHub sends it). */
export function error(status: number, message: string, docs = DOCS): Reply {
  return { status, body: { message, documentation_url: docs, status: String(status) } };
}
export const notFound = (docs = DOCS) => error(404, 'Not Found', docs);
export const invalid = (detail: string, docs = DOCS) => error(422, `Invalid request.\n\n${detail}`, docs);

export function compile(template: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = template
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]);
      // A file path may arrive with its slashes as-is or encoded (Octokit encodes them as %2F).
      return m[1] === 'path' ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { regex: new RegExp(`^${pattern}$`), names };
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One page of a list, with the `Link` header GitHub sends (`prev`, `next`, `last`, `first`):
 * `per_page` defaults to 30 and is capped at 100, as on GitHub.
 */
export function pageOf<T>(
  items: readonly T[],
  request: { query: Record<string, string>; selfUrl: string },
  docs: string,
): { items: T[]; headers: Record<string, string> } | Reply {
  const perPage = request.query.per_page === undefined ? 30 : Number(request.query.per_page);
  const page = request.query.page === undefined ? 1 : Number(request.query.page);
  if (!Number.isInteger(perPage) || !Number.isInteger(page) || perPage < 1 || page < 1) {
    return invalid('per_page and page must be positive integers', docs);
  }
  const size = Math.min(perPage, 100);
  const last = Math.max(1, Math.ceil(items.length / size));
  const link = (n: number) => {
    const query = new URLSearchParams({ ...request.query, per_page: String(size), page: String(n) });
    return `<${request.selfUrl}?${query.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) parts.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) parts.push(`${link(1)}; rel="first"`);
  return {
    items: items.slice((page - 1) * size, page * size),
    headers: parts.length > 0 ? { link: parts.join(', ') } : {},
  };
}

export function matches(
  match: RequestMatch | undefined,
  method: string,
  path: string,
  route: string | undefined,
): boolean {
  if (match === undefined) return true;
  if (match instanceof RegExp) return match.test(`${method} ${path}`);
  return match === route || path.startsWith(match);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.';

/** A secondary (abuse) rate limit: Octokit's throttling plugin recognises it by "secondary rate" in the message. */
export function secondaryLimit(status: number, retryAfterSeconds: number | null): Reply {
  return {
    ...error(
      status,
      SECONDARY_MESSAGE,
      'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    ),
    headers: retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) },
  };
}

/** A primary rate limit: `x-ratelimit-remaining: 0` and the epoch second the window resets. */
export function primaryLimit(status: number, who: string, resetEpochSeconds: number): Reply {
  return {
    ...error(
      status,
      `API rate limit exceeded for ${who}.`,
      'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits',
    ),
    headers: {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '5000',
      'x-ratelimit-reset': String(resetEpochSeconds),
      'x-ratelimit-resource': 'core',
    },
  };
}
