import type { RuntimeEnv, RuntimeModule } from './module.ts';
import { alertsModule } from './modules/alerts.ts';
import { auditCheckpointsModule } from './modules/audit-checkpoints.ts';
import { backupModule } from './modules/backup.ts';
import { dailyRhythmModule } from './modules/daily-rhythm.ts';
import { eventRetentionModule } from './modules/event-retention.ts';
import { monthlyRotationModule } from './modules/monthly-rotation.ts';
import { notificationsModule } from './modules/notifications.ts';
import { podHealthModule } from './modules/pod-health.ts';
import { projectLifecycleModule } from './modules/project-lifecycle.ts';
import { webhooksModule } from './modules/webhooks.ts';
import { weeklyDemoModule } from './modules/weekly-demo.ts';

/** Every module of the job runner. A new workflow, reaction or job is one file and one line here. */
export const MODULES: ((env: RuntimeEnv) => RuntimeModule)[] = [
  alertsModule,
  auditCheckpointsModule,
  eventRetentionModule,
  monthlyRotationModule,
  notificationsModule,
  projectLifecycleModule,
  webhooksModule,
  dailyRhythmModule,
  weeklyDemoModule,
  podHealthModule,
  backupModule,
];
