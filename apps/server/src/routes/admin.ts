import { decodeCheckpointToken, encodeCheckpointToken, routes } from '@clos/contract';
import { InvalidInputError } from '@clos/core';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function adminRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.createUser, async (req) => toJson(await services.auth.createUser(ctxOf(req), req.body)));

  route(app, routes.listUsers, async (req) => toJson(await services.auth.listUsers(ctxOf(req), req.query)));

  route(app, routes.updateUser, async (req) =>
    toJson(await services.auth.updateUser(ctxOf(req), req.params.id, req.body)),
  );

  route(app, routes.listSessions, async (req) => {
    const { user, active, ...page } = req.query;
    return toJson(
      await services.signIn.list(
        ctxOf(req),
        { userId: user, active: active === undefined ? undefined : active === 'true' },
        page,
      ),
    );
  });

  route(app, routes.endSession, async (req) => toJson(await services.signIn.end(ctxOf(req), req.params.id)));

  route(app, routes.createToken, async (req) => {
    const { expiresAt, ...rest } = req.body;
    const created = await services.auth.createToken(ctxOf(req), {
      ...rest,
      expiresAt: expiresAt ? new Date(expiresAt) : null,
    });
    return toJson(created);
  });

  route(app, routes.listTokens, async (req) => toJson(await services.auth.listTokens(ctxOf(req), req.query)));

  route(app, routes.revokeToken, async (req) =>
    toJson(await services.auth.revokeToken(ctxOf(req), req.params.id)),
  );

  route(app, routes.listAudit, async (req) => {
    const { limit, cursor, from, to, ...filter } = req.query;
    return toJson(
      await services.audit.list(
        ctxOf(req),
        { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
        { limit, cursor },
      ),
    );
  });

  route(app, routes.verifyAudit, async (req) => {
    const token = req.query.checkpoint;
    if (token === undefined) return services.audit.verify(ctxOf(req));
    const decoded = decodeCheckpointToken(token);
    if (!decoded.ok) throw new InvalidInputError([{ path: 'checkpoint', message: decoded.message }]);
    return services.auditCheckpoints.verify(ctxOf(req), [decoded.checkpoint], () => 'checkpoint');
  });

  route(app, routes.verifyAuditCheckpoints, async (req) =>
    services.auditCheckpoints.verify(ctxOf(req), req.body.checkpoints),
  );

  route(app, routes.takeAuditCheckpoint, async (req) => {
    const taken = await services.auditCheckpoints.take(ctxOf(req));
    return { ...taken, token: encodeCheckpointToken(taken.checkpoint) };
  });
}
