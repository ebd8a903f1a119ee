import { GRANTABLE_PERMISSIONS, type Permission, type SessionInfo } from '@clos/core';
import { z } from 'zod';
import { type Json, roleSchema } from '../api.ts';
import { ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

type Grantable = (typeof GRANTABLE_PERMISSIONS)[number];
// The domain's permission names: `public` is never listed, it needs no token.
const PERMISSION_VALUES = GRANTABLE_PERMISSIONS as [Grantable, ...Grantable[]];

export const sessionSchema = z
  .object({
    user: z
      .object({ id: uuid, email: z.string(), name: z.string(), role: roleSchema })
      .nullable()
      .meta({ description: "the token's holder" }),
    tokenId: uuid.nullable(),
    role: roleSchema.meta({
      description: "the role in force: the token's, capped by its user's current role",
    }),
    pods: z
      .array(z.object({ id: uuid, slug: z.string(), name: z.string() }))
      .meta({ description: 'the pods the token is limited to (pod-scoped permissions); empty: every pod' }),
    permissions: z
      .array(z.enum(PERMISSION_VALUES))
      .meta({ description: 'what the token may do; the server checks every request anyway' }),
    session: z
      .object({
        id: uuid,
        expiresAt: ts.meta({ description: 'the absolute end of the session' }),
        idleMinutes: z.number().meta({ description: 'the session ends after this long without a request' }),
        mfa: z.boolean(),
        mappedRole: roleSchema.meta({ description: "the role the provider's claims map to" }),
        downgradeReason: z
          .string()
          .nullable()
          .meta({ description: 'why the role in force is below the mapped one (no MFA), and how to fix it' }),
      })
      .nullable()
      .meta({ description: 'the browser session (SSO); null for an API token' }),
  })
  .meta({ id: 'Session' });

export const sessionRoutes = {
  getMe: {
    method: 'GET',
    path: '/api/v1/me',
    responses: { 200: sessionSchema },
    permission: 'read',
    summary: "The caller's identity: user, effective role, pod scope and permissions (any valid token)",
    tags: ['session'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _SessionContractChecks = [
  Check<Same<z.infer<typeof sessionSchema>, Json<SessionInfo>>>,
  Check<Same<Grantable, Exclude<Permission, 'public'>>>,
];
