import type { Notifier, Policy } from '@clos/core';
import type { WebClient } from '@slack/web-api';
import { notificationMessage } from './blocks.ts';

/**
 * The channel a pod's message goes to: the channel set for its kind (`slack.channels`), else the
 * pod's own, else the default; null: not posted.
 */
export function channelFor(
  policy: Pick<Policy, 'pods' | 'slack'>,
  pod: string | null,
  kind?: string,
): string | null {
  const forKind = kind ? policy.slack.channels[kind] : undefined;
  if (forKind) return forKind;
  const own = pod ? policy.pods.find((p) => p.slug === pod)?.slack.channel : null;
  return own ?? policy.slack.defaultChannel;
}

/**
 * Posts each notification of the kinds `slack.notifications` lists to its pod's channel as Block
 * Kit. The Web API client waits out a 429's `Retry-After` and retries; a post that still fails throws,
 * so the `clos.notify` job retries Slack alone (the other notifiers' deliveries are recorded), and the
 * workflow step that raised the event never waits for Slack.
 */
export function slackNotifier(client: WebClient, policy: Pick<Policy, 'pods' | 'slack'>): Notifier {
  const kinds = new Set(policy.slack.notifications);
  return {
    name: 'slack',
    async send(notification) {
      if (!kinds.has(notification.kind)) return;
      const channel = channelFor(policy, notification.pod, notification.kind);
      if (!channel) return;
      await client.chat.postMessage({ channel, ...notificationMessage(notification), unfurl_links: false });
    },
  };
}
