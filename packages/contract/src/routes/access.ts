/** Users and API tokens (administration). */
import { createdTokenSchema, createTokenBody, createUserBody, tokenSchema, userSchema } from '../api.ts';
import { idParam, listQuery, page } from './common.ts';
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
