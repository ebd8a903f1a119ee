import type { Clock, Repositories } from '@clos/core';
import type { Db } from './database.ts';
import { alertRepository } from './repos/alerts.ts';
import { attentionRepository } from './repos/attention.ts';
import { auditRepository } from './repos/audit.ts';
import { auditCheckpointRepository } from './repos/audit-checkpoints.ts';
import { configStateRepository } from './repos/config-state.ts';
import { dashboardRepository } from './repos/dashboard.ts';
import { demoRepository } from './repos/demos.ts';
import { deploymentRepository } from './repos/deployments.ts';
import { eventLogRepository } from './repos/event-log.ts';
import { eventRepository, type OnEmit } from './repos/events.ts';
import { healthRepository } from './repos/health.ts';
import { ideaRepository } from './repos/ideas.ts';
import { importRepository } from './repos/imports.ts';
import { inboundDeliveryRepository } from './repos/inbound-deliveries.ts';
import { integrationMessageRepository } from './repos/integration-messages.ts';
import { linearRepository } from './repos/linear.ts';
import { podRepository } from './repos/pods.ts';
import { projectRepository } from './repos/projects.ts';
import { reportRepository } from './repos/reports.ts';
import { rhythmRepository } from './repos/rhythms.ts';
import { scorecardRepository } from './repos/scorecard.ts';
import { serviceMinuteRepository } from './repos/service-minutes.ts';
import { loginAttemptRepository, sessionRepository } from './repos/sessions.ts';
import { tokenRepository } from './repos/tokens.ts';
import { trendsRepository } from './repos/trends.ts';
import { usageRepository } from './repos/usage.ts';
import { userRepository } from './repos/users.ts';
import { webhookRepository } from './repos/webhooks.ts';
import { wipRepository } from './repos/wip.ts';
import { workflowRepository } from './repos/workflows.ts';
import type { SecretBox } from './secret-box.ts';
import { systemClock } from './system-clock.ts';
import type { WriteBehind } from './write-behind.ts';

/** What the repositories of one connection or transaction are told to do besides reading and writing. */
export interface RepositoryOptions {
  /** Told of each domain event written; see OnEmit. */
  onEmit?: OnEmit | undefined;
  /** Seals and opens stored secrets; without it, storing one is refused (see secret-box.ts). */
  secretBox?: SecretBox | undefined;
  /** Stamps what the adapter dates itself (a pod's `updatedAt`); callers that compose use cases pass theirs. */
  clock?: Clock | undefined;
  /** Told of each audit event recorded (so the unit of work can ring the sealer's bell once it commits). */
  onAudit?: (() => void) | undefined;
  /** Told of each change to a token or a user, in the transaction (the token cache's cue). */
  onAuthChange?: (() => Promise<void>) | undefined;
  /**
   * Where audit and outbox rows wait to be inserted together before the commit (the unit of work
   * flushes it); without it each is inserted at once.
   */
  writeBehind?: WriteBehind | undefined;
}

/** Every repository over one connection or transaction. */
export function createRepositories(db: Db, ids: () => string, options: RepositoryOptions = {}): Repositories {
  const { onEmit, secretBox, clock = systemClock, onAudit, onAuthChange, writeBehind } = options;
  const events = eventRepository(db, onEmit, writeBehind);
  return {
    events,
    pods: podRepository(db, clock),
    users: userRepository(db, onAuthChange),
    sessions: sessionRepository(db),
    loginAttempts: loginAttemptRepository(db),
    projects: projectRepository(db),
    wip: wipRepository(db),
    ideas: ideaRepository(db),
    health: healthRepository(db),
    audit: auditRepository(db, ids, onAudit, writeBehind),
    auditCheckpoints: auditCheckpointRepository(db),
    tokens: tokenRepository(db, onAuthChange),
    configState: configStateRepository(db),
    workflows: workflowRepository(db),
    rhythms: rhythmRepository(db),
    demos: demoRepository(db),
    eventLog: eventLogRepository(db),
    deployments: deploymentRepository(db),
    inboundDeliveries: inboundDeliveryRepository(db),
    usage: usageRepository(db),
    integrationMessages: integrationMessageRepository(db),
    alerts: alertRepository(db),
    webhooks: webhookRepository(db, secretBox),
    dashboard: dashboardRepository(db),
    attention: attentionRepository(db),
    trends: trendsRepository(db),
    reports: reportRepository(db),
    scorecard: scorecardRepository(db),
    serviceMinutes: serviceMinuteRepository(db),
    imports: importRepository(db),
    linear: linearRepository(db),
  };
}
