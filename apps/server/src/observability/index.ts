import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { combineInstrumentation, type Instrumentation, type Policy } from '@clos/core';
import { createRepositories, type Database } from '@clos/db';
import type pino from 'pino';
import { API_VERSION } from '../app.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createServiceMinutes } from './service-minutes.ts';
import { createTracingInstrumentation, startTracing, type TracingSdk } from './tracing.ts';

export interface Observability {
  instrumentation: Instrumentation;
  metrics: Metrics;
  /** Whether the OpenTelemetry SDK is exporting traces (OTEL_EXPORTER_OTLP_* set). */
  tracing: boolean;
  /** Starts the per-minute service record (API processes). */
  startServiceMinutes(): void;
  close(): Promise<void>;
}

/**
 * A process's metrics, tracing and per-minute service record, as one instrumentation for the
 * composition root to hand to every layer.
 */
export async function createObservability(input: {
  database: Database;
  policy: Policy;
  env: NodeJS.ProcessEnv;
  logger: pino.Logger;
  instance?: string | undefined;
}): Promise<Observability> {
  const { database, logger } = input;
  const sdk: TracingSdk | null = await startTracing(input.env);
  if (sdk)
    logger.info(
      { endpoint: input.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? input.env.OTEL_EXPORTER_OTLP_ENDPOINT },
      'exporting traces over OTLP',
    );
  const metrics = createMetrics({ database, policy: input.policy, version: API_VERSION });
  const repos = createRepositories(database.db, randomUUID);
  const minutes = createServiceMinutes({
    instance: input.instance ?? `${hostname()}:${process.pid}`,
    record: (row) => repos.serviceMinutes.record(row),
    selfCheck: async () => {
      await database.query('select 1');
      return true;
    },
    onError: (error) =>
      logger.warn({ err: error }, 'could not record this minute of service (counts as unavailable)'),
  });
  let minutesStarted = false;
  return {
    instrumentation: combineInstrumentation(
      ...(sdk ? [createTracingInstrumentation()] : []),
      metrics.instrumentation,
      minutes.instrumentation,
    ),
    metrics,
    tracing: sdk !== null,
    startServiceMinutes() {
      minutesStarted = true;
      minutes.start();
    },
    async close() {
      if (minutesStarted) await minutes.stop();
      await sdk?.shutdown().catch((error) => logger.warn({ err: error }, 'trace export did not flush'));
    },
  };
}
