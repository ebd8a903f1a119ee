import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { Button, ErrorNote, TextField } from '../components/ui.tsx';
import { apiClient } from '../lib/api.ts';
import { useSession } from '../lib/auth.tsx';

/** Where "Sign in with <provider>" goes: the provider, then back to the page the person asked for. */
export function ssoHref(loginUrl: string, location: { pathname: string; search: string }): string {
  const here = `${location.pathname}${location.search}`;
  const separator = loginUrl.includes('?') ? '&' : '?';
  return `${loginUrl}${separator}returnTo=${encodeURIComponent(here || '/')}`;
}

/**
 * Sign-in: with the company's identity provider when the server has SSO (`GET /api/v1/auth/methods`),
 * else, or besides, with an API token kept for this browser tab only.
 */
export function SignIn() {
  const { signIn, notice } = useSession();
  // Signed out, the session's client may be a cookie client about to be replaced; this one needs none.
  const client = useMemo(() => apiClient(null), []);
  const methods = useQuery({
    queryKey: ['auth-methods'],
    queryFn: () => client.getAuthMethods(),
    staleTime: 10 * 60_000,
  });
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const sso = methods.data?.sso ?? null;
  return (
    <main id="main" className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-xl font-semibold">Sign in to CLOS</h1>
        {notice ? (
          <p
            role="status"
            className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
          >
            {notice}
          </p>
        ) : null}
        {sso ? (
          <>
            {/* A link, not a script: the provider's page replaces this one. */}
            <a
              href={ssoHref(sso.loginUrl, window.location)}
              className="flex min-h-10 w-full items-center justify-center rounded-lg bg-teal-700 px-3 py-2 text-sm font-medium text-white hover:bg-teal-800"
            >
              Sign in with {sso.name}
            </a>
            <p className="flex items-center gap-2 text-xs text-slate-500" aria-hidden="true">
              <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
              or use an API token
              <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
            </p>
          </>
        ) : null}
        <form onSubmit={submit} className="space-y-4" aria-label={sso ? 'Or use an API token' : 'Sign in'}>
          <TextField
            label="API token"
            type="password"
            autoComplete="off"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            hint="Create one with `clos token create` or ask an admin. It is kept for this tab only."
          />
          {error ? <ErrorNote error={error} title="Sign-in refused" /> : null}
          <Button
            type="submit"
            variant={sso ? 'secondary' : 'primary'}
            disabled={busy || token.trim() === ''}
            className="w-full"
          >
            {busy ? 'Checking…' : 'Sign in'}
          </Button>
        </form>
      </div>
    </main>
  );
}
