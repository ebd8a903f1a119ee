import type { Integration } from '../integration.ts';
import { logNotifier } from './log-notifier.ts';

/** `notifications.log`: every notification as one line of the server log (on by default). */
export const logIntegration: Integration = {
  name: 'log',
  configSections: ['notifications'],
  configure: ({ policy, logger }) => (policy.notifications.log ? { notifiers: [logNotifier(logger)] } : null),
};
