import type { NotificationsPolicy, Notifier } from '@clos/core';
import { logNotifier } from './log-notifier.ts';

/** The notifiers the policy asks for. The webhook notifier is added by the webhooks module. */
export function createNotifiers(
  policy: NotificationsPolicy,
  deps: { logger: { info(obj: object, msg?: string): void }; env: NodeJS.ProcessEnv },
): Notifier[] {
  const notifiers: Notifier[] = [];
  if (policy.log) notifiers.push(logNotifier(deps.logger));
  return notifiers;
}
