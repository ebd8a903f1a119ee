import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import {
  Badge,
  Button,
  Card,
  Empty,
  ErrorNote,
  formatDate,
  Page,
  QueryState,
  SelectField,
  Table,
  TextArea,
  TextField,
} from '../components/ui.tsx';
import {
  ACCESS_KEYS,
  type ApiToken,
  expiryFromDate,
  parseList,
  ROLE_CHOICES,
  type Role,
  roleChangeConsequences,
  signInMethod,
  tokenState,
  type User,
  type UserSession,
  useOpenSessions,
  usePodMemberships,
  useTokens,
  useUsers,
} from '../lib/access.ts';
import { useSession } from '../lib/auth.tsx';
import { usePodList } from '../lib/pod-list.ts';

const TD = 'px-3 py-2 align-top';

/** Refreshes everything a change of access may have touched: users, their tokens and sessions, pods. */
function useRefreshAccess() {
  const queryClient = useQueryClient();
  return () => {
    for (const key of Object.values(ACCESS_KEYS)) void queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: ['audit'] });
  };
}

function LoadMore({
  query,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage(): unknown };
}) {
  if (!query.hasNextPage) return null;
  return (
    <Button
      variant="secondary"
      onClick={() => void query.fetchNextPage()}
      disabled={query.isFetchingNextPage}
    >
      {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
    </Button>
  );
}

/** Checkboxes of every pod, by slug: the pods a user belongs to, or a token is limited to. */
function PodPicker({
  legend,
  pods,
  value,
  onChange,
  hint,
}: {
  legend: string;
  pods: { slug: string; name: string }[];
  value: string[];
  onChange(next: string[]): void;
  hint?: string;
}) {
  const id = useId();
  return (
    <fieldset aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend className="text-sm font-medium">{legend}</legend>
      {pods.length === 0 ? (
        <p className="mt-1 text-xs text-slate-500">No pods yet.</p>
      ) : (
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {pods.map((p) => (
            <label key={p.slug} className="inline-flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                checked={value.includes(p.slug)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, p.slug] : value.filter((s) => s !== p.slug))
                }
              />
              {p.slug}
            </label>
          ))}
        </div>
      )}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </fieldset>
  );
}

// ---------------------------------------------------------------- users

type UserDialog = { kind: 'role'; role: Role } | { kind: 'active'; active: boolean } | null;

function UserRow({
  user,
  pods,
  memberOf,
  membershipsKnown,
  tokenCount,
  isYou,
}: {
  user: User;
  pods: { slug: string; name: string }[];
  memberOf: string[];
  membershipsKnown: boolean;
  tokenCount: number;
  isYou: boolean;
}) {
  const { client } = useSession();
  const refresh = useRefreshAccess();
  const [dialog, setDialog] = useState<UserDialog>(null);
  const [editingPods, setEditingPods] = useState<string[] | null>(null);
  const update = useMutation({
    mutationFn: (body: { role?: Role; pods?: string[]; active?: boolean }) =>
      client.updateUser({ params: { id: user.id }, body }),
    onSuccess: () => {
      setDialog(null);
      setEditingPods(null);
      refresh();
    },
  });
  const open = (next: UserDialog) => {
    update.reset();
    setDialog(next);
  };
  const label = `${user.name}${isYou ? ' (you)' : ''}`;
  return (
    <tr className="border-t border-slate-200 dark:border-slate-800" data-user={user.email}>
      <th scope="row" className={`${TD} text-left font-medium`}>
        {label}
      </th>
      <td className={TD}>{user.email}</td>
      <td className={TD}>
        <label className="sr-only" htmlFor={`role-${user.id}`}>
          Role of {user.name}
        </label>
        <select
          id={`role-${user.id}`}
          value={dialog?.kind === 'role' ? dialog.role : user.role}
          disabled={!user.active || update.isPending}
          onChange={(e) => {
            const role = e.target.value as Role;
            if (role !== user.role) open({ kind: 'role', role });
          }}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-950"
        >
          {ROLE_CHOICES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </td>
      <td className={TD}>
        {editingPods ? (
          <form
            className="min-w-48 space-y-2"
            aria-label={`Pods of ${user.name}`}
            onSubmit={(e) => {
              e.preventDefault();
              update.mutate({ pods: editingPods });
            }}
          >
            <PodPicker
              legend={`Pods of ${user.name}`}
              pods={pods}
              value={editingPods}
              onChange={setEditingPods}
            />
            <div className="flex gap-2">
              <Button type="submit" disabled={update.isPending}>
                {update.isPending ? 'Saving…' : 'Save pods'}
              </Button>
              <Button variant="secondary" onClick={() => setEditingPods(null)} disabled={update.isPending}>
                Cancel
              </Button>
            </div>
          </form>
        ) : (
          <div className="flex flex-wrap items-center gap-1">
            {!membershipsKnown ? (
              <span className="text-slate-500">…</span>
            ) : memberOf.length ? (
              memberOf.map((slug) => <Badge key={slug}>{slug}</Badge>)
            ) : (
              <span className="text-slate-500">none</span>
            )}
            <button
              type="button"
              className="ml-1 text-xs text-teal-700 underline disabled:opacity-50 dark:text-teal-400"
              disabled={!membershipsKnown}
              onClick={() => {
                update.reset();
                setEditingPods(memberOf);
              }}
              aria-label={`Edit pods of ${user.name}`}
            >
              Edit
            </button>
          </div>
        )}
      </td>
      <td className={TD}>
        {user.active ? (
          <Badge tone="green">Active</Badge>
        ) : (
          <>
            <Badge tone="red">Deactivated</Badge>
            <div className="mt-0.5 text-xs text-slate-500">{formatDate(user.deactivatedAt)}</div>
          </>
        )}
      </td>
      <td className={TD}>
        <Badge tone={signInMethod(user) === 'SSO' ? 'teal' : 'slate'}>{signInMethod(user)}</Badge>
      </td>
      <td className={`${TD} whitespace-nowrap`}>{formatDate(user.lastSignInAt)}</td>
      <td className={TD}>
        <Button
          variant={user.active ? 'secondary' : 'primary'}
          onClick={() => open({ kind: 'active', active: !user.active })}
          aria-label={`${user.active ? 'Deactivate' : 'Reactivate'} ${user.name}`}
        >
          {user.active ? 'Deactivate' : 'Reactivate'}
        </Button>
        {!dialog && update.isError ? (
          <div className="mt-2 max-w-72">
            <ErrorNote error={update.error} title={`Could not change ${user.name}`} />
          </div>
        ) : null}
        {dialog?.kind === 'role' ? (
          <ConfirmDialog
            title={`Change ${user.name}'s role to ${dialog.role}?`}
            confirmLabel="Change role"
            tone="primary"
            busy={update.isPending}
            error={update.isError ? update.error : undefined}
            onConfirm={() => update.mutate({ role: dialog.role })}
            onCancel={() => setDialog(null)}
          >
            <p>
              From <strong>{user.role}</strong> to <strong>{dialog.role}</strong>.
            </p>
            <ul className="list-disc space-y-1 pl-5">
              {roleChangeConsequences(user, dialog.role).map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          </ConfirmDialog>
        ) : null}
        {dialog?.kind === 'active' ? (
          <ConfirmDialog
            title={`${dialog.active ? 'Reactivate' : 'Deactivate'} ${user.name}?`}
            confirmLabel={dialog.active ? 'Reactivate' : 'Deactivate'}
            tone={dialog.active ? 'primary' : 'danger'}
            busy={update.isPending}
            error={update.isError ? update.error : undefined}
            onConfirm={() => update.mutate({ active: dialog.active })}
            onCancel={() => setDialog(null)}
          >
            {dialog.active ? (
              <p>
                {user.name} can sign in again. Tokens revoked when they were deactivated stay revoked: create
                new ones if they need them.
              </p>
            ) : (
              <ul className="list-disc space-y-1 pl-5">
                <li>
                  Their {tokenCount === 1 ? 'active API token is' : `${tokenCount} active API tokens are`}{' '}
                  revoked; anything using {tokenCount === 1 ? 'it' : 'them'} is refused from now on.
                </li>
                <li>Their open sessions end at once, in every browser.</li>
                <li>They can no longer sign in, with SSO or a token, until reactivated.</li>
              </ul>
            )}
          </ConfirmDialog>
        ) : null}
      </td>
    </tr>
  );
}

function Users({ tokens }: { tokens: ApiToken[] }) {
  const { me } = useSession();
  const { query, items } = useUsers(true);
  const { pods, members } = usePodMemberships(true);
  const podChoices = (pods.data?.items ?? []).map((p) => ({ slug: p.slug, name: p.name }));
  const now = new Date();
  const activeTokens = (userId: string) =>
    tokens.filter((t) => t.userId === userId && tokenState(t, now) === 'active').length;
  return (
    <Card title="Users">
      <QueryState query={query} what="users" isEmpty={() => items.length === 0} empty="No users yet.">
        {() => (
          <div className="space-y-2">
            <Table
              minWidth="48rem"
              caption="Users with their role, pods, status, sign-in method and last sign-in"
              head={['Name', 'Email', 'Role', 'Pods', 'Status', 'Sign-in', 'Last sign-in', 'Access']}
            >
              {items.map((u) => (
                <UserRow
                  key={u.id}
                  user={u}
                  pods={podChoices}
                  memberOf={members.data?.get(u.id) ?? []}
                  membershipsKnown={members.isSuccess}
                  tokenCount={activeTokens(u.id)}
                  isYou={me?.user?.id === u.id}
                />
              ))}
            </Table>
            {members.isError ? (
              <ErrorNote error={members.error} title="Could not load pod memberships" />
            ) : null}
            <LoadMore query={query} />
          </div>
        )}
      </QueryState>
    </Card>
  );
}

// ---------------------------------------------------------------- tokens

function CopyValue({ value }: { value: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <code
        className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm dark:bg-slate-800"
        data-testid="token-value"
      >
        {value}
      </code>
      <Button
        variant="secondary"
        onClick={() =>
          navigator.clipboard
            .writeText(value)
            .then(() => setCopied('yes'))
            .catch(() => setCopied('no'))
        }
      >
        Copy
      </Button>
      <span role="status" className="text-xs text-slate-500">
        {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Could not copy: select it and copy by hand' : ''}
      </span>
    </div>
  );
}

function CreateToken({ pods }: { pods: { slug: string; name: string }[] }) {
  const { client } = useSession();
  const refresh = useRefreshAccess();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const [user, setUser] = useState('');
  const [scope, setScope] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const [cidrs, setCidrs] = useState('');
  const [created, setCreated] = useState<{ name: string; value: string } | null>(null);
  const create = useMutation({
    mutationFn: () => {
      const allowedCidrs = parseList(cidrs);
      return client.createToken({
        body: {
          name: name.trim(),
          role,
          ...(user.trim() ? { user: user.trim() } : {}),
          ...(scope.length ? { pods: scope } : {}),
          expiresAt: expiryFromDate(expires),
          ...(allowedCidrs.length ? { allowedCidrs } : {}),
        },
      });
    },
    onSuccess: (result) => {
      setCreated({ name: result.token.name, value: result.value });
      setName('');
      setUser('');
      setScope([]);
      setExpires('');
      setCidrs('');
      refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  };
  return (
    <Card title="Create a token">
      {created ? (
        <section
          className="mb-4 space-y-2 rounded-lg border border-green-300 bg-green-50 p-3 text-sm dark:border-green-800 dark:bg-green-950"
          aria-label="New token"
        >
          <p>
            <strong>{created.name}</strong> is ready. Copy its value now: it is shown only once.
          </p>
          <CopyValue value={created.value} />
          <Button variant="secondary" onClick={() => setCreated(null)}>
            Done
          </Button>
        </section>
      ) : null}
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" aria-label="Create a token">
        <TextField
          label="Token name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          autoComplete="off"
        />
        <SelectField label="Token role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLE_CHOICES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <TextField
          label="User email"
          type="email"
          value={user}
          onChange={(e) => setUser(e.target.value)}
          autoComplete="off"
          hint="Whom the token acts as; empty: you. It can do no more than that user's role allows."
        />
        <TextField
          label="Expires"
          type="date"
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
          hint="Valid until the end of this day; empty: never expires."
        />
        <div className="sm:col-span-2">
          <PodPicker
            legend="Limited to pods"
            pods={pods}
            value={scope}
            onChange={setScope}
            hint="None ticked: every pod the role may act in."
          />
        </div>
        <div className="sm:col-span-2">
          <TextArea
            label="Allowed addresses"
            rows={2}
            value={cidrs}
            onChange={(e) => setCidrs(e.target.value)}
            placeholder="10.0.0.0/8, 2001:db8::/32"
          />
          <p className="mt-1 text-xs text-slate-500">
            IPv4 or IPv6 addresses or CIDR ranges, separated by commas or lines; empty: usable from anywhere.
          </p>
        </div>
        <div className="sm:col-span-2">
          <Button type="submit" disabled={create.isPending || name.trim() === ''}>
            {create.isPending ? 'Creating…' : 'Create token'}
          </Button>
        </div>
        {create.isError ? (
          <div className="sm:col-span-2">
            <ErrorNote error={create.error} title="Could not create the token" />
          </div>
        ) : null}
      </form>
    </Card>
  );
}

function TokenRow({
  token,
  holder,
  podSlugs,
  now,
}: {
  token: ApiToken;
  holder: string;
  podSlugs: ReadonlyMap<string, string>;
  now: Date;
}) {
  const { client } = useSession();
  const refresh = useRefreshAccess();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () => client.revokeToken({ params: { id: token.id } }),
    onSuccess: () => {
      setConfirming(false);
      refresh();
    },
  });
  const state = tokenState(token, now);
  return (
    <tr className="border-t border-slate-200 dark:border-slate-800">
      <th scope="row" className={`${TD} text-left font-medium`}>
        {token.name}
        <div className="font-mono text-xs font-normal text-slate-500">{token.prefix}…</div>
      </th>
      <td className={TD}>{holder}</td>
      <td className={TD}>{token.role}</td>
      <td className={TD}>
        {token.podIds.length ? token.podIds.map((id) => podSlugs.get(id) ?? id).join(', ') : 'every pod'}
      </td>
      <td className={`${TD} font-mono text-xs`}>
        {token.allowedCidrs.length ? (
          token.allowedCidrs.join(', ')
        ) : (
          <span className="font-sans">anywhere</span>
        )}
      </td>
      <td className={`${TD} whitespace-nowrap`}>{formatDate(token.createdAt)}</td>
      <td className={`${TD} whitespace-nowrap`}>
        {token.lastUsedAt ? formatDate(token.lastUsedAt) : 'never'}
      </td>
      <td className={`${TD} whitespace-nowrap`}>{token.expiresAt ? formatDate(token.expiresAt) : 'never'}</td>
      <td className={TD}>
        {state === 'revoked' ? (
          <>
            <Badge tone="red">Revoked</Badge>
            <div className="mt-0.5 whitespace-nowrap text-xs text-slate-500">
              {formatDate(token.revokedAt)}
            </div>
          </>
        ) : state === 'expired' ? (
          <Badge tone="amber">Expired</Badge>
        ) : (
          <Button
            variant="secondary"
            onClick={() => {
              revoke.reset();
              setConfirming(true);
            }}
            aria-label={`Revoke ${token.name}`}
          >
            Revoke
          </Button>
        )}
        {!confirming && revoke.isError ? <ErrorNote error={revoke.error} title="Could not revoke" /> : null}
        {confirming ? (
          <ConfirmDialog
            title={`Revoke ${token.name}?`}
            confirmLabel="Revoke token"
            busy={revoke.isPending}
            error={revoke.isError ? revoke.error : undefined}
            onConfirm={() => revoke.mutate()}
            onCancel={() => setConfirming(false)}
          >
            <p>
              Anything using it ({holder}'s {token.role} token, {token.prefix}…) is refused from its next
              request. This cannot be undone: create a new token to restore access.
            </p>
          </ConfirmDialog>
        ) : null}
      </td>
    </tr>
  );
}

function Tokens({
  query,
  tokens,
  emails,
}: {
  query: ReturnType<typeof useTokens>['query'];
  tokens: ApiToken[];
  emails: ReadonlyMap<string, string>;
}) {
  const { me } = useSession();
  const pods = usePodList();
  const podChoices = (pods.data?.items ?? []).map((p) => ({ slug: p.slug, name: p.name }));
  const podSlugs = useMemo(() => new Map((pods.data?.items ?? []).map((p) => [p.id, p.slug])), [pods.data]);
  const now = new Date();
  const holder = (userId: string) => emails.get(userId) ?? (me?.user?.id === userId ? me.user.email : userId);
  return (
    <>
      <Card title="API tokens">
        <QueryState query={query} what="tokens" isEmpty={() => tokens.length === 0} empty="No tokens yet.">
          {() => (
            <div className="space-y-2">
              <Table
                minWidth="48rem"
                caption="API tokens with their holder, scope, allowed addresses and use"
                head={[
                  'Name',
                  'User',
                  'Role',
                  'Pods',
                  'Allowed addresses',
                  'Created',
                  'Last used',
                  'Expires',
                  'State',
                ]}
              >
                {tokens.map((t) => (
                  <TokenRow key={t.id} token={t} holder={holder(t.userId)} podSlugs={podSlugs} now={now} />
                ))}
              </Table>
              <LoadMore query={query} />
            </div>
          )}
        </QueryState>
      </Card>
      <CreateToken pods={podChoices} />
    </>
  );
}

// ---------------------------------------------------------------- sessions

function SessionRow({ session, holder }: { session: UserSession; holder: string }) {
  const { client, me } = useSession();
  const refresh = useRefreshAccess();
  const [confirming, setConfirming] = useState(false);
  const end = useMutation({
    mutationFn: () => client.endSession({ params: { id: session.id } }),
    onSuccess: () => {
      setConfirming(false);
      refresh();
    },
  });
  const yours = me?.session?.id === session.id;
  return (
    <tr className="border-t border-slate-200 dark:border-slate-800">
      <th scope="row" className={`${TD} text-left font-medium`}>
        {holder}
        {yours ? <span className="ml-1 text-xs font-normal text-slate-500">(this browser)</span> : null}
      </th>
      <td className={TD}>
        {session.role}
        {session.role !== session.mappedRole ? (
          <div className="text-xs text-amber-700 dark:text-amber-400">maps to {session.mappedRole}</div>
        ) : null}
      </td>
      <td className={TD}>{session.mfa ? <Badge tone="green">Yes</Badge> : <Badge tone="amber">No</Badge>}</td>
      <td className={`${TD} whitespace-nowrap`}>{formatDate(session.createdAt)}</td>
      <td className={`${TD} whitespace-nowrap`}>{formatDate(session.lastSeenAt)}</td>
      <td className={`${TD} whitespace-nowrap`}>{formatDate(session.expiresAt)}</td>
      <td className={`${TD} font-mono text-xs`}>{session.ip ?? '—'}</td>
      <td className={TD}>
        <Button
          variant="secondary"
          onClick={() => {
            end.reset();
            setConfirming(true);
          }}
          aria-label={`End session of ${holder}`}
        >
          End session
        </Button>
        {!confirming && end.isError ? (
          <ErrorNote error={end.error} title="Could not end the session" />
        ) : null}
        {confirming ? (
          <ConfirmDialog
            title={`End ${holder}'s session?`}
            confirmLabel="End session"
            busy={end.isPending}
            error={end.isError ? end.error : undefined}
            onConfirm={() => end.mutate()}
            onCancel={() => setConfirming(false)}
          >
            <p>
              That browser is signed out at its next request{yours ? ' — this is your own session' : ''}. They
              can sign in again with the identity provider unless they are deactivated.
            </p>
          </ConfirmDialog>
        ) : null}
      </td>
    </tr>
  );
}

function Sessions({ emails }: { emails: ReadonlyMap<string, string> }) {
  const { query, items } = useOpenSessions(true);
  return (
    <Card title="Open sessions">
      <QueryState
        query={query}
        what="sessions"
        isEmpty={() => items.length === 0}
        empty="Nobody is signed in with single sign-on right now."
      >
        {() => (
          <div className="space-y-2">
            <Table
              minWidth="48rem"
              caption="Open single sign-on sessions"
              head={['User', 'Role', 'MFA', 'Started', 'Last seen', 'Expires', 'IP address', '']}
            >
              {items.map((s) => (
                <SessionRow key={s.id} session={s} holder={emails.get(s.userId) ?? s.userId} />
              ))}
            </Table>
            <LoadMore query={query} />
          </div>
        )}
      </QueryState>
    </Card>
  );
}

/**
 * Who may do what: users (role, pods, deactivation), API tokens (create, revoke, last use) and open
 * SSO sessions (end them). Each part shows only with the permission it needs.
 */
export function Access() {
  const { can } = useSession();
  const manageUsers = can('users:manage');
  const manageTokens = can('tokens:manage');
  const users = useUsers(manageUsers);
  const tokens = useTokens(manageTokens);
  const emails = useMemo(() => new Map(users.items.map((u) => [u.id, u.email])), [users.items]);
  if (!manageUsers && !manageTokens)
    return (
      <Page title="Access">
        <Empty>Managing users and tokens needs the users:manage or tokens:manage permission (admins).</Empty>
      </Page>
    );
  return (
    <Page title="Access">
      {manageUsers ? <Users tokens={tokens.items} /> : null}
      {manageTokens ? <Tokens query={tokens.query} tokens={tokens.items} emails={emails} /> : null}
      {manageUsers ? <Sessions emails={emails} /> : null}
    </Page>
  );
}
