import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';

const problems = (input: Record<string, unknown>): string[] => {
  const result = parseConfig(input);
  return result.ok ? [] : result.problems;
};

describe('auth and server', () => {
  it('defaults to 8-hour sessions, MFA for admins and no trusted proxy', () => {
    const result = parseConfig({});
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.auth.session).toEqual({ absoluteHours: 8, idleMinutes: 60 });
    expect(result.config.auth.requireMfa).toEqual(['admin']);
    expect(result.config.auth.oidc).toMatchObject({
      name: 'SSO',
      claim: 'groups',
      scopes: ['openid', 'email', 'profile'],
    });
    expect(result.config.auth.mfa.amr).toContain('otp');
    expect(result.config.server.trustProxy).toEqual([]);
  });

  it('maps claim values to roles and to one or more pods', () => {
    const result = parseConfig({
      auth: {
        oidc: { roles: { 'clos-admins': 'admin' }, pods: { ratio: 'ratio', platform: ['infra', 'tools'] } },
      },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.auth.oidc.pods).toEqual({ ratio: ['ratio'], platform: ['infra', 'tools'] });
  });

  it('names every problem by path', () => {
    const found = problems({
      auth: {
        oidc: { roles: { x: 'owner' }, pods: { y: 'Not A Slug' }, scopes: ['email'] },
        session: { absoluteHours: 0 },
        requireMfa: ['root'],
      },
      server: { trustProxy: ['10.0.0.0/8', 'the load balancer'] },
    });
    const paths = found.map((p) => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'auth.oidc.roles.x',
        'auth.oidc.pods.y',
        'auth.oidc.scopes',
        'auth.session.absoluteHours',
        'auth.requireMfa[0]',
        'server.trustProxy[1]',
      ]),
    );
  });
});
