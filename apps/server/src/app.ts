import { randomUUID } from 'node:crypto';
import { type Instrumentation, NO_INSTRUMENTATION, type Services } from '@clos/core';
import type { Database } from '@clos/db';
import type { Importer, MountedRoute, StatusReporter } from '@clos/integrations';
import type { Runtime } from '@clos/workflows';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { OidcClient } from './auth/oidc-client.ts';
import type { QueryLimits } from './graphql/complexity.ts';
import { registerGraphql } from './graphql/register.ts';
import { registerAuth } from './http/auth.ts';
import { errorHandler, sendError } from './http/errors.ts';
import { registerInboundRoutes } from './http/inbound-routes.ts';
import {
  clientErrorHandler,
  frameworkErrors,
  MAX_PARAM_LENGTH,
  registerInputGuard,
} from './http/input-guard.ts';
import { hardenLogger } from './http/log.ts';
import { type PressureOptions, registerPressure } from './http/pressure.ts';
import { type RateLimitOptions, registerRateLimit } from './http/rate-limit.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { registerRequestTracing } from './observability/tracing.ts';
import { adminRoutes } from './routes/admin.ts';
import { alertRoutes } from './routes/alerts.ts';
import { attentionRoutes } from './routes/attention.ts';
import { backupRoutes } from './routes/backup.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { ideaRoutes } from './routes/ideas.ts';
import { importRoutes } from './routes/imports.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { type MetricsEndpoint, metricsRoute } from './routes/metrics.ts';
import { podRoutes } from './routes/pods.ts';
import { policyRoutes } from './routes/policy.ts';
import { projectRoutes } from './routes/projects.ts';
import { reportRoutes } from './routes/reports.ts';
import { rhythmRoutes } from './routes/rhythms.ts';
import { rotationRoutes } from './routes/rotation.ts';
import { scorecardRoutes } from './routes/scorecard.ts';
import { sessionRoutes } from './routes/session.ts';
import { signInRoutes } from './routes/sign-in.ts';
import { type StreamOptions, streamRoutes } from './routes/stream.ts';
import { systemRoutes } from './routes/system.ts';
import { trendsRoutes } from './routes/trends.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { wipRoutes } from './routes/wip.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { registerDashboard } from './static/dashboard.ts';

export const API_VERSION = '2.0.0-alpha.1';

export interface AppOptions {
  services: Services;
  database: Database;
  /** The job runner: workflow runs, the event stream. Absent in tests of the plain API. */
  runtime?: Runtime | undefined;
  /** A pino logger; silent when absent. */
  logger?: FastifyServerOptions['loggerInstance'];
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /** Request budgets per token, IP and webhook; none when absent (the server always sets them). */
  rateLimit?: RateLimitOptions | undefined;
  /** GraphQL limits (depth, cost, aliases, fields, mutations, response size); defaults when absent. */
  graphql?: Partial<QueryLimits> | undefined;
  /** Load shedding (event-loop delay, heap, RSS); none when absent (the server always sets it). */
  pressure?: PressureOptions | undefined;
  /** The built dashboard SPA served at `/`; apps/dashboard/dist when absent. */
  dashboardDir?: string | undefined;
  /** Event stream tuning (tests shorten the token re-check); open streams allowed per token and address. */
  stream?: StreamOptions | undefined;
  /** Inbound webhook routes of the configured integrations (`configureIntegrations(…).routes`). */
  inbound?: readonly MountedRoute[] | undefined;
  /** Status reporters of the configured integrations, by name (`configureIntegrations(…).status`). */
  integrationStatus?: Readonly<Record<string, StatusReporter>> | undefined;
  /** Importers of the configured integrations, by name (`configureIntegrations(…).importers`). */
  importers?: Readonly<Record<string, Importer>> | undefined;
  /** The SSO relying party when `CLOS_OIDC_*` is set; people sign in with API tokens only without it. */
  oidc?: OidcClient | undefined;
  /** Peers whose X-Forwarded-For is believed (`server.trustProxy`); nobody's when absent. */
  trustProxy?: readonly string[] | undefined;
  /** Told of every answered request and every stream reader (the composition root's). */
  instrumentation?: Instrumentation | undefined;
  /**
   * The Prometheus exposition served at `/metrics` (permission `metrics:read`, or `metricsToken`);
   * absent when metrics are off or served on their own port.
   */
  metrics?: MetricsEndpoint | undefined;
  /** `CLOS_METRICS_TOKEN`: a bearer value that opens `/metrics` only. */
  metricsToken?: string | undefined;
  /** A server span per request (OpenTelemetry), continuing a caller's `traceparent`. */
  tracing?: boolean | undefined;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The HTTP surface: every route is registered here with its permission, schema and use case. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: hardenLogger(options.logger) } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Honour a caller's X-Request-Id (a proxy's, say) so one id follows the request end to end.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    // request.ip is the peer's address unless the peer is a listed proxy: a client cannot pick its own
    // address (for token allowlists and per-address limits) by sending X-Forwarded-For.
    ...(options.trustProxy?.length ? { trustProxy: [...options.trustProxy] } : {}),
  });
  // First of all hooks: everything the request does, refusals included, happens inside its span.
  if (options.tracing) registerRequestTracing(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // First: its headers are set in onRequest, so answers sent early (414, 429, 401) carry them too.
  await registerSecurityHeaders(app);
  registerInputGuard(app);
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, request, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const instrumentation = options.instrumentation ?? NO_INSTRUMENTATION;
  app.addHook('onResponse', async (request, reply) => {
    instrumentation.httpResponse({
      method: request.method,
      // The template, so metrics have one series per route rather than one per id; unmatched is "*".
      route: request.routeOptions.url ?? '*',
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
    });
  });

  // Plugin routes (the docs UI) are public; everything else must declare a permission.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, permission: 'public' };
  });
  // Before rate limits and authentication: an overloaded process refuses without a token lookup or a count.
  const pressure = await registerPressure(app, options.pressure);
  // Before registerAuth: its per-IP check must run ahead of authentication (see rate-limit.ts).
  registerRateLimit(app, options.rateLimit);
  registerAuth(app, options.services, { metricsToken: options.metricsToken });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CLOS API',
        version: API_VERSION,
        description:
          'Stage gates, WIP locks, idea ledger, pods and audit. Authenticate with `Authorization: Bearer <token>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  systemRoutes(app, { database: options.database, pressure });
  if (options.metrics) metricsRoute(app, options.metrics);
  app.get('/api/v1/openapi.json', {
    config: { permission: 'public' },
    schema: { hide: true },
    handler: async () => app.swagger(),
  });

  const deps = { services: options.services, database: options.database, runtime: options.runtime };
  podRoutes(app, deps);
  wipRoutes(app, deps);
  projectRoutes(app, deps);
  ideaRoutes(app, deps);
  adminRoutes(app, deps);
  backupRoutes(app, deps);
  workflowRoutes(app, deps);
  rhythmRoutes(app, deps);
  streamRoutes(app, deps, { ...options.stream, onReaders: instrumentation.streamReaders });
  deploymentRoutes(app, deps);
  alertRoutes(app, deps);
  rotationRoutes(app, deps);
  webhookRoutes(app, deps);
  policyRoutes(app, deps);
  sessionRoutes(app, deps);
  signInRoutes(app, options.services, options.oidc);
  dashboardRoutes(app, deps);
  attentionRoutes(app, deps);
  trendsRoutes(app, deps);
  integrationRoutes(app, deps, options.integrationStatus ?? {});
  reportRoutes(app, deps);
  scorecardRoutes(app, deps);
  importRoutes(app, deps, options.importers ?? {});
  await registerInboundRoutes(app, {
    routes: options.inbound ?? [],
    services: options.services,
    acceptDelivery: options.runtime?.acceptDelivery,
  });
  await registerGraphql(app, { services: options.services, limits: options.graphql });
  await registerDashboard(app, {
    dir: options.dashboardDir,
    count: (metric) => options.services.usage.count(metric),
  });
  await app.ready();
  return app;
}
