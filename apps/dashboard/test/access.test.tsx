// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expiryFromDate, parseList, tokenState } from '../src/lib/access.ts';
import { Access } from '../src/views/access.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ADA_ID = '00000000-0000-4000-8000-000000000001';
const BOB_ID = '00000000-0000-4000-8000-000000000002';
const ALPHA = {
  id: '00000000-0000-4000-8000-0000000000a1',
  slug: 'alpha',
  name: 'Alpha',
  timezone: 'UTC',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const BETA = {
  id: '00000000-0000-4000-8000-0000000000a2',
  slug: 'beta',
  name: 'Beta',
  timezone: 'UTC',
  createdAt: '2026-01-01T00:00:00.000Z',
};

function user(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    email: id === ADA_ID ? 'ada@example.com' : 'bob@example.com',
    name: id === ADA_ID ? 'Ada' : 'Bob',
    role: id === ADA_ID ? 'admin' : 'developer',
    createdAt: '2026-01-01T00:00:00.000Z',
    active: true,
    deactivatedAt: null,
    oidcSubject: null,
    lastSignInAt: null,
    ...extra,
  };
}

const ADA = user(ADA_ID, { oidcSubject: 'http://idp ada', lastSignInAt: '2026-03-01T09:00:00.000Z' });
const BOB = user(BOB_ID);

function token(n: number, extra: Record<string, unknown> = {}) {
  return {
    id: `00000000-0000-4000-8000-0000000000f${n}`,
    name: `token ${n}`,
    userId: BOB_ID,
    role: 'developer',
    podIds: [ALPHA.id],
    prefix: `clos_${n}`,
    allowedCidrs: ['10.0.0.0/8'],
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    createdAt: '2026-02-01T00:00:00.000Z',
    ...extra,
  };
}

const SESSION = {
  id: '00000000-0000-4000-8000-0000000000e1',
  userId: ADA_ID,
  role: 'pod-lead',
  mappedRole: 'admin',
  podIds: [],
  mfa: false,
  amr: ['pwd'],
  acr: null,
  downgradeReason: 'no second factor',
  ip: '127.0.0.1',
  userAgent: 'test',
  createdAt: '2026-03-01T09:00:00.000Z',
  lastSeenAt: '2026-03-01T09:30:00.000Z',
  expiresAt: '2026-03-01T17:00:00.000Z',
  endedAt: null,
  endReason: null,
};

function client(overrides: Record<string, (...args: never[]) => unknown> = {}) {
  return fakeClient({
    listUsers: async () => ({ items: [ADA, BOB], nextCursor: null }),
    listTokens: async () => ({
      items: [token(1), token(2, { revokedAt: '2026-02-10T00:00:00.000Z' })],
      nextCursor: null,
    }),
    listSessions: async () => ({ items: [SESSION], nextCursor: null }),
    listPods: async () => ({ items: [ALPHA, BETA], nextCursor: null }),
    listPodMembers: async ({ params }: { params: { slug: string } }) => ({
      items:
        params.slug === 'alpha'
          ? [
              {
                podId: ALPHA.id,
                userId: BOB_ID,
                email: 'bob@example.com',
                name: 'Bob',
                role: 'developer',
                podRole: 'member',
                joinedAt: '2026-01-01T00:00:00.000Z',
                leftAt: null,
              },
            ]
          : [],
    }),
    ...overrides,
  } as never);
}

const row = async (name: string) => {
  const users = await screen.findByRole('table', { name: /^Users with their role/ });
  return within(users).getByRole('row', { name: new RegExp(`^${name}`) });
};

describe('Access: users', () => {
  it('lists users with role, pods, status, sign-in method and last sign-in', async () => {
    renderView(<Access />, { url: '/access', client: client() });
    expect(screen.getByRole('heading', { level: 1, name: 'Access' })).toBeTruthy();
    const ada = await row('Ada');
    expect(ada.textContent).toContain('ada@example.com');
    expect(ada.textContent).toContain('SSO');
    expect(ada.textContent).toContain('(you)');
    expect((within(ada).getByLabelText('Role of Ada') as HTMLSelectElement).value).toBe('admin');
    const bob = await row('Bob');
    expect(bob.textContent).toContain('Token');
    await waitFor(() => expect(within(bob).getByText('alpha')).toBeTruthy());
    expect(bob.textContent).toContain('Active');
  });

  it('changes a role after a confirmation, and shows the server’s refusal (the last admin) in words', async () => {
    const updateUser = vi.fn(async () => {
      throw new ClosApiError({
        status: 409,
        code: 'conflict',
        message: 'ada@example.com is the last active admin; make another user admin before demoting them',
        requestId: 'r',
        route: 'updateUser',
      });
    });
    renderView(<Access />, { url: '/access', client: client({ updateUser }) });
    const ada = await row('Ada');
    fireEvent.change(within(ada).getByLabelText('Role of Ada'), { target: { value: 'viewer' } });
    const dialog = await screen.findByRole('dialog', { name: "Change Ada's role to viewer?" });
    expect(dialog.textContent).toContain('their open sessions end');
    expect(updateUser).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Change role' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('is the last active admin');
    expect(updateUser).toHaveBeenCalledWith({ params: { id: ADA_ID }, body: { role: 'viewer' } });
    // Cancelled: the refusal stays beside the user, the select shows the role in force.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect((within(ada).getByLabelText('Role of Ada') as HTMLSelectElement).value).toBe('admin');
    expect(within(ada).getByRole('alert').textContent).toContain('last active admin');
  });

  it('deactivates after naming the consequences, and edits pods', async () => {
    const updateUser = vi.fn(async ({ body }: { body: Record<string, unknown> }) => ({ ...BOB, ...body }));
    renderView(<Access />, { url: '/access', client: client({ updateUser }) });
    const bob = await row('Bob');
    fireEvent.click(within(bob).getByRole('button', { name: 'Deactivate Bob' }));
    const dialog = await screen.findByRole('dialog', { name: 'Deactivate Bob?' });
    // One of Bob's two tokens is still active.
    expect(dialog.textContent).toContain('Their active API token is revoked');
    expect(dialog.textContent).toContain('open sessions end at once');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Deactivate' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(updateUser).toHaveBeenLastCalledWith({ params: { id: BOB_ID }, body: { active: false } });

    await waitFor(() =>
      expect(within(bob).getByRole('button', { name: 'Edit pods of Bob' })).toHaveProperty('disabled', false),
    );
    fireEvent.click(within(bob).getByRole('button', { name: 'Edit pods of Bob' }));
    const pods = within(bob).getByRole('group', { name: 'Pods of Bob' });
    expect((within(pods).getByLabelText('alpha') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(pods).getByLabelText('alpha'));
    fireEvent.click(within(pods).getByLabelText('beta'));
    fireEvent.click(within(bob).getByRole('button', { name: 'Save pods' }));
    await waitFor(() =>
      expect(updateUser).toHaveBeenLastCalledWith({ params: { id: BOB_ID }, body: { pods: ['beta'] } }),
    );
  });
});

describe('Access: tokens', () => {
  it('lists tokens with holder, pods, allowed addresses and state; revokes after a confirmation', async () => {
    const revokeToken = vi.fn(async () => token(1, { revokedAt: '2026-03-02T00:00:00.000Z' }));
    renderView(<Access />, { url: '/access', client: client({ revokeToken }) });
    const table = await screen.findByRole('table', { name: /^API tokens/ });
    const first = within(table).getByRole('row', { name: /^token 1/ });
    expect(first.textContent).toContain('bob@example.com');
    await waitFor(() => expect(first.textContent).toContain('alpha'));
    expect(first.textContent).toContain('10.0.0.0/8');
    expect(first.textContent).toContain('never');
    expect(within(table).getByRole('row', { name: /^token 2/ }).textContent).toContain('Revoked');

    fireEvent.click(within(first).getByRole('button', { name: 'Revoke token 1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke token 1?' });
    expect(dialog.textContent).toContain('cannot be undone');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    await waitFor(() => expect(revokeToken).toHaveBeenCalledWith({ params: { id: token(1).id } }));
  });

  it('creates a token and shows its value once, with a copy button', async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const createToken = vi.fn(async ({ body }: { body: Record<string, unknown> }) => ({
      token: token(3, { name: body.name }),
      value: 'clos_secret_value_123',
    }));
    renderView(<Access />, { url: '/access', client: client({ createToken }) });
    const form = await screen.findByRole('form', { name: 'Create a token' });
    fireEvent.change(within(form).getByLabelText('Token name'), { target: { value: 'ci' } });
    fireEvent.change(within(form).getByLabelText('Token role'), { target: { value: 'viewer' } });
    fireEvent.change(within(form).getByLabelText('User email'), { target: { value: 'bob@example.com' } });
    fireEvent.change(within(form).getByLabelText('Expires'), { target: { value: '2026-09-30' } });
    fireEvent.change(within(form).getByLabelText('Allowed addresses'), {
      target: { value: '10.0.0.0/8, 192.168.1.1\n2001:db8::/32\n' },
    });
    await waitFor(() => expect(within(form).getByLabelText('beta')).toBeTruthy());
    fireEvent.click(within(form).getByLabelText('beta'));
    fireEvent.click(within(form).getByRole('button', { name: 'Create token' }));
    const created = await screen.findByRole('region', { name: 'New token' });
    expect(within(created).getByTestId('token-value').textContent).toBe('clos_secret_value_123');
    expect(createToken).toHaveBeenCalledWith({
      body: {
        name: 'ci',
        role: 'viewer',
        user: 'bob@example.com',
        pods: ['beta'],
        expiresAt: expiryFromDate('2026-09-30'),
        allowedCidrs: ['10.0.0.0/8', '192.168.1.1', '2001:db8::/32'],
      },
    });
    fireEvent.click(within(created).getByRole('button', { name: 'Copy' }));
    expect(await within(created).findByText('Copied')).toBeTruthy();
    expect(writeText).toHaveBeenCalledWith('clos_secret_value_123');
    // Once: dismissed, the value is gone for good.
    fireEvent.click(within(created).getByRole('button', { name: 'Done' }));
    expect(screen.queryByText('clos_secret_value_123')).toBeNull();
  });
});

describe('Access: sessions and permissions', () => {
  it('lists open sessions and ends one after a confirmation', async () => {
    const endSession = vi.fn(async () => ({ ...SESSION, endedAt: '2026-03-01T10:00:00.000Z' }));
    const listSessions = vi.fn(async (_input: { query: Record<string, unknown> }) => ({
      items: [SESSION],
      nextCursor: null,
    }));
    renderView(<Access />, { url: '/access', client: client({ endSession, listSessions }) });
    const table = await screen.findByRole('table', { name: 'Open single sign-on sessions' });
    const ada = await within(table).findByRole('row', { name: /^ada@example.com/ });
    expect(ada.textContent).toContain('pod-lead');
    expect(ada.textContent).toContain('maps to admin');
    expect(ada.textContent).toContain('No');
    expect(ada.textContent).toContain('127.0.0.1');
    expect(listSessions.mock.calls[0]![0]).toMatchObject({ query: { active: 'true' } });
    fireEvent.click(within(ada).getByRole('button', { name: 'End session of ada@example.com' }));
    const dialog = await screen.findByRole('dialog', { name: "End ada@example.com's session?" });
    fireEvent.click(within(dialog).getByRole('button', { name: 'End session' }));
    await waitFor(() => expect(endSession).toHaveBeenCalledWith({ params: { id: SESSION.id } }));
    await waitFor(() => expect(listSessions).toHaveBeenCalledTimes(2));
  });

  it('shows only the tokens to someone who manages tokens but not users', async () => {
    renderView(<Access />, {
      url: '/access',
      client: client(),
      me: fakeMe({ permissions: ['read', 'tokens:manage'] }),
    });
    expect(await screen.findByRole('table', { name: /^API tokens/ })).toBeTruthy();
    expect(screen.queryByRole('table', { name: /^Users/ })).toBeNull();
    expect(screen.queryByRole('table', { name: 'Open single sign-on sessions' })).toBeNull();
  });
});

describe('access helpers', () => {
  it('reads a list typed with commas or lines, without blanks or repeats', () => {
    expect(parseList(' 10.0.0.0/8,\n\n::1 , 10.0.0.0/8\n')).toEqual(['10.0.0.0/8', '::1']);
    expect(parseList('')).toEqual([]);
  });

  it('turns a picked day into the end of that day, and empty into never', () => {
    const end = new Date(expiryFromDate('2026-09-30')!);
    expect([end.getFullYear(), end.getMonth(), end.getDate(), end.getHours(), end.getMinutes()]).toEqual([
      2026, 8, 30, 23, 59,
    ]);
    expect(expiryFromDate('')).toBeNull();
  });

  it('tells revoked, expired and active tokens apart', () => {
    const now = new Date('2026-03-01T00:00:00.000Z');
    expect(tokenState({ revokedAt: '2026-01-01T00:00:00.000Z', expiresAt: null }, now)).toBe('revoked');
    expect(tokenState({ revokedAt: null, expiresAt: '2026-02-01T00:00:00.000Z' }, now)).toBe('expired');
    expect(tokenState({ revokedAt: null, expiresAt: '2026-04-01T00:00:00.000Z' }, now)).toBe('active');
  });
});
