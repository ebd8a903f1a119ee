/**
 * The cookies of a signed-in browser (docs/auth.md): the session (httpOnly), its CSRF token (readable
 * by the dashboard's script, which echoes it in `X-CSRF-Token`), and the binding of a sign-in under
 * way. All `SameSite=Lax`, and `Secure` unless CLOS is served over plain http on a loopback address.
 */
import { parse, serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'clos_session';
export const CSRF_COOKIE = 'clos_csrf';
export const LOGIN_COOKIE = 'clos_login';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  return parse(header)[name] || undefined;
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  httpOnly?: boolean;
  path?: string;
}

export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const cookie = serialize(name, value, {
    httpOnly: options.httpOnly ?? true,
    secure: options.secure,
    sameSite: 'lax',
    path: options.path ?? '/',
    maxAge: options.maxAge,
  });
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, cookie]);
}
