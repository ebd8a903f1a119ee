import { type OidcProviderFixture, startOidcProvider } from '@clos/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, freePort, screenshot, settled, startE2e, WAIT } from './harness.ts';

const PASSWORD = 'correct horse battery staple';
const CLIENT = { clientId: 'clos-dashboard', clientSecret: 'e2e-client-secret-0123456789' };
const ADMIN = {
  sub: 'ada',
  email: 'ada@e2e.test',
  name: 'Ada Admin',
  password: PASSWORD,
  groups: ['clos-admins'],
  amr: ['pwd', 'otp'],
};
const ADMIN_NO_MFA = {
  sub: 'alan',
  email: 'alan@e2e.test',
  name: 'Alan Admin',
  password: PASSWORD,
  // Also a developer: without a second factor he acts as the next role his groups map to.
  groups: ['clos-admins', 'clos-devs'],
  amr: ['pwd'],
};
const DEVELOPER = {
  sub: 'dev',
  email: 'dev@e2e.test',
  name: 'Dee Developer',
  password: PASSWORD,
  groups: ['clos-devs'],
  amr: ['pwd'],
};

const CONFIG = `auth:
  oidc:
    name: Test IdP
    roles:
      clos-admins: admin
      clos-devs: developer
`;

/** The whole sign-in in the browser: the dashboard's button, the provider's own form, back signed in. */
async function signInWithProvider(page: Page, url: string, who: { email: string; password: string }) {
  await page.goto(url);
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  await page.locator('#login').waitFor({ timeout: WAIT });
  await page.locator('#login').fill(who.email);
  await page.locator('#password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).first().waitFor({ timeout: WAIT });
}

// A real server process, a real OIDC provider and chromium: generous budgets, waits on conditions only.
describe.sequential('signing in to the dashboard with an identity provider', { timeout: 120_000 }, () => {
  let e: E2e;
  let idp: OidcProviderFixture;

  beforeAll(async () => {
    // The provider must know the redirect URI before CLOS starts, and CLOS the provider: pick the port first.
    const port = await freePort();
    const serverUrl = `http://127.0.0.1:${port}`;
    idp = await startOidcProvider({
      clients: [
        {
          ...CLIENT,
          redirectUris: [`${serverUrl}/auth/callback`],
          postLogoutRedirectUris: [`${serverUrl}/`],
        },
      ],
      users: [ADMIN, ADMIN_NO_MFA, DEVELOPER],
    });
    e = await startE2e({
      port,
      config: CONFIG,
      env: {
        CLOS_OIDC_ISSUER: idp.issuer,
        CLOS_OIDC_CLIENT_ID: CLIENT.clientId,
        CLOS_OIDC_CLIENT_SECRET: CLIENT.clientSecret,
        CLOS_PUBLIC_URL: serverUrl,
      },
    });
    expect(e.url).toBe(serverUrl);
  }, 240_000);
  afterAll(async () => {
    await e?.close();
    await idp?.close();
  });

  it('signs an admin in through the provider’s login page, shows Access and Compliance, and signs out', async () => {
    const context = await e.context(null, { viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(e.url);
    await page.getByRole('heading', { name: 'Sign in to CLOS' }).waitFor({ timeout: WAIT });
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor({ timeout: WAIT });
    // The token form stays below, for installs' automation and break-glass access.
    expect(await page.getByLabel('API token', { exact: true }).count()).toBe(1);
    await screenshot(page, 'sso-sign-in');

    await signInWithProvider(page, e.url, ADMIN);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: WAIT });
    const account = page.getByRole('region', { name: 'Account' });
    await expect.poll(() => account.textContent(), { timeout: WAIT }).toContain(ADMIN.email);
    await expect
      .poll(() => account.textContent(), { timeout: WAIT })
      .toContain('admin · signed in with Test IdP');
    // Signed in by the httpOnly session cookie: nothing in the tab's storage, and the stream is live.
    expect(await page.evaluate('sessionStorage.getItem("clos.token")')).toBeNull();
    await page.locator('[data-live="live"]').waitFor({ timeout: WAIT });

    // The Access page lists the just-in-time user with SSO as sign-in method and the open session.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access' }).click();
    await page.getByRole('heading', { level: 1, name: 'Access' }).waitFor({ timeout: WAIT });
    const users = page.getByRole('table', { name: /^Users with their role/ });
    const ada = users.getByRole('row', { name: new RegExp(`^${ADMIN.name}`) });
    await ada.waitFor({ timeout: WAIT });
    expect(await ada.textContent()).toContain('SSO');
    const sessions = page.getByRole('table', { name: 'Open single sign-on sessions' });
    await sessions.getByRole('row', { name: new RegExp(`^${ADMIN.email}`) }).waitFor({ timeout: WAIT });

    // A change by cookie carries the CSRF header: creating a token works and shows its value once.
    await page.getByLabel('Token name').fill('ci (e2e)');
    await page.getByLabel('Allowed addresses').fill('127.0.0.1\n10.0.0.0/8');
    await page.getByRole('button', { name: 'Create token' }).click();
    const created = page.getByRole('region', { name: 'New token' });
    await created.waitFor({ timeout: WAIT });
    expect(await created.getByTestId('token-value').textContent()).toMatch(/\S{20,}/);
    const tokens = page.getByRole('table', { name: /^API tokens/ });
    const ci = tokens.getByRole('row', { name: /^ci \(e2e\)/ });
    await ci.waitFor({ timeout: WAIT });
    expect(await ci.textContent()).toContain('127.0.0.1, 10.0.0.0/8');
    await screenshot(page, 'access');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('heading', { level: 1, name: 'Compliance' }).waitFor({ timeout: WAIT });
    await page.getByTestId('chain-verification').waitFor({ timeout: WAIT });
    await page.getByRole('heading', { name: /^Users \(\d+\)/ }).waitFor({ timeout: WAIT });
    expect(await page.getByRole('alert').count(), 'the Compliance page shows an error').toBe(0);
    await screenshot(page, 'compliance');

    // Signing out ends the CLOS session and the provider's, then lands on the sign-in page.
    const logouts = idp.events.filter((x) => x.kind === 'logout').length;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to CLOS' }).waitFor({ timeout: WAIT });
    expect(new URL(page.url()).origin).toBe(e.url);
    expect(idp.events.filter((x) => x.kind === 'logout').length).toBe(logouts + 1);
    const cookies = await context.cookies(e.url);
    expect(cookies.find((c) => c.name === 'clos_session')).toBeUndefined();
    // The session is over on the server too: the admin's list shows it ended.
    const open = await e.ok<{ items: { userId: string }[] }>('GET', '/api/v1/sessions?active=true');
    expect(open.items).toEqual([]);
  });

  it('warns an admin signed in without a second factor that they act with a lower role, and why', async () => {
    const context = await e.context(null, { viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    await signInWithProvider(page, e.url, ADMIN_NO_MFA);
    const banner = page.getByRole('status').filter({ hasText: 'Reduced access.' });
    await banner.waitFor({ timeout: WAIT });
    expect(await banner.textContent()).toMatch(/second factor.*act as developer/i);
    const account = page.getByRole('region', { name: 'Account' });
    await expect
      .poll(() => account.textContent(), { timeout: WAIT })
      .toContain('developer (not admin) · signed in with Test IdP');
    // Acting as a developer: no admin pages offered.
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access' }).count(),
    ).toBe(0);
    // The banner stays on every page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ideas' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ideas' }).waitFor({ timeout: WAIT });
    await settled(page);
    expect(await banner.isVisible()).toBe(true);
    await screenshot(page, 'mfa-banner');
  });

  it('sends a browser whose session an admin ended back to sign in, saying so', async () => {
    const context = await e.context(null, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInWithProvider(page, e.url, DEVELOPER);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: WAIT });
    const open = await e.ok<{ items: { id: string; userId: string }[] }>(
      'GET',
      '/api/v1/sessions?active=true',
    );
    expect(open.items.length).toBeGreaterThan(0);
    for (const s of open.items) await e.ok('DELETE', `/api/v1/sessions/${s.id}`);
    // The next request (here: opening a page) is refused, and the dashboard says why.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pods' }).click();
    await page.getByText('Your session has ended; sign in again.').waitFor({ timeout: WAIT });
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor({ timeout: WAIT });
  });
});
