import type { Notifier } from '@clos/core';
import type { RuntimeEnv, RuntimeModule } from '@clos/workflows';
import type {
  Importer,
  InboundRoute,
  Integration,
  IntegrationContext,
  IntegrationContribution,
  IntegrationLogger,
  StatusReporter,
} from './integration.ts';

/** An inbound route with the URL it is mounted at and the integration it belongs to. */
export interface MountedRoute {
  integration: string;
  url: string;
  route: InboundRoute;
}

/** Everything the configured integrations add, ready for the job runner and the HTTP app. */
export interface ConfiguredIntegrations {
  /** The integrations that are on, in registry order. */
  names: string[];
  notifiers: Notifier[];
  /**
   * Their runtime modules, plus one per integration (`integration:<name>`) that carries its
   * subscribers and its `stop`, so the job runner dispatches to the one and calls the other.
   */
  modules: ((env: RuntimeEnv) => RuntimeModule)[];
  routes: MountedRoute[];
  /** The status reporters of the integrations that have one, by integration name. */
  status: Record<string, StatusReporter>;
  /** The importers of the integrations that have one, by integration name. */
  importers: Record<string, Importer>;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ROUTE_PATH = /^(\/[a-z0-9][a-z0-9._-]*)*$/;

/** A logger bound to the integration's name, when the logger can bind (pino's `child`). */
type ContextLogger = IntegrationLogger & { child?(bindings: object): IntegrationLogger };

/**
 * Configures each integration of `integrations` (the registry, or a test's list) and gathers what
 * the ones that are on contribute. Throws on a programming error (a duplicate name, a route path
 * that is not one), never on configuration: the config file was validated before this runs.
 */
export async function configureIntegrations(
  integrations: readonly Integration[],
  context: Omit<IntegrationContext, 'logger'> & { logger: ContextLogger },
): Promise<ConfiguredIntegrations> {
  const configured: ConfiguredIntegrations = {
    names: [],
    notifiers: [],
    modules: [],
    routes: [],
    status: {},
    importers: {},
  };
  const seen = new Set<string>();
  for (const integration of integrations) {
    const { name } = integration;
    if (!NAME.test(name)) throw new Error(`integration name "${name}" is not lower-case kebab-case`);
    if (seen.has(name)) throw new Error(`two integrations are named "${name}"`);
    seen.add(name);
    const logger = context.logger.child?.({ integration: name }) ?? context.logger;
    const contribution = await integration.configure({ ...context, logger });
    if (contribution) add(configured, name, contribution);
  }
  return configured;
}

function add(configured: ConfiguredIntegrations, name: string, contribution: IntegrationContribution) {
  configured.names.push(name);
  configured.notifiers.push(...(contribution.notifiers ?? []));
  configured.modules.push(...(contribution.modules ?? []));
  const { subscribers, stop } = contribution;
  if (subscribers?.length || stop)
    configured.modules.push(() => ({
      name: `integration:${name}`,
      ...(subscribers?.length ? { subscribers: [...subscribers] } : {}),
      ...(stop ? { stop } : {}),
    }));
  if (contribution.status) configured.status[name] = contribution.status;
  if (contribution.importer) configured.importers[name] = contribution.importer;
  for (const route of contribution.routes ?? []) {
    if (!ROUTE_PATH.test(route.path))
      throw new Error(
        `integration "${name}": route path "${route.path}" must be '' or '/segment…' (lower case)`,
      );
    configured.routes.push({ integration: name, url: `/api/v1/integrations/${name}${route.path}`, route });
  }
}
