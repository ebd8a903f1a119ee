import { type FormEvent, useState } from 'react';
import { Button, ErrorNote, TextField } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';

/** Sign-in with an API token until SSO exists. The token is kept for this browser tab only. */
export function SignIn() {
  const { signIn } = useSession();
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
  return (
    <main id="main" className="flex min-h-screen items-center justify-center p-4">
      <form
        onSubmit={submit}
        className="w-full max-w-sm space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      >
        <h1 className="text-xl font-semibold">Sign in to CLOS</h1>
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
        <Button type="submit" disabled={busy || token.trim() === ''} className="w-full">
          {busy ? 'Checking…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}
