import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '@clos/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningUrl, type ServerProcess, spawnServer, stopServer, until } from './server-process.ts';

const ADMIN = 'clos_observability_admin_0123456789abcdef';
const METRICS_TOKEN = 'clos_observability_metrics_0123456789abc';
const TRACE = '0af7651916cd43dd8448eb211c80319c';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

// The real process with the OpenTelemetry variables an operator sets: traces reach an OTLP/HTTP
// collector (JSON encoding, so the test reads them), logs carry the trace, and /metrics has a port of
// its own; on SIGTERM the last minute of service is written.
describe('a server process with OTLP tracing and a metrics port', { timeout: 300_000 }, () => {
  let collector: Server;
  const exported: OtlpSpan[] = [];
  let server: ServerProcess;
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'clos-observability-'));

  beforeAll(async () => {
    collector = createServer((request, response) => {
      let body = '';
      request.on('data', (d) => {
        body += d;
      });
      request.on('end', () => {
        if (request.url === '/v1/traces') {
          const payload = JSON.parse(body) as {
            resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
          };
          for (const r of payload.resourceSpans) for (const s of r.scopeSpans) exported.push(...s.spans);
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const address = collector.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    server = spawnServer(['--port', '0', '--data-dir', dir, '--metrics-port', '0'], {
      env: {
        CLOS_ADMIN_TOKEN: ADMIN,
        CLOS_METRICS_TOKEN: METRICS_TOKEN,
        CLOS_INSTANCE: 'api-test',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'clos-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    url = await listeningUrl(server);
  }, 240_000);

  afterAll(async () => {
    if (server) await stopServer(server);
    await new Promise((resolve) => collector?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports a span per request in the caller’s trace, and logs it with the trace id', async () => {
    const res = await fetch(`${url}/api/v1/pods`, {
      headers: { authorization: `Bearer ${ADMIN}`, traceparent: `00-${TRACE}-b7ad6b7169203331-01` },
    });
    expect(res.status).toBe(200);
    const span = await until('the request span at the collector', async () =>
      exported.find((s) => s.traceId === TRACE && s.name === 'GET /api/v1/pods'),
    );
    expect(span.parentSpanId).toBe('b7ad6b7169203331');
    expect(exported.some((s) => s.traceId === TRACE && s.name === 'pods.list')).toBe(true);
    const logged = await until('the request log line', async () =>
      server
        .stdout()
        .split('\n')
        .find((l) => l.includes('"trace_id"') && l.includes(TRACE)),
    );
    expect(JSON.parse(logged)).toMatchObject({ trace_id: TRACE });
  });

  it('serves /metrics on its own port only', async () => {
    const metricsUrl = server.stdout().match(/"url":"(http:\/\/[^"]+\/metrics)"/)?.[1];
    expect(metricsUrl).toBeDefined();
    const scraped = await fetch(metricsUrl!);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^clos_build_info\{version="[^"]+",engine="pglite"\} 1$/m);
    // Moved, not duplicated: the API port has no /metrics, whatever the token.
    const onApi = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(onApi.status).toBe(404);
  });

  it('writes its last minute of service when stopped', async () => {
    expect(await stopServer(server)).toBe(0);
    const database = await openPglite(dir);
    try {
      const rows = await database.query<{ instance: string; ready: boolean; requests: number }>(
        'select instance, ready, requests from service_minutes',
      );
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(rows.every((r) => r.instance === 'api-test' && r.ready)).toBe(true);
      // The /api/v1/pods request above; the probes and /metrics are not the API.
      expect(rows.reduce((n, r) => n + Number(r.requests), 0)).toBe(1);
    } finally {
      await database.close();
    }
  });
});
