import { describe, expect, it } from 'vitest';
import { DomainError, ForbiddenError } from '../errors.ts';
import {
  type Actor,
  assertCan,
  assertPodScope,
  CONFIG_ACTOR,
  can,
  PERMISSIONS,
  type Permission,
  SYSTEM_ACTOR,
} from './permissions.ts';
import { ROLES, type Role, roleAtLeast } from './roles.ts';

const ALL: Permission[] = [
  'public',
  'read',
  'pods:create',
  'pods:manage',
  'projects:manage',
  'projects:work',
  'gates:approve',
  'wip:use',
  'ideas:contribute',
  'ideas:decide',
  'users:manage',
  'tokens:manage',
  'webhooks:manage',
  'reports:read',
  'metrics:read',
  'backups:create',
];

/** Written out by hand, independently of ROLE_PERMISSIONS. `public` needs no role at all. */
const GRANTED: Record<Role, Permission[]> = {
  viewer: ['public', 'read'],
  developer: ['public', 'read', 'projects:work', 'wip:use', 'ideas:contribute'],
  'pod-lead': [
    'public',
    'read',
    'projects:work',
    'wip:use',
    'ideas:contribute',
    'pods:manage',
    'projects:manage',
    'gates:approve',
    'ideas:decide',
    'metrics:read',
  ],
  admin: ALL,
};

function actor(role: Role, podIds: string[] = []): Actor {
  return { userId: `u-${role}`, tokenId: `t-${role}`, role, podIds, label: `${role}@example.com` };
}

const TABLE = ROLES.flatMap((role) =>
  ALL.map((permission) => [role, permission, GRANTED[role].includes(permission)] as const),
);

describe('PERMISSIONS', () => {
  it('is exactly the permissions this table covers', () => {
    expect(Object.keys(PERMISSIONS).sort()).toEqual([...ALL].sort());
  });

  it('describes each permission', () => {
    for (const description of Object.values(PERMISSIONS)) expect(description.length).toBeGreaterThan(0);
  });
});

describe('can', () => {
  it.each(TABLE)('%s may %s: %s', (role, permission, allowed) => {
    expect(can(actor(role), permission)).toBe(allowed);
  });

  it('does not depend on pod scope', () => {
    expect(can(actor('pod-lead', ['pod-1']), 'gates:approve')).toBe(true);
    expect(can(actor('viewer', ['pod-1']), 'gates:approve')).toBe(false);
  });

  it('grants the system and config actors everything', () => {
    for (const permission of ALL) {
      expect(can(SYSTEM_ACTOR, permission)).toBe(true);
      expect(can(CONFIG_ACTOR, permission)).toBe(true);
    }
  });

  it('gives each role at least the permissions of the roles below it', () => {
    for (const [i, role] of ROLES.entries()) {
      for (const lower of ROLES.slice(0, i)) {
        for (const permission of ALL) {
          if (can(actor(lower), permission)) expect(can(actor(role), permission)).toBe(true);
        }
      }
    }
  });
});

describe('assertCan', () => {
  it.each(TABLE)('%s asserting %s throws unless allowed (%s)', (role, permission, allowed) => {
    const call = () => assertCan(actor(role), permission);
    if (allowed) expect(call).not.toThrow();
    else expect(call).toThrow(ForbiddenError);
  });

  it('says which role may not do what', () => {
    let caught: unknown;
    try {
      assertCan(actor('developer'), 'gates:approve');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ForbiddenError);
    expect(caught).toBeInstanceOf(DomainError);
    const error = caught as ForbiddenError;
    expect(error.code).toBe('forbidden');
    expect(error.name).toBe('ForbiddenError');
    expect(error.message).toBe(`role "developer" may not ${PERMISSIONS['gates:approve']}`);
    expect(error.details).toEqual({ permission: 'gates:approve', role: 'developer' });
  });
});

describe('assertPodScope', () => {
  it('lets admins act on any pod, even with a scoped token', () => {
    expect(() => assertPodScope(actor('admin', ['pod-1']), 'pod-2', 'payments')).not.toThrow();
    expect(() => assertPodScope(SYSTEM_ACTOR, 'pod-2', 'payments')).not.toThrow();
  });

  it.each(['viewer', 'developer', 'pod-lead'] as const)(
    'lets an unscoped %s token act on any pod',
    (role) => {
      expect(() => assertPodScope(actor(role, []), 'pod-9', 'anything')).not.toThrow();
    },
  );

  it('lets a scoped token act on its own pods', () => {
    const lead = actor('pod-lead', ['pod-1', 'pod-2']);
    expect(() => assertPodScope(lead, 'pod-1', 'payments')).not.toThrow();
    expect(() => assertPodScope(lead, 'pod-2', 'core-api')).not.toThrow();
  });

  it.each(['viewer', 'developer', 'pod-lead'] as const)(
    'refuses a scoped %s token on another pod, naming the pod',
    (role) => {
      let caught: unknown;
      try {
        assertPodScope(actor(role, ['pod-1']), 'pod-2', 'core-api');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ForbiddenError);
      const error = caught as ForbiddenError;
      expect(error.code).toBe('forbidden');
      expect(error.message).toBe('this token is not allowed to act on pod "core-api"');
      expect(error.details).toEqual({ pod: 'core-api' });
    },
  );

  it('matches on the pod id, not the slug', () => {
    const dev = actor('developer', ['pod-1']);
    expect(() => assertPodScope(dev, 'pod-2', 'pod-1')).toThrow(ForbiddenError);
    expect(() => assertPodScope(dev, 'pod-1', 'pod-2')).not.toThrow();
  });
});

describe('roleAtLeast', () => {
  const ORDER: Role[] = ['viewer', 'developer', 'pod-lead', 'admin'];

  it('orders the roles from least to most powerful', () => {
    expect([...ROLES]).toEqual(ORDER);
  });

  it.each(ORDER.flatMap((role, i) => ORDER.map((than, j) => [role, than, i >= j] as const)))(
    'roleAtLeast(%s, %s) is %s',
    (role, than, expected) => {
      expect(roleAtLeast(role, than)).toBe(expected);
    },
  );
});
