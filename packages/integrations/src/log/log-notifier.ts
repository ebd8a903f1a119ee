import type { Notifier } from '@clos/core';

/** Writes each notification to the server log (one structured line), e.g. for log-based alerting. */
export function logNotifier(logger: { info(obj: object, msg?: string): void }): Notifier {
  return {
    name: 'log',
    async send(n) {
      logger.info(
        { notification: { id: n.id, kind: n.kind, pod: n.pod, title: n.title, text: n.text } },
        n.title,
      );
    },
  };
}
