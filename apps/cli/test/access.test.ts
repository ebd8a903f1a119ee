import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { type CliResult, type CliSandbox, createSandbox, explain } from './run-clos.ts';

const ISSUER = 'https://idp.example.com';

// Each `clos` run is a process start (about a second of CPU): the timeout allows for a busy machine.
// The CLI is an HTTP client: what it sends and prints does not depend on the server's database engine,
// which the server's own suite covers on both. One engine keeps this file's process starts from doubling.
describe.each(['pglite'] as const)(
  'clos user, token and session commands against a server on %s',
  (engine) => {
    let h: Harness;
    let cli: CliSandbox;
    let url: string;

    /** One `clos` command; the clock moves a second per command, so changes have distinct times. */
    function clos(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
      h.clock.advance(1000);
      return cli.run(args, { env });
    }

    /** Signs a person in as the SSO callback would, once the provider has verified them. */
    async function signIn(subject: string, email: string, groups: string[]): Promise<string> {
      const result = await h.services.signIn.signIn(
        {
          issuer: ISSUER,
          subject,
          email,
          emailVerified: true,
          name: null,
          claims: { groups },
          amr: ['pwd'],
          acr: null,
        },
        { ip: '192.0.2.7', userAgent: 'test browser' },
      );
      if (!result.ok) throw new Error(`sign-in refused: ${result.message}`);
      return result.session.id;
    }

    /** `GET /api/v1/pods` over the network with a token, as any client would send it. */
    async function useToken(token: string): Promise<{ status: number; code: string | undefined }> {
      const res = await fetch(`${url}/api/v1/pods`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { error?: { code: string } };
      return { status: res.status, code: body.error?.code };
    }

    beforeAll(async () => {
      h = await startHarness(engine, {
        auth: { oidc: { roles: { 'clos-devs': 'developer', 'clos-leads': 'pod-lead' } } },
      });
      url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      cli = await createSandbox({ inProcess: true });
      cli.env = { CLOS_URL: url, CLOS_TOKEN: ADMIN_TOKEN };
      for (const slug of ['ratio', 'ledger'])
        await h.call('POST', '/api/v1/pods', { slug, name: slug, timezone: 'Europe/London' });
    });
    afterAll(async () => {
      await h?.close();
      await cli?.cleanup();
    });

    it('session list on a server where nobody signed in prints an empty table', async () => {
      const text = await clos(['session', 'list']);
      expect(text.code, explain(text)).toBe(0);
      expect(text.stdout).toBe('(none)\n');
      const json = await clos(['--json', 'session', 'list', '--all']);
      expect(json.json()).toEqual({ items: [], nextCursor: null });
    });

    it('set-role, set-pods, deactivate and reactivate a user, ending their sessions and revoking their tokens', async () => {
      const added = await clos([
        'user',
        'add',
        '--email',
        'ada@example.com',
        '--name',
        'Ada',
        '--role',
        'developer',
      ]);
      expect(added.code, explain(added)).toBe(0);
      const created = await clos([
        'token',
        'create',
        '--name',
        'ada laptop',
        '--role',
        'developer',
        '--user',
        'ada@example.com',
      ]);
      expect(created.code, explain(created)).toBe(0);
      const adaToken = created.stdout.trim();
      expect(await useToken(adaToken)).toEqual({ status: 200, code: undefined });
      await signIn('ada', 'ada@example.com', ['clos-devs']);

      const users = await clos(['user', 'list']);
      expect(users.code, explain(users)).toBe(0);
      expect(users.stdout).toMatch(/^EMAIL\s+NAME\s+ROLE\s+ACTIVE\s+SIGN-IN\s+LAST SIGN-IN\s+ID\n/);
      expect(users.stdout).toMatch(
        /\nada@example\.com\s+Ada\s+developer\s+yes\s+sso\s+2026-\S+\s+[0-9a-f-]{36}\n/,
      );
      expect(users.stdout).toMatch(/\nadmin@example\.com\s+Administrator\s+admin\s+yes\s+token\s+never\s+/);

      const open = await clos(['session', 'list']);
      expect(open.code, explain(open)).toBe(0);
      expect(open.stdout).toMatch(/^ID\s+USER\s+ROLE\s+MFA\s+ADDRESS\s+STARTED\s+LAST SEEN\s+EXPIRES\n/);
      expect(open.stdout).toMatch(
        /\n[0-9a-f-]{36}\s+ada@example\.com\s+developer\s+no\s+192\.0\.2\.7\s+2026-/,
      );

      const promoted = await clos(['user', 'set-role', 'ada@example.com', '--role', 'pod-lead']);
      expect(promoted.code, explain(promoted)).toBe(0);
      expect(promoted.stdout).toBe(
        'ada@example.com is now pod-lead, was developer (1 session ended: they sign in again as pod-lead)\n',
      );
      expect((await clos(['session', 'list', '--user', 'ada@example.com'])).stdout).toBe('(none)\n');
      const history = await clos(['session', 'list', '--all', '--user', 'ada@example.com']);
      expect(history.stdout).toMatch(/\s+ENDED\n/);
      expect(history.stdout).toMatch(/ada@example\.com\s+.*\s+2026-\S+ \(role_changed\)\n/);
      const again = await clos(['user', 'set-role', 'ada@example.com', '--role', 'pod-lead']);
      expect(again.stdout).toBe('ada@example.com is already pod-lead; nothing changed\n');

      const pods = await clos(['user', 'set-pods', 'ada@example.com', '--pod', 'ratio', '--pod', 'ledger']);
      expect(pods.code, explain(pods)).toBe(0);
      expect(pods.stdout).toBe('ada@example.com is now in ratio, ledger (and no other pod)\n');
      const members = (await h.call('GET', '/api/v1/pods/ratio/status')).json().members;
      expect(members).toEqual([expect.objectContaining({ email: 'ada@example.com', podRole: 'lead' })]);
      const unknownPod = await clos(['user', 'set-pods', 'ada@example.com', '--pod', 'nosuch']);
      expect(unknownPod.code, explain(unknownPod)).toBe(2);
      expect(unknownPod.stderr).toContain('pods.0: unknown pod "nosuch"');
      const noFlags = await clos(['user', 'set-pods', 'ada@example.com']);
      expect(noFlags.code, explain(noFlags)).toBe(2);
      expect(noFlags.stderr).toContain('name the pods with --pod <slug> (repeat it), or --none');

      // A token revoked earlier is not one the deactivation revoked, and must not be counted as one.
      const old = await clos([
        '--json',
        'token',
        'create',
        '--name',
        'ada old',
        '--role',
        'viewer',
        '--user',
        'ada@example.com',
      ]);
      expect((await clos(['token', 'revoke', old.json().token.id])).code).toBe(0);
      // She signs in again (now as a pod lead) before she is deactivated: that session must end too.
      await signIn('ada', 'ada@example.com', ['clos-leads']);
      const deactivated = await clos(['user', 'deactivate', 'ada@example.com']);
      expect(deactivated.code, explain(deactivated)).toBe(0);
      expect(deactivated.stdout).toBe(
        'ada@example.com is deactivated: 1 token revoked, 1 session ended; they can no longer sign in\n',
      );
      expect(await useToken(adaToken)).toEqual({ status: 401, code: 'unauthorized' });
      const refused = await clos(['pod', 'list'], { CLOS_TOKEN: adaToken });
      expect(refused.code, explain(refused)).toBe(3);
      expect(refused.stderr).toContain('the API token is unknown, revoked or expired');
      expect((await clos(['session', 'list'])).stdout).toBe('(none)\n');
      expect((await clos(['user', 'list'])).stdout).toMatch(
        /\nada@example\.com\s+Ada\s+pod-lead\s+no\s+sso\s+/,
      );
      const twice = await clos(['user', 'deactivate', 'ada@example.com']);
      expect(twice.stdout).toMatch(/^ada@example\.com was already deactivated \(since 2026-\S+\)\n$/);

      const reactivated = await clos(['user', 'reactivate', 'ada@example.com']);
      expect(reactivated.code, explain(reactivated)).toBe(0);
      expect(reactivated.stdout).toBe(
        'ada@example.com is active again; their old tokens stay revoked: make a new one with clos token create --user ada@example.com\n',
      );
      expect(await useToken(adaToken)).toEqual({ status: 401, code: 'unauthorized' });
      const json = await clos(['--json', 'user', 'set-role', 'ada@example.com', '--role', 'developer']);
      expect(json.code, explain(json)).toBe(0);
      expect(json.json()).toMatchObject({
        email: 'ada@example.com',
        role: 'developer',
        active: true,
        deactivatedAt: null,
      });
    });

    it('refuses to deactivate or demote the last active admin (exit 1, the server’s reason)', async () => {
      const deactivate = await clos(['user', 'deactivate', 'admin@example.com']);
      expect(deactivate.code, explain(deactivate)).toBe(1);
      expect(deactivate.stderr).toContain(
        'clos: admin@example.com is the last active admin; make another user admin before deactivating them',
      );
      const demote = await clos(['--json', 'user', 'set-role', 'admin@example.com', '--role', 'viewer']);
      expect(demote.code, explain(demote)).toBe(1);
      expect(demote.json()).toMatchObject({
        error: { code: 'conflict', details: { user: 'admin@example.com' } },
      });
      expect((await useToken(ADMIN_TOKEN)).status).toBe(200);

      const nobody = await clos(['user', 'deactivate', 'nobody@example.com']);
      expect(nobody.code, explain(nobody)).toBe(2);
      expect(nobody.stderr).toBe(
        'clos: no user has the email nobody@example.com\nlist them with: clos user list\n',
      );
    });

    it('token create --allow-from binds a token to addresses: used from 127.0.0.1 outside 10.0.0.0/8 it is refused', async () => {
      await clos(['user', 'add', '--email', 'ci@example.com', '--name', 'CI', '--role', 'developer']);
      const create = (name: string, cidrs: string[]) =>
        clos([
          'token',
          'create',
          '--name',
          name,
          '--role',
          'developer',
          '--user',
          'ci@example.com',
          ...cidrs.flatMap((c) => ['--allow-from', c]),
        ]);
      const elsewhere = await create('ci far', ['10.0.0.0/8', 'fd00::/8']);
      expect(elsewhere.code, explain(elsewhere)).toBe(0);
      expect(elsewhere.stderr).toMatch(
        /^token [0-9a-f-]{36} \(developer, usable only from 10\.0\.0\.0\/8, fd00::\/8\); /,
      );
      const far = elsewhere.stdout.trim();
      expect(await useToken(far)).toEqual({ status: 403, code: 'address_not_allowed' });
      const refused = await clos(['pod', 'list'], { CLOS_TOKEN: far });
      expect(refused.code, explain(refused)).toBe(3);
      expect(refused.stderr).toContain(
        'this API token may only be used from 10.0.0.0/8, fd00::/8; this request came from 127.0.0.1',
      );

      const here = await create('ci here', ['127.0.0.1/32']);
      expect(await useToken(here.stdout.trim())).toEqual({ status: 200, code: undefined });

      const bad = await create('ci bad', ['10.0.0.0/99']);
      expect(bad.code, explain(bad)).toBe(2);
      expect(bad.stderr).toContain('allowedCidrs.0:');

      const list = await clos(['token', 'list']);
      expect(list.code, explain(list)).toBe(0);
      expect(list.stdout).toMatch(
        /^ID\s+NAME\s+ROLE\s+PREFIX\s+ALLOWED FROM\s+LAST USED\s+EXPIRES\s+REVOKED\n/,
      );
      expect(list.stdout).toMatch(
        /\s+ci far\s+developer\s+\S+\s+10\.0\.0\.0\/8, fd00::\/8\s+never\s+-\s+-\n/,
      );
      expect(list.stdout).toMatch(/\s+ci here\s+developer\s+\S+\s+127\.0\.0\.1\/32\s+2026-\S+\s+-\s+-\n/);
      expect(list.stdout).toMatch(/\s+bootstrap admin\s+admin\s+\S+\s+anywhere\s+2026-\S+\s+-\s+-\n/);
      const json = await clos(['--json', 'token', 'list']);
      const far0 = json.json().items.find((t: { name: string }) => t.name === 'ci far');
      expect(far0).toMatchObject({ allowedCidrs: ['10.0.0.0/8', 'fd00::/8'], lastUsedAt: null });
    });

    it('session end ends one session; ending it again changes nothing', async () => {
      await clos(['user', 'add', '--email', 'grace@example.com', '--name', 'Grace', '--role', 'developer']);
      const id = await signIn('grace', 'grace@example.com', ['clos-devs']);
      const ended = await clos(['session', 'end', id]);
      expect(ended.code, explain(ended)).toBe(0);
      expect(ended.stdout).toMatch(new RegExp(`^session ${id} ended at 2026-\\S+ \\(ended_by_admin\\)\\n$`));
      expect((await clos(['session', 'list', '--user', 'grace@example.com'])).stdout).toBe('(none)\n');
      const json = await clos(['--json', 'session', 'end', id]);
      expect(json.json()).toMatchObject({ id, endReason: 'ended_by_admin' });
      const unknown = await clos(['session', 'end', '7b1e4c1a-3f59-4a8e-9d0e-5a6f2b1c9d00']);
      expect(unknown.code, explain(unknown)).toBe(2);
    });
  },
);
