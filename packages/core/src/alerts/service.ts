import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Pod } from '../entities.ts';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import type { Alert, AlertKind, AlertStatus } from '../ports/alerts.ts';
import type { PageRequest, Repositories } from '../ports/repositories.ts';
import { criterionGroup, nextStageOf } from '../stages/gate.ts';
import { evaluateProjectGate } from '../stages/project-gate.ts';
import { effectiveLimit, podBySlug } from '../wip/service.ts';
import {
  type AlertCondition,
  type AlertFacts,
  alertKey,
  evaluateAlerts,
  gateCheckDue,
  type ProjectAlertFacts,
} from './evaluate.ts';

/** A refused WIP acquire being reported to the reconciliation (from its `wip.limit_reached` event). */
export interface WipRefusal {
  podId: string;
  itemType: string;
}

export interface ReconcileResult {
  opened: Alert[];
  resolved: string[];
  /** Alerts open after the reconciliation. */
  open: number;
}

const DAY = 86_400_000;
const PAGE = 500;

async function allPods(repos: Repositories): Promise<Pod[]> {
  const pods: Pod[] = [];
  let cursor: string | undefined;
  do {
    const page = await repos.pods.list({ limit: PAGE, cursor });
    pods.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pods;
}

/** Reads what the alert conditions are judged on. Sequential: inside a transaction the connection runs one query at a time anyway. */
async function gatherFacts(
  deps: Deps,
  repos: Repositories,
  now: Date,
  carried: (podId: string, itemType: string) => { refused: boolean; exceeded: boolean },
): Promise<AlertFacts> {
  const { policy } = deps;
  const pods = await allPods(repos);
  const since = new Date(now.getTime() - policy.alerts.deploymentWindowDays * DAY);
  const deployments = await repos.deployments.finishedSince(since);
  const facts: AlertFacts = { pods: [], projects: [] };
  for (const pod of pods) {
    const used = await repos.wip.countOpen(pod.id);
    const queued = await repos.wip.countQueued(pod.id);
    const stored = await repos.wip.storedLimits(pod.id);
    const health = await repos.health.latest(pod.id);
    const tally = deployments[pod.id];
    facts.pods.push({
      podId: pod.id,
      pod: pod.slug,
      wip: policy.wip.types.map((t) => ({
        itemType: t.name,
        used: used[t.name] ?? 0,
        limit: effectiveLimit(deps, stored, t.name),
        queued: queued[t.name] ?? 0,
        ...carried(pod.id, t.name),
      })),
      healthScore: health?.score ?? null,
      deployments: { finished: (tally?.succeeded ?? 0) + (tally?.failed ?? 0), failed: tally?.failed ?? 0 },
    });
  }

  let cursor: string | undefined;
  do {
    const page = await repos.projects.list({ closed: false }, { limit: PAGE, cursor });
    for (const project of page.items) {
      const next = nextStageOf(policy.stages, project.currentStage);
      const expectedDays = policy.stages.find((s) => s.name === project.currentStage)?.expectedDays ?? null;
      let nextGateMet: boolean | null = null;
      if (next?.gate && gateCheckDue(policy.alerts, project.stageEnteredAt, now, expectedDays)) {
        const gate = await evaluateProjectGate(deps, repos, project);
        // The block is judged on its own (since blockedAt); here only what the gate asks for counts.
        nextGateMet = gate.criteria.filter((c) => criterionGroup(c.kind) !== 'project').every((c) => c.met);
      }
      const p: ProjectAlertFacts = {
        projectId: project.id,
        podId: project.podId,
        name: project.name,
        stage: project.currentStage,
        stageEnteredAt: project.stageEnteredAt,
        blockedAt: project.blockedReason === null ? null : (project.blockedAt ?? project.updatedAt),
        blockedReason: project.blockedReason,
        nextGateMet,
        nextStage: next?.name ?? null,
        expectedDays,
      };
      facts.projects.push(p);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return facts;
}

/**
 * Opens, refreshes and resolves alerts so that exactly the conditions true at `now` are open. Safe
 * to run any number of times, from any number of workers: it is serialised, an alert opens once per
 * key (the partial unique index), and only the transaction that resolves an alert announces it.
 */
export async function reconcileAlertsInTx(
  deps: Deps,
  repos: Repositories,
  now: Date,
  input: { refusals?: readonly WipRefusal[] | undefined } = {},
): Promise<ReconcileResult> {
  await repos.alerts.lockReconcile();
  const open = await repos.alerts.openAlerts();
  const openByKey = new Map(open.map((a) => [a.key, a]));
  const refusals = new Set((input.refusals ?? []).map((r) => alertKey.wip(r.podId, r.itemType)));
  // A cell whose alert is open has not been below its limit since the alert opened (it would have
  // resolved), so a refusal or an excess recorded on that alert still counts: it keeps the alert open
  // at the limit until usage drops. A line does not carry over: an alert opened only because items
  // waited resolves once the line is empty. Alerts written before `refused` was recorded were opened
  // by a refusal or an excess, so a missing flag counts as refused.
  const carried = (podId: string, itemType: string) => {
    const key = alertKey.wip(podId, itemType);
    const details = openByKey.get(key)?.details;
    return {
      refused: refusals.has(key) || (details !== undefined && details.refused !== false),
      exceeded: details?.exceeded === true,
    };
  };
  const conditions = evaluateAlerts(deps.policy.alerts, await gatherFacts(deps, repos, now, carried), now);

  const opened: Alert[] = [];
  const envelope = (alert: Alert) => ({
    podId: alert.podId,
    subjectType: 'alert',
    subjectId: alert.id,
    actorId: null,
    occurredAt: now,
  });
  const alertData = (alert: Alert) => ({
    key: alert.key,
    kind: alert.kind,
    severity: alert.severity,
    message: alert.message,
    details: alert.details,
    subjectType: alert.subjectType,
    subjectId: alert.subjectId,
    openedAt: alert.openedAt.toISOString(),
  });
  const current = new Set<string>();
  for (const c of conditions) {
    current.add(c.key);
    const existing = openByKey.get(c.key);
    if (existing) {
      await repos.alerts.refresh(existing.id, {
        lastSeenAt: now,
        message: c.message,
        details: c.details,
        severity: c.severity,
      });
      // A snooze that has run out ends here, once: the alert is announced again as if it had just
      // opened, so whoever is notified of new alerts hears that it is still there.
      if (existing.snooze && existing.snooze.until.getTime() <= now.getTime()) {
        const woken = await repos.alerts.setSnooze(existing.id, null);
        if (woken)
          await repos.events.emit({
            type: 'alert.opened',
            ...envelope(woken),
            data: alertData({ ...woken, message: c.message, details: c.details, severity: c.severity }),
          });
      }
      continue;
    }
    const alert = await repos.alerts.insertOpen(newAlert(deps, c, now));
    if (alert) {
      opened.push(alert);
      await repos.events.emit({ type: 'alert.opened', ...envelope(alert), data: alertData(alert) });
    }
  }
  const resolved: string[] = [];
  for (const alert of open) {
    if (current.has(alert.key)) continue;
    if (await repos.alerts.resolve(alert.id, now)) {
      resolved.push(alert.id);
      await repos.events.emit({
        type: 'alert.resolved',
        ...envelope(alert),
        data: { ...alertData(alert), resolvedAt: now.toISOString() },
      });
    }
  }
  return { opened, resolved, open: open.length - resolved.length + opened.length };
}

const newAlert = (deps: Deps, c: AlertCondition, now: Date): Alert => ({
  id: deps.ids.uuid(),
  key: c.key,
  kind: c.kind,
  podId: c.podId,
  subjectType: c.subjectType,
  subjectId: c.subjectId,
  severity: c.severity,
  message: c.message,
  details: c.details,
  status: 'open',
  openedAt: now,
  lastSeenAt: now,
  resolvedAt: null,
  acknowledged: null,
  snooze: null,
});

/** The longest snooze: an alert nobody looks at for a quarter should be resolved or its rule changed. */
export const MAX_SNOOZE_DAYS = 90;

/**
 * Acknowledging and snoozing an alert is the work of whoever manages its pod (`pods:manage` within
 * the actor's pods); an alert of no pod is company-wide, and only an admin may act on it.
 */
async function actionableAlert(repos: Repositories, ctx: Ctx, id: string): Promise<Alert> {
  assertCan(ctx.actor, 'pods:manage');
  const alert = await repos.alerts.byId(id);
  if (!alert) throw new NotFoundError('alert', id);
  if (alert.podId) {
    const pod = await repos.pods.byId(alert.podId);
    assertPodScope(ctx.actor, alert.podId, pod?.slug ?? alert.podId);
  } else if (ctx.actor.role !== 'admin')
    throw new ForbiddenError('only an admin may act on a company-wide alert', { alert: id });
  if (alert.status !== 'open')
    throw new ConflictError(`alert ${JSON.stringify(id)} is resolved`, { alert: id, status: alert.status });
  return alert;
}

/** Alerts (seed §5.1): WIP limit exceeded, gate stuck, pod health low, deployment failure rate. */
export function createAlertService(deps: Deps) {
  const { uow } = deps;
  return {
    /** Open alerts first (newest first), then resolved ones (most recently resolved first). */
    async list(
      ctx: Ctx,
      filter: {
        status?: AlertStatus | undefined;
        pod?: string | undefined;
        kind?: AlertKind | undefined;
        /** true: only alerts snoozed now; false: none snoozed now (what needs attention). */
        snoozed?: boolean | undefined;
      },
      page: PageRequest,
    ) {
      assertCan(ctx.actor, 'read');
      const podId = filter.pod ? (await podBySlug(uow.read, filter.pod)).id : undefined;
      const snoozed =
        filter.snoozed === undefined
          ? undefined
          : { at: deps.clock.now(), mode: filter.snoozed ? ('only' as const) : ('exclude' as const) };
      return uow.read.alerts.list({ status: filter.status, podId, kind: filter.kind, snoozed }, page);
    },

    /**
     * Records that the actor has taken an open alert on (who and when, audited). Idempotent: a second
     * acknowledgement keeps the first. Refused on a resolved alert (conflict).
     */
    async acknowledge(ctx: Ctx, id: string): Promise<Alert> {
      return uow.run(async (repos) => {
        const alert = await actionableAlert(repos, ctx, id);
        if (alert.acknowledged) return alert;
        const now = deps.clock.now();
        const acknowledged = { at: now, by: ctx.actor.userId, byLabel: ctx.actor.label };
        const updated = await repos.alerts.acknowledge(id, acknowledged);
        if (!updated) throw new ConflictError(`alert ${JSON.stringify(id)} is resolved`, { alert: id });
        await record(repos, ctx, now, {
          podId: alert.podId,
          action: 'alert.acknowledged',
          subjectType: 'alert',
          subjectId: id,
          after: { key: alert.key, kind: alert.kind, acknowledgedAt: now.toISOString() },
        });
        return updated;
      });
    },

    /**
     * Hides an open alert from open lists until `until` (audited, with who); the next reconciliation
     * after `until` announces it again if it is still open, and resolving it ends the snooze. A new
     * snooze replaces the current one. `until` must lie in the future, at most `MAX_SNOOZE_DAYS` ahead.
     */
    async snooze(ctx: Ctx, id: string, until: Date): Promise<Alert> {
      const now = deps.clock.now();
      const ahead = until.getTime() - now.getTime();
      if (ahead <= 0) throw new InvalidInputError([{ path: 'until', message: 'must be in the future' }]);
      if (ahead > MAX_SNOOZE_DAYS * DAY)
        throw new InvalidInputError([
          { path: 'until', message: `must be at most ${MAX_SNOOZE_DAYS} days ahead` },
        ]);
      return uow.run(async (repos) => {
        const alert = await actionableAlert(repos, ctx, id);
        const snooze = { until, at: now, by: ctx.actor.userId, byLabel: ctx.actor.label };
        const updated = await repos.alerts.setSnooze(id, snooze);
        if (!updated) throw new ConflictError(`alert ${JSON.stringify(id)} is resolved`, { alert: id });
        await record(repos, ctx, now, {
          podId: alert.podId,
          action: 'alert.snoozed',
          subjectType: 'alert',
          subjectId: id,
          before: alert.snooze ? { until: alert.snooze.until.toISOString() } : null,
          after: { key: alert.key, kind: alert.kind, until: until.toISOString() },
        });
        return updated;
      });
    },

    /** One reconciliation in one transaction (the `clos.alerts` job). */
    async reconcile(now: Date, input: { refusals?: readonly WipRefusal[] | undefined } = {}) {
      return uow.run((repos) => reconcileAlertsInTx(deps, repos, now, input));
    },
  };
}

export type AlertService = ReturnType<typeof createAlertService>;
