import {
  auditEventSchema,
  auditQuery,
  auditVerifySchema,
  createdTokenSchema,
  createTokenBody,
  createUserBody,
  idParam,
  listQuery,
  page,
  tokenSchema,
  userSchema,
} from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps, typed } from '../http/context.ts';
import { toJson } from '../http/json.ts';

export function adminRoutes(app: FastifyInstance, { services }: RouteDeps) {
  const r = typed(app);

  r.post('/api/v1/users', {
    config: { permission: 'users:manage' },
    schema: {
      tags: ['users'],
      summary: 'Create a user',
      body: createUserBody,
      response: { 201: userSchema },
    },
    handler: async (req, reply) =>
      reply.code(201).send(toJson(await services.auth.createUser(ctxOf(req), req.body))),
  });

  r.get('/api/v1/users', {
    config: { permission: 'users:manage' },
    schema: {
      tags: ['users'],
      summary: 'List users',
      querystring: listQuery,
      response: { 200: page(userSchema) },
    },
    handler: async (req) => toJson(await services.auth.listUsers(ctxOf(req), req.query)),
  });

  r.post('/api/v1/tokens', {
    config: { permission: 'tokens:manage' },
    schema: {
      tags: ['tokens'],
      summary: 'Create an API token; its value is returned once',
      body: createTokenBody,
      response: { 201: createdTokenSchema },
    },
    handler: async (req, reply) => {
      const { expiresAt, ...rest } = req.body;
      const created = await services.auth.createToken(ctxOf(req), {
        ...rest,
        expiresAt: expiresAt ? new Date(expiresAt) : null,
      });
      return reply.code(201).send(toJson(created));
    },
  });

  r.get('/api/v1/tokens', {
    config: { permission: 'tokens:manage' },
    schema: {
      tags: ['tokens'],
      summary: 'List API tokens (never their values)',
      querystring: listQuery,
      response: { 200: page(tokenSchema) },
    },
    handler: async (req) => toJson(await services.auth.listTokens(ctxOf(req), req.query)),
  });

  r.delete('/api/v1/tokens/:id', {
    config: { permission: 'tokens:manage' },
    schema: {
      tags: ['tokens'],
      summary: 'Revoke an API token (idempotent)',
      params: idParam,
      response: { 200: tokenSchema },
    },
    handler: async (req) => toJson(await services.auth.revokeToken(ctxOf(req), req.params.id)),
  });

  r.get('/api/v1/audit', {
    config: { permission: 'read' },
    schema: {
      tags: ['audit'],
      summary: 'Audit events, newest first',
      querystring: auditQuery,
      response: { 200: page(auditEventSchema) },
    },
    handler: async (req) => {
      const { limit, cursor, from, to, ...filter } = req.query;
      return toJson(
        await services.audit.list(
          ctxOf(req),
          { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
          { limit, cursor },
        ),
      );
    },
  });

  r.get('/api/v1/audit/verify', {
    config: { permission: 'read' },
    schema: {
      tags: ['audit'],
      summary: "Recompute the audit chain's hashes",
      response: { 200: auditVerifySchema },
    },
    handler: async (req) => services.audit.verify(ctxOf(req)),
  });
}
