import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { NavLink, Outlet } from 'react-router';
import { Button, ErrorNote } from './components/ui.tsx';
import { type Me, type Session, type SignInMethod, useSession } from './lib/auth.tsx';
import { type LiveState, useLiveEvents } from './lib/live.ts';
import { asSentence } from './lib/text.ts';
import { currentTheme, setTheme, type Theme } from './lib/theme.ts';

interface NavItem {
  to: string;
  label: string;
  /** Shown only to those holding one of these permissions; everyone signed in when absent. */
  anyOf?: readonly string[];
}

export const NAV: readonly NavItem[] = [
  { to: '/', label: 'Overview' },
  { to: '/projects', label: 'Stage gates' },
  { to: '/wip', label: 'WIP' },
  { to: '/ideas', label: 'Ideas' },
  { to: '/pods', label: 'Pods' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/scorecard', label: 'Scorecard' },
  { to: '/runs', label: 'Workflows' },
  { to: '/audit', label: 'Audit' },
  { to: '/access', label: 'Access', anyOf: ['users:manage', 'tokens:manage'] },
  { to: '/compliance', label: 'Compliance', anyOf: ['reports:read'] },
  { to: '/webhooks', label: 'Webhooks', anyOf: ['webhooks:manage'] },
  { to: '/integrations', label: 'Integrations', anyOf: ['users:manage', 'pods:manage'] },
];

/** The navigation items `can` allows. */
export function visibleNav(can: Session['can']): NavItem[] {
  return NAV.filter((n) => !n.anyOf || n.anyOf.some((p) => can(p)));
}

/** Who is signed in, how, and with what role, for the account area of the header. */
export function accountText(me: Me | null, method: SignInMethod | null, provider: string | null) {
  const who = me?.user?.email ?? 'API token';
  const role =
    me?.session && me.session.mappedRole !== me.role ? `${me.role} (not ${me.session.mappedRole})` : me?.role;
  const how =
    method === 'sso' ? `signed in with ${provider ?? 'single sign-on'}` : 'signed in with an API token';
  return { who, detail: `${role ?? ''} · ${how}` };
}

/**
 * Says, on every page, why an admin acts with a lower role (no second factor at the provider) and how
 * to fix it, for as long as the session lasts.
 */
function DowngradeBanner({ reason }: { reason: string }) {
  return (
    <div
      role="status"
      className="border-b border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      <p className="mx-auto max-w-7xl px-4 py-2 text-sm">
        <strong className="font-semibold">Reduced access.</strong> {asSentence(reason)}
      </p>
    </div>
  );
}

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  off: 'Offline',
};

function LiveBadge({ state }: { state: LiveState }) {
  const dot =
    state === 'live' ? 'bg-green-500' : state === 'off' ? 'bg-slate-400' : 'bg-amber-500 animate-pulse';
  return (
    <span
      className="inline-flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-300"
      role="status"
      aria-live="polite"
      data-live={state}
    >
      <span className={`h-2 w-2 rounded-full ${dot}`} aria-hidden="true" />
      {LIVE_TEXT[state]}
    </span>
  );
}

function ThemeSelect() {
  const [theme, set] = useState<Theme>(currentTheme());
  return (
    <label className="inline-flex items-center gap-1 text-xs">
      <span className="sr-only">Colour scheme</span>
      <select
        value={theme}
        onChange={(e) => {
          const next = e.target.value as Theme;
          set(next);
          setTheme(next);
        }}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

/** The frame around every signed-in view: navigation (a menu on phones), live status, account. */
export function Layout() {
  const { me, method, client, can, signOut } = useSession();
  const live = useLiveEvents();
  const [open, setOpen] = useState(false);
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const methods = useQuery({
    queryKey: ['auth-methods'],
    queryFn: () => client.getAuthMethods(),
    enabled: method === 'sso',
    staleTime: 10 * 60_000,
  });
  const nav = visibleNav(can);
  const account = accountText(me, method, methods.data?.sso?.name ?? null);
  const leave = () => {
    setSignOutError(null);
    signOut().catch(setSignOutError);
  };
  const downgrade = me?.session?.downgradeReason ?? null;
  const link = ({ isActive }: { isActive: boolean }) =>
    `block rounded-md px-3 py-2 text-sm font-medium ${isActive ? 'bg-teal-700 text-white' : 'text-slate-700 hover:bg-slate-200 dark:text-slate-200 dark:hover:bg-slate-800'}`;
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:p-2"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
        <div className="mx-auto flex max-w-7xl items-center gap-3 px-4 py-2">
          <a href="/" className="text-lg font-bold text-teal-700 dark:text-teal-400">
            CLOS
          </a>
          <nav aria-label="Main" className="hidden flex-1 lg:block">
            <ul className="flex flex-wrap gap-1">
              {nav.map((n) => (
                <li key={n.to}>
                  <NavLink to={n.to} end={n.to === '/'} className={link}>
                    {n.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <LiveBadge state={live} />
            <ThemeSelect />
            <section
              aria-label="Account"
              className="hidden text-right text-xs leading-tight sm:block"
              title={`${account.who} · ${account.detail}`}
            >
              <div className="ml-auto max-w-48 truncate font-medium text-slate-700 dark:text-slate-200">
                {account.who}
              </div>
              <div className="text-slate-500 dark:text-slate-400">{account.detail}</div>
            </section>
            {/* max-sm: a plain `hidden` would lose to the Button's own `inline-flex`. */}
            <Button variant="secondary" onClick={leave} className="max-sm:hidden">
              Sign out
            </Button>
            <Button
              variant="secondary"
              className="lg:hidden"
              aria-expanded={open}
              aria-controls="mobile-nav"
              onClick={() => setOpen((o) => !o)}
            >
              Menu
            </Button>
          </div>
        </div>
        {open ? (
          <nav
            id="mobile-nav"
            aria-label="Main"
            className="border-t border-slate-200 px-4 py-2 lg:hidden dark:border-slate-800"
          >
            <ul className="grid grid-cols-2 gap-1">
              {nav.map((n) => (
                <li key={n.to}>
                  <NavLink to={n.to} end={n.to === '/'} className={link} onClick={() => setOpen(false)}>
                    {n.label}
                  </NavLink>
                </li>
              ))}
              <li>
                <button
                  type="button"
                  onClick={leave}
                  className="block w-full rounded-md px-3 py-2 text-left text-sm"
                >
                  Sign out
                </button>
              </li>
              <li className="col-span-2 px-3 py-2 text-xs text-slate-500 sm:hidden dark:text-slate-400">
                {account.who} · {account.detail}
              </li>
            </ul>
          </nav>
        ) : null}
      </header>
      {downgrade ? <DowngradeBanner reason={downgrade} /> : null}
      {signOutError ? (
        <div className="mx-auto max-w-7xl px-4 pt-4">
          <ErrorNote error={signOutError} title="Could not sign out" />
        </div>
      ) : null}
      <main id="main">
        <Outlet />
      </main>
    </div>
  );
}
