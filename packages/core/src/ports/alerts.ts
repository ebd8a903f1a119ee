import type { Page, PageRequest } from './page.ts';

export type AlertStatus = 'open' | 'resolved';
export type AlertSeverity = 'warning' | 'critical';
export type AlertKind = 'wip.limit_exceeded' | 'gate.stuck' | 'pod.health_low' | 'deployment.failure_rate';

/** Who acknowledged an open alert, and when: it stays open, but someone has taken it on. */
export interface AlertAcknowledgement {
  at: Date;
  /** The user, or null for a token or system actor without one. */
  by: string | null;
  /** How the audit log names the actor (an email, or `system`). */
  byLabel: string;
}

/** An open alert hidden from open lists until `until`; it is notified again then, if still open. */
export interface AlertSnooze {
  until: Date;
  at: Date;
  by: string | null;
  byLabel: string;
}

export interface Alert {
  id: string;
  /** The condition's identity, e.g. `wip.limit_exceeded:<podId>:<itemType>`: one open alert per key. */
  key: string;
  kind: AlertKind;
  podId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown>;
  status: AlertStatus;
  openedAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  /** Null until acknowledged; kept after it resolves, as the record of who took it on. */
  acknowledged: AlertAcknowledgement | null;
  /** Null when not snoozed; cleared when the snooze ends (and the alert is notified again) or it resolves. */
  snooze: AlertSnooze | null;
}

export interface AlertFilter {
  status?: AlertStatus | undefined;
  podId?: string | undefined;
  kind?: AlertKind | undefined;
  /**
   * Snoozes in force at this instant: `exclude` drops alerts snoozed past it (what an "open" list
   * shows), `only` keeps just those.
   */
  snoozed?: { at: Date; mode: 'exclude' | 'only' } | undefined;
}

export interface AlertRepository {
  /**
   * Serialises reconciliations until the transaction ends: two workers reconciling at once would
   * otherwise interleave opening and resolving the same keys.
   */
  lockReconcile(): Promise<void>;
  openAlerts(): Promise<Alert[]>;
  /** The keys under which an alert is open. */
  openKeys(): Promise<ReadonlySet<string>>;
  /** Inserts an open alert; null when one is already open for its key (the partial unique index). */
  insertOpen(alert: Alert): Promise<Alert | null>;
  /** Refreshes a still-true open alert: when last seen, and its current message and details. */
  refresh(id: string, patch: Pick<Alert, 'lastSeenAt' | 'message' | 'details' | 'severity'>): Promise<void>;
  byId(id: string): Promise<Alert | null>;
  /** Records an acknowledgement on an open alert; the updated alert, or null when it is not open. */
  acknowledge(id: string, ack: AlertAcknowledgement): Promise<Alert | null>;
  /** Sets or clears (null) an open alert's snooze; the updated alert, or null when it is not open. */
  setSnooze(id: string, snooze: AlertSnooze | null): Promise<Alert | null>;
  /** Resolves an open alert, ending any snooze; false when it was not open any more. */
  resolve(id: string, at: Date): Promise<boolean>;
  /** Open alerts first (newest opened first), then resolved ones (most recently resolved first). */
  list(filter: AlertFilter, page: PageRequest): Promise<Page<Alert>>;
}
