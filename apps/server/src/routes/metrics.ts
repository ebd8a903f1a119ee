import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** What `/metrics` serves: the process's Prometheus registry. */
export interface MetricsEndpoint {
  render(): Promise<string>;
  contentType: string;
}

/**
 * `GET /metrics` on the API port, for a token with `metrics:read` or `CLOS_METRICS_TOKEN` (see
 * http/auth.ts). Outside the OpenAPI document: it is Prometheus's text format, not the JSON API.
 */
export function metricsRoute(app: FastifyInstance, metrics: MetricsEndpoint) {
  app.get('/metrics', {
    config: { permission: 'metrics:read', rateLimit: 'exempt' },
    schema: { hide: true },
    handler: async (_request, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.contentType).send(text);
    },
  });
}

/**
 * `/metrics` on a port of its own (`--metrics-port`), without authentication: for a scraper on a
 * private network or a sidecar, and for workers, which have no API port. Anything else is 404.
 */
export async function startMetricsServer(
  metrics: MetricsEndpoint,
  at: { port: number; host: string },
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('not found: try GET /metrics\n');
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (error: Error) =>
        response
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`metrics failed: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : at.port;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return {
    server,
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
