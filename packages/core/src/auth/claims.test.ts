import { describe, expect, it } from 'vitest';
import type { AuthPolicy } from '../policy.ts';
import { claimValues, effectiveRole, hasSecondFactor, mapIdentity } from './claims.ts';

const policy = (over: Partial<AuthPolicy> = {}): AuthPolicy => ({
  oidc: {
    name: 'SSO',
    claim: 'groups',
    scopes: ['openid'],
    roles: { admins: 'admin', leads: 'pod-lead', devs: 'developer', everyone: 'viewer' },
    pods: { ratio: ['ratio'], platform: ['infra', 'tools'] },
  },
  session: { absoluteHours: 8, idleMinutes: 60 },
  requireMfa: ['admin'],
  mfa: { amr: ['otp', 'hwk', 'mfa'], acr: [] },
  ...over,
});

describe('claimValues', () => {
  it('reads a string or a list, by exact name first and then as a dotted path', () => {
    expect(claimValues({ groups: 'devs' }, 'groups')).toEqual(['devs']);
    expect(claimValues({ groups: ['devs', 3, 'leads'] }, 'groups')).toEqual(['devs', 'leads']);
    expect(claimValues({ 'https://x.example/roles': ['admins'] }, 'https://x.example/roles')).toEqual([
      'admins',
    ]);
    expect(claimValues({ realm_access: { roles: ['leads'] } }, 'realm_access.roles')).toEqual(['leads']);
    expect(claimValues({}, 'groups')).toEqual([]);
    expect(claimValues({ groups: { a: 1 } }, 'groups')).toEqual([]);
  });
});

describe('mapIdentity', () => {
  it('takes the highest mapped role and every mapped pod', () => {
    expect(mapIdentity(policy(), ['devs', 'leads', 'ratio', 'platform', 'other'])).toEqual({
      role: 'pod-lead',
      roles: ['pod-lead', 'developer'],
      podSlugs: ['infra', 'ratio', 'tools'],
    });
    expect(mapIdentity(policy(), ['other']).role).toBeNull();
    // Values that name Object.prototype members map to nothing.
    expect(mapIdentity(policy(), ['constructor', 'toString']).role).toBeNull();
  });
});

describe('hasSecondFactor', () => {
  it('reads amr, or acr when acceptable levels are configured', () => {
    expect(hasSecondFactor(policy(), { amr: ['pwd', 'otp'], acr: null })).toBe(true);
    expect(hasSecondFactor(policy(), { amr: ['pwd'], acr: null })).toBe(false);
    const byAcr = policy({ mfa: { amr: ['otp'], acr: ['gold', 'platinum'] } });
    expect(hasSecondFactor(byAcr, { amr: ['pwd', 'otp'], acr: 'silver' })).toBe(false);
    expect(hasSecondFactor(byAcr, { amr: [], acr: 'gold' })).toBe(true);
    expect(hasSecondFactor(byAcr, { amr: [], acr: null })).toBe(false);
  });
});

describe('effectiveRole', () => {
  const mapped = (values: string[]) => {
    const m = mapIdentity(policy(), values);
    return { ...m, role: m.role! };
  };
  it('keeps the role with MFA or when the role needs none', () => {
    expect(effectiveRole(policy(), mapped(['admins']), true)).toEqual({
      role: 'admin',
      downgradeReason: null,
    });
    expect(effectiveRole(policy(), mapped(['devs']), false)).toEqual({
      role: 'developer',
      downgradeReason: null,
    });
  });
  it('acts with the next role down the mapping without MFA, or as a viewer', () => {
    expect(effectiveRole(policy(), mapped(['admins', 'devs']), false).role).toBe('developer');
    const alone = effectiveRole(policy(), mapped(['admins']), false);
    expect(alone.role).toBe('viewer');
    expect(alone.downgradeReason).toContain('needs a second factor');
    // Pod leads may be required to use MFA too; a role that also needs it is skipped.
    const strict = policy({ requireMfa: ['admin', 'pod-lead'] });
    const m = mapIdentity(strict, ['admins', 'leads', 'devs']);
    expect(effectiveRole(strict, { ...m, role: m.role! }, false).role).toBe('developer');
  });
});
