/** Users, their sessions and API tokens (administration), and how people sign in. */
import { z } from 'zod';
import {
  createdTokenSchema,
  createTokenBody,
  createUserBody,
  tokenSchema,
  updateUserBody,
  userSchema,
  userSessionSchema,
} from '../api.ts';
import { idParam, listQuery, page, uuid } from './common.ts';

export const authMethodsSchema = z
  .object({
    sso: z
      .object({
        name: z.string().meta({ description: 'the provider, for "Sign in with <name>"' }),
        loginUrl: z.string().meta({ description: 'where the browser goes to sign in' }),
      })
      .nullable()
      .meta({ description: 'null when SSO is not configured: sign in with an API token' }),
    tokens: z.literal(true).meta({ description: 'API tokens always work' }),
  })
  .meta({ id: 'AuthMethods' });

import type { RouteDefinition } from './definition.ts';

export const accessRoutes = {
  createUser: {
    method: 'POST',
    path: '/api/v1/users',
    body: createUserBody,
    responses: { 201: userSchema },
    permission: 'users:manage',
    summary: 'Create a user',
    tags: ['users'],
  },
  listUsers: {
    method: 'GET',
    path: '/api/v1/users',
    query: listQuery,
    responses: { 200: page(userSchema) },
    permission: 'users:manage',
    summary: 'List users',
    tags: ['users'],
  },
  updateUser: {
    method: 'PATCH',
    path: '/api/v1/users/:id',
    params: idParam,
    body: updateUserBody,
    responses: { 200: userSchema },
    permission: 'users:manage',
    summary:
      'Change a user: name, role (ends their sessions), pods, or deactivate (revokes tokens, ends sessions) and reactivate',
    tags: ['users'],
  },
  listSessions: {
    method: 'GET',
    path: '/api/v1/sessions',
    query: listQuery.extend({
      user: uuid.optional().meta({ description: "only this user's sessions" }),
      active: z.enum(['true', 'false']).optional().meta({ description: 'true: only open sessions' }),
    }),
    responses: { 200: page(userSessionSchema) },
    permission: 'users:manage',
    summary: 'List signed-in browser sessions, newest first',
    tags: ['users'],
  },
  endSession: {
    method: 'DELETE',
    path: '/api/v1/sessions/:id',
    params: idParam,
    responses: { 200: userSessionSchema },
    permission: 'users:manage',
    summary: 'End a session (idempotent); people end their own with POST /auth/logout',
    tags: ['users'],
  },
  getAuthMethods: {
    method: 'GET',
    path: '/api/v1/auth/methods',
    responses: { 200: authMethodsSchema },
    permission: 'public',
    summary: 'How to sign in here: SSO (with the provider name) and/or API tokens',
    tags: ['session'],
  },
  createToken: {
    method: 'POST',
    path: '/api/v1/tokens',
    body: createTokenBody,
    responses: { 201: createdTokenSchema },
    permission: 'tokens:manage',
    summary: 'Create an API token; its value is returned once',
    tags: ['tokens'],
  },
  listTokens: {
    method: 'GET',
    path: '/api/v1/tokens',
    query: listQuery,
    responses: { 200: page(tokenSchema) },
    permission: 'tokens:manage',
    summary: 'List API tokens (never their values)',
    tags: ['tokens'],
  },
  revokeToken: {
    method: 'DELETE',
    path: '/api/v1/tokens/:id',
    params: idParam,
    responses: { 200: tokenSchema },
    permission: 'tokens:manage',
    summary: 'Revoke an API token (idempotent)',
    tags: ['tokens'],
  },
} as const satisfies Record<string, RouteDefinition>;
