/**
 * Every HTTP route of CLOS in one table: method, path, the Zod schemas of its parameters, query,
 * body and responses, the permission it needs and how it is documented. The server registers each
 * route from its entry and the typed client calls it from the same entry, so a change of shape here
 * changes both, and breaks whichever side no longer fits at compile time.
 */

import { accessRoutes } from './routes/access.ts';
import { alertRoutes } from './routes/alerts.ts';
import { attentionRoutes } from './routes/attention.ts';
import { auditLogRoutes, auditRoutes } from './routes/audit.ts';
import { backupRoutes } from './routes/backup.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import type { RouteDefinition } from './routes/definition.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { ideaRoutes } from './routes/ideas.ts';
import { importRoutes } from './routes/imports.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { podRoutes } from './routes/pods.ts';
import { policyRoutes } from './routes/policy.ts';
import { projectRoutes } from './routes/projects.ts';
import { reportRoutes } from './routes/reports.ts';
import { rhythmRoutes } from './routes/rhythms.ts';
import { rotationRoutes } from './routes/rotation.ts';
import { scorecardRoutes } from './routes/scorecard.ts';
import { sessionRoutes } from './routes/session.ts';
import { streamRoutes } from './routes/stream.ts';
import { systemRoutes } from './routes/system.ts';
import { trendsRoutes } from './routes/trends.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { wipRoutes } from './routes/wip.ts';
import { workflowRoutes } from './routes/workflows.ts';

/**
 * The route table: every route, one table per area (each in `routes/`). Keys are the client's method
 * names and the OpenAPI `operationId`s; paths with `:name` take their values from `params`. The order
 * of the spreads is the order the routes are documented in (OpenAPI), so a new area goes at the end.
 */
export const routes = {
  ...systemRoutes,
  ...podRoutes,
  ...wipRoutes,
  ...projectRoutes,
  ...ideaRoutes,
  ...accessRoutes,
  ...auditLogRoutes,
  ...workflowRoutes,
  ...rhythmRoutes,
  ...deploymentRoutes,
  ...alertRoutes,
  ...auditRoutes,
  ...streamRoutes,
  ...rotationRoutes,
  ...webhookRoutes,
  ...policyRoutes,
  ...sessionRoutes,
  ...dashboardRoutes,
  ...attentionRoutes,
  ...integrationRoutes,
  ...reportRoutes,
  ...scorecardRoutes,
  ...trendsRoutes,
  ...importRoutes,
  ...backupRoutes,
} as const satisfies Record<string, RouteDefinition>;

export type Routes = typeof routes;
export type RouteKey = keyof Routes;
