import { createAlertService } from './alerts/service.ts';
import { createAuditCheckpointService } from './audit/checkpoints.ts';
import { createAuditService } from './audit/service.ts';
import { createAuthService } from './auth/service.ts';
import { createSessionService } from './auth/session.ts';
import { createSignInService } from './auth/sign-in.ts';
import { applyPolicy } from './config/apply.ts';
import { createPolicyViewService } from './config/policy-view.ts';
import type { Deps } from './context.ts';
import { createAttentionService } from './dashboard/attention.ts';
import { createDashboardService } from './dashboard/service.ts';
import { createTrendsService } from './dashboard/trends.ts';
import { createDemoService } from './demos/service.ts';
import { createDeploymentService } from './deployments/service.ts';
import { createEventStreamService } from './events/stream.ts';
import { createIdeaService } from './ideas/service.ts';
import { createImportService } from './imports/service.ts';
import { createLinearService } from './linear/service.ts';
import { createRotationService } from './pods/rotation.ts';
import { createPodService } from './pods/service.ts';
import { createReportService } from './reports/service.ts';
import { createRhythmService } from './rhythms/service.ts';
import { createScorecardService } from './scorecard/service.ts';
import { createStageService } from './stages/service.ts';
import { createUsageService } from './usage/service.ts';
import { createWebhookService } from './webhooks/service.ts';
import { createWipService } from './wip/service.ts';
import { createWorkflowService } from './workflows/service.ts';

/** Every use case over one set of ports: what the HTTP layer (and later GraphQL, CLI, jobs) calls. */
export function createServices(deps: Deps) {
  return {
    stages: createStageService(deps),
    wip: createWipService(deps),
    ideas: createIdeaService(deps),
    pods: createPodService(deps),
    rotation: createRotationService(deps),
    auth: createAuthService(deps),
    session: createSessionService(deps),
    signIn: createSignInService(deps),
    dashboard: createDashboardService(deps),
    attention: createAttentionService(deps),
    trends: createTrendsService(deps),
    audit: createAuditService(deps),
    auditCheckpoints: createAuditCheckpointService(deps),
    workflows: createWorkflowService(deps),
    deployments: createDeploymentService(deps),
    alerts: createAlertService(deps),
    rhythms: createRhythmService(deps),
    demos: createDemoService(deps),
    stream: createEventStreamService(deps),
    webhooks: createWebhookService(deps),
    policyView: createPolicyViewService(deps),
    usage: createUsageService(deps),
    reports: createReportService(deps),
    scorecard: createScorecardService(deps),
    linear: createLinearService(deps),
    imports: createImportService(deps),
    applyPolicy: () => applyPolicy(deps),
    policy: deps.policy,
  };
}

export type Services = ReturnType<typeof createServices>;
