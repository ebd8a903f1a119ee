/**
 * The overview's answer to "what needs me today?" (issue 14 §1): a list of things to act on, ranked
 * by urgency, each with the page where it is resolved, and a few headline figures against last week.
 * The ranking and wording are pure functions of plain facts; the service gathers the facts.
 */
import { type Actor, assertCan, can } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { ApprovalRecord, EvidenceRecord, Project } from '../entities.ts';
import type { Policy } from '../policy.ts';
import type { CriticalAlert, ReadyIdea, Throughput } from '../ports/attention.ts';
import type { DashboardPod } from '../ports/dashboard.ts';
import { criterionGroup, evaluateGate, nextStageOf } from '../stages/gate.ts';
import type { GateValidators } from '../stages/gate-validators.ts';
import { buildWipHeatmap, ratio, type WipHeatmap } from './metrics.ts';

const DAY_MS = 86_400_000;
/** At most this many critical alerts are listed; the alerts page has the rest. */
export const ATTENTION_ALERTS = 20;

/** Kinds in the order they rank: a tier outranks every item of a later one. */
export const ATTENTION_KINDS = [
  'alert_critical',
  'wip_full',
  'approval_waiting',
  'gate_stuck',
  'health_low',
  'idea_ready',
] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

export interface AttentionItem {
  kind: AttentionKind;
  /** 1 for the most urgent. */
  rank: number;
  /** What needs attention, in words ("Checkout is stuck in build"). */
  title: string;
  /** Why, with the figures behind it ("3 days in build, 2 criteria unmet"). */
  why: string;
  /** The dashboard path where it is resolved. */
  link: string;
  subject: { type: 'pod' | 'project' | 'idea' | 'alert'; id: string };
}

/** One figure now and a week earlier; `delta` is now − then, null when either is unknown. */
export interface WeekChange {
  thisWeek: number | null;
  lastWeek: number | null;
  delta: number | null;
}

export interface AttentionFigures {
  /** "This week" is the 7 days up to now; "last week" the 7 days before (a whole week each). */
  windowDays: number;
  /** Median days of stays in each stage that ended in the window, per stage in policy order. */
  cycleTimeDays: ({ stage: string } & WeekChange)[];
  throughput: { advanced: WeekChange; shipped: WeekChange };
  /**
   * WIP per item type over every pod: slots used of the limits in force, now and 7 days ago (against
   * today's limits). Never blended across types: an idea slot is not a pull-request slot.
   */
  wip: { itemType: string; used: number; limit: number; utilisation: WeekChange }[];
}

export interface AttentionOverview {
  items: AttentionItem[];
  figures: AttentionFigures;
  /** What is missing before the overview can say anything: the empty state teaches the first step. */
  empty: { pods: boolean; projects: boolean };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const round1 = (x: number) => Math.round(x * 10) / 10;
const days = (ms: number) => Math.floor(ms / DAY_MS);

/** `a − b` rounded to 4 decimals, null when either is unknown. */
export function change(thisWeek: number | null, lastWeek: number | null): WeekChange {
  const delta =
    thisWeek === null || lastWeek === null ? null : Math.round((thisWeek - lastWeek) * 10_000) / 10_000;
  return { thisWeek, lastWeek, delta };
}

/** Whether `actor` may approve a gate of `podId` that lists `roles`: permission, role and pod scope. */
export function mayApprove(actor: Actor, roles: readonly string[], podId: string): boolean {
  if (!actor.userId || !can(actor, 'gates:approve') || !roles.includes(actor.role)) return false;
  return actor.role === 'admin' || actor.podIds.length === 0 || actor.podIds.includes(podId);
}

export interface AttentionFacts {
  now: Date;
  pods: DashboardPod[];
  wip: WipHeatmap;
  /** Items waiting per pod and item type, keyed `${podId}\u0000${itemType}`. */
  queued: Map<string, number>;
  projects: Project[];
  evidence: EvidenceRecord[];
  approvals: ApprovalRecord[];
  health: Record<string, number>;
  ideas: ReadyIdea[];
  alerts: CriticalAlert[];
}

type Unranked = Omit<AttentionItem, 'rank'> & { weight: number };

/**
 * The attention list for `actor`, ranked: by kind (critical alerts, full WIP cells, approvals the
 * actor may give, stuck projects, low health, ideas ready), then within a kind by how bad it is (over a
 * limit before at it, longer queues, longer waits, further past the expected stay, lower health,
 * higher score).
 */
export function rankAttention(
  policy: Policy,
  validators: GateValidators,
  actor: Actor,
  facts: AttentionFacts,
): AttentionItem[] {
  const out: Unranked[] = [];
  const podById = new Map(facts.pods.map((p) => [p.id, p]));

  for (const a of facts.alerts)
    out.push({
      kind: 'alert_critical',
      title: 'Critical alert',
      why: a.message,
      link: '/alerts',
      subject: { type: 'alert', id: a.id },
      weight: a.openedAt.getTime(),
    });

  for (const pod of facts.wip.pods)
    for (const cell of pod.cells) {
      if (cell.used === 0 || cell.used < cell.limit) continue;
      const queued = facts.queued.get(`${pod.id}\u0000${cell.itemType}`) ?? 0;
      const over = cell.used > cell.limit;
      const line = queued ? `, ${queued} waiting in line` : ', nobody waiting';
      out.push({
        kind: 'wip_full',
        title: `${pod.name} is ${over ? 'over' : 'at'} its ${cell.itemType} WIP limit`,
        why: `${cell.used} of ${cell.limit} ${cell.itemType} slots used${line}`,
        link: `/wip?pod=${encodeURIComponent(pod.slug)}&type=${encodeURIComponent(cell.itemType)}`,
        subject: { type: 'pod', id: pod.id },
        weight: (over ? 1_000_000 : 0) + queued * 1000 + cell.used,
      });
    }

  const evidenceOf = new Map(facts.evidence.map((e) => [`${e.projectId}\u0000${e.stage}`, e.data]));
  const approvalsOf = new Map<string, ApprovalRecord[]>();
  for (const a of facts.approvals) {
    const key = `${a.projectId}\u0000${a.stage}`;
    approvalsOf.set(key, [...(approvalsOf.get(key) ?? []), a]);
  }
  for (const project of facts.projects) {
    const next = nextStageOf(policy.stages, project.currentStage);
    if (!next?.gate) continue;
    const key = `${project.id}\u0000${next.name}`;
    const approvals = approvalsOf.get(key) ?? [];
    const gate = evaluateGate({
      project,
      stages: policy.stages,
      validators,
      evidence: evidenceOf.get(key) ?? null,
      approvals,
    });
    const inStageMs = facts.now.getTime() - project.stageEnteredAt.getTime();
    const inStage = `${plural(days(inStageMs), 'day')} in ${project.currentStage}`;
    const unmet = gate.criteria.filter((c) => !c.met);
    const link = `/projects/${project.id}`;
    const podName = podById.get(project.podId)?.name;
    const where = podName ? ` (${podName})` : '';

    const approvalsUnmet = gate.criteria.some((c) => c.kind === 'approvals' && !c.met);
    const onlyDecisions =
      gate.nextStage !== null && unmet.every((c) => criterionGroup(c.kind) === 'decision');
    const mine = approvals.filter((a) => a.userId === actor.userId).at(-1);
    if (
      approvalsUnmet &&
      onlyDecisions &&
      mine?.decision !== 'approve' &&
      mayApprove(actor, next.gate.approvals.roles, project.podId)
    ) {
      const approvalsCriterion = gate.criteria.find((c) => c.kind === 'approvals');
      const received = approvalsCriterion?.kind === 'approvals' ? approvalsCriterion.received : 0;
      out.push({
        kind: 'approval_waiting',
        title: `${project.name}${where} waits for your approval to enter ${next.name}`,
        why: `${received} of ${next.gate.approvals.count} approvals, ${inStage}`,
        link,
        subject: { type: 'project', id: project.id },
        weight: inStageMs,
      });
      continue;
    }

    if (gate.ready) continue;
    const expected = policy.stages.find((s) => s.name === project.currentStage)?.expectedDays;
    const limitMs = expected ? expected * DAY_MS : policy.alerts.gateStuckHours * 3_600_000;
    if (inStageMs <= limitMs) continue;
    const blocked = project.blockedReason !== null;
    const reasons = blocked
      ? [`blocked: ${project.blockedReason}`, inStage]
      : [inStage, `${plural(unmet.length, 'criterion', 'criteria')} unmet`];
    if (expected) reasons.push(`expected ${plural(expected, 'day')}`);
    out.push({
      kind: 'gate_stuck',
      title: `${project.name}${where} is stuck in ${project.currentStage}`,
      why: reasons.join(', '),
      link,
      subject: { type: 'project', id: project.id },
      weight: inStageMs / limitMs,
    });
  }

  for (const pod of facts.pods) {
    const score = facts.health[pod.id];
    if (score === undefined || score >= policy.alerts.podHealthBelow) continue;
    out.push({
      kind: 'health_low',
      title: `${pod.name}'s health is low`,
      why: `health ${Math.round(score)} of 100, below ${policy.alerts.podHealthBelow}`,
      link: `/pods/${encodeURIComponent(pod.slug)}`,
      subject: { type: 'pod', id: pod.id },
      weight: -score,
    });
  }

  for (const idea of facts.ideas)
    out.push({
      kind: 'idea_ready',
      title: `Idea "${idea.title}" is ready to promote`,
      why: `scored ${round1(idea.score)} of 5 (threshold ${policy.ideas.promotionThreshold}) from ${plural(idea.evaluations, 'evaluation')}`,
      link: `/ideas/${idea.id}`,
      subject: { type: 'idea', id: idea.id },
      weight: idea.score,
    });

  const tier = (k: AttentionKind) => ATTENTION_KINDS.indexOf(k);
  return out
    .sort((a, b) => tier(a.kind) - tier(b.kind) || b.weight - a.weight)
    .map(({ weight: _weight, ...item }, i) => ({ ...item, rank: i + 1 }));
}

export interface FigureFacts {
  stages: readonly string[];
  stayHours: { thisWeek: Record<string, number>; lastWeek: Record<string, number> };
  throughput: { thisWeek: Throughput; lastWeek: Throughput };
  wip: WipHeatmap;
  /** Locks held per item type 7 days ago. */
  wipUsedLastWeek: Record<string, number>;
}

/** The headline figures, each with its change against the week before. */
export function buildFigures(facts: FigureFacts): AttentionFigures {
  const toDays = (h: number | undefined) => (h === undefined ? null : Math.round((h / 24) * 100) / 100);
  return {
    windowDays: 7,
    cycleTimeDays: facts.stages.map((stage) => ({
      stage,
      ...change(toDays(facts.stayHours.thisWeek[stage]), toDays(facts.stayHours.lastWeek[stage])),
    })),
    throughput: {
      advanced: change(facts.throughput.thisWeek.advanced, facts.throughput.lastWeek.advanced),
      shipped: change(facts.throughput.thisWeek.shipped, facts.throughput.lastWeek.shipped),
    },
    wip: facts.wip.types.map((itemType) => {
      let used = 0;
      let limit = 0;
      for (const pod of facts.wip.pods)
        for (const cell of pod.cells)
          if (cell.itemType === itemType) {
            used += cell.used;
            limit += cell.limit;
          }
      return {
        itemType,
        used,
        limit,
        utilisation: change(ratio(used, limit), ratio(facts.wipUsedLastWeek[itemType] ?? 0, limit)),
      };
    }),
  };
}

/**
 * The overview's attention list and headline figures, read in one snapshot. The gates of open
 * projects are judged here from three reads (projects, latest evidence, decisions), as the stage
 * service would judge them one by one.
 */
export function createAttentionService(deps: Deps) {
  const { uow, clock, policy, validators } = deps;
  const stages = policy.stages.map((s) => s.name);
  return {
    async overview(ctx: Ctx): Promise<AttentionOverview> {
      assertCan(ctx.actor, 'read');
      const now = clock.now();
      const week = 7 * DAY_MS;
      const weekAgo = new Date(now.getTime() - week);
      const twoWeeksAgo = new Date(now.getTime() - 2 * week);
      return uow.run(
        async (repos) => {
          const d = repos.dashboard;
          const a = repos.attention;
          const pods = await d.pods();
          const wip = buildWipHeatmap(policy, pods, await d.openWipUsage(), await d.storedWipLimits());
          const queued = new Map(
            (await a.queuedCounts()).map((q) => [`${q.podId}\u0000${q.itemType}`, q.queued] as const),
          );
          const gates = await a.openProjectGates();
          const items = rankAttention(policy, validators, ctx.actor, {
            now,
            pods,
            wip,
            queued,
            ...gates,
            health: await d.latestHealthScores(),
            ideas: await a.readyIdeas(policy.ideas.minEvaluations, policy.ideas.promotionThreshold),
            alerts: await a.openCriticalAlerts(ATTENTION_ALERTS),
          });
          const figures = buildFigures({
            stages,
            stayHours: {
              thisWeek: await a.medianStayHoursEnded(stages, weekAgo, now),
              lastWeek: await a.medianStayHoursEnded(stages, twoWeeksAgo, weekAgo),
            },
            throughput: {
              thisWeek: await a.throughput(weekAgo, now),
              lastWeek: await a.throughput(twoWeeksAgo, weekAgo),
            },
            wip,
            wipUsedLastWeek: await a.wipUsedAt(weekAgo),
          });
          const totals = await d.projectTotals();
          return { items, figures, empty: { pods: pods.length === 0, projects: totals.created === 0 } };
        },
        { snapshot: true },
      );
    },
  };
}

export type AttentionService = ReturnType<typeof createAttentionService>;
