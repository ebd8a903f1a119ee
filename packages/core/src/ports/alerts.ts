import type { Page, PageRequest } from './page.ts';

export type AlertStatus = 'open' | 'resolved';
export type AlertSeverity = 'warning' | 'critical';
export type AlertKind = 'wip.limit_exceeded' | 'gate.stuck' | 'pod.health_low' | 'deployment.failure_rate';

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
}

export interface AlertFilter {
  status?: AlertStatus | undefined;
  podId?: string | undefined;
  kind?: AlertKind | undefined;
}

export interface AlertRepository {
  /**
   * Serialises reconciliations until the transaction ends: two workers reconciling at once would
   * otherwise interleave opening and resolving the same keys.
   */
  lockReconcile(): Promise<void>;
  openAlerts(): Promise<Alert[]>;
  /** Inserts an open alert; null when one is already open for its key (the partial unique index). */
  insertOpen(alert: Alert): Promise<Alert | null>;
  /** Refreshes a still-true open alert: when last seen, and its current message and details. */
  refresh(id: string, patch: Pick<Alert, 'lastSeenAt' | 'message' | 'details' | 'severity'>): Promise<void>;
  /** Resolves an open alert; false when it was not open any more. */
  resolve(id: string, at: Date): Promise<boolean>;
  /** Open alerts first (newest opened first), then resolved ones (most recently resolved first). */
  list(filter: AlertFilter, page: PageRequest): Promise<Page<Alert>>;
}
