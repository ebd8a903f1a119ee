/**
 * `CLOS_OIDC_*` and `CLOS_PUBLIC_URL`: where people sign in (docs/auth.md). Parsed at start-up so a
 * typo fails there, naming the variable, rather than at someone's first sign-in.
 */

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** The external base URL, without a trailing slash; the redirect URI is `${publicUrl}/auth/callback`. */
  publicUrl: URL;
  /** Cookies carry `Secure` unless CLOS is reached over plain http on a loopback address. */
  secureCookies: boolean;
  /** http:// on a loopback address: development and tests against a local provider. */
  insecureIssuer: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const isLoopback = (url: URL) =>
  LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);

function parseUrl(name: string, value: string): URL | string {
  try {
    return new URL(value);
  } catch {
    return `${name}: must be an absolute URL, got "${value}"`;
  }
}

/**
 * The settings, null when SSO is not configured (no `CLOS_OIDC_ISSUER`), or the problems found: the
 * four variables go together; the issuer and the public URL must be https, except on a loopback
 * address.
 */
export function readOidcSettings(env: NodeJS.ProcessEnv): OidcSettings | null | string[] {
  const names = [
    'CLOS_OIDC_ISSUER',
    'CLOS_OIDC_CLIENT_ID',
    'CLOS_OIDC_CLIENT_SECRET',
    'CLOS_PUBLIC_URL',
  ] as const;
  const given = names.filter((n) => env[n]);
  if (!env.CLOS_OIDC_ISSUER && !env.CLOS_OIDC_CLIENT_ID && !env.CLOS_OIDC_CLIENT_SECRET) return null;
  const problems = names
    .filter((n) => !given.includes(n))
    .map(
      (n) => `${n}: is required when CLOS_OIDC_ISSUER, CLOS_OIDC_CLIENT_ID or CLOS_OIDC_CLIENT_SECRET is set`,
    );
  if (problems.length) return problems;
  const issuer = parseUrl('CLOS_OIDC_ISSUER', env.CLOS_OIDC_ISSUER!);
  const publicUrl = parseUrl('CLOS_PUBLIC_URL', env.CLOS_PUBLIC_URL!);
  for (const [name, url] of [
    ['CLOS_OIDC_ISSUER', issuer],
    ['CLOS_PUBLIC_URL', publicUrl],
  ] as const) {
    if (typeof url === 'string') problems.push(url);
    else if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))
      problems.push(
        `${name}: must be an https:// URL (http:// only on a loopback address such as http://127.0.0.1:8080), got "${url.href}"`,
      );
  }
  if (typeof publicUrl !== 'string' && (publicUrl.search || publicUrl.hash))
    problems.push('CLOS_PUBLIC_URL: must not have a query or fragment');
  if (problems.length || typeof issuer === 'string' || typeof publicUrl === 'string') return problems;
  return {
    issuer,
    clientId: env.CLOS_OIDC_CLIENT_ID!,
    clientSecret: env.CLOS_OIDC_CLIENT_SECRET!,
    publicUrl,
    secureCookies: publicUrl.protocol === 'https:',
    insecureIssuer: issuer.protocol === 'http:',
  };
}

/** `${publicUrl}${path}`, for the redirect URI and post-logout URI. */
export function publicHref(settings: OidcSettings, path: string): string {
  return `${settings.publicUrl.href.replace(/\/+$/, '')}${path}`;
}
