/**
 * Seeds the demo organisation behind `npm run demo` (the people, pods, projects and ideas in `data/`):
 * four pods with six weeks of history. Everything goes through the use cases, as real callers would,
 * so every row is audited and the audit chain verifies; the only trick is the clock, which walks from
 * six weeks ago up to (just before) now.
 */
import {
  type Actor,
  type Ctx,
  GateValidators,
  type HealthMetrics,
  ideaScore,
  type Policy,
  type Role,
  type User,
} from '@clos/core';
import { composeServices, type Database } from '@clos/db';
import { type EvaluationSeed, IDEAS } from './data/ideas.ts';
import { ADMIN, USERS, type UserSeed } from './data/people.ts';
import { FULL_POD, HEALTH, PODS, TIGHT_REVIEW } from './data/pods.ts';
import { DOCS, PROJECTS } from './data/projects.ts';
import { PULL_REQUESTS } from './data/pull-requests.ts';
import { type EvidenceContext, isRecord, kebab, sampleFromSchema } from './sample-from-schema.ts';

// The sampler's tests reach it through the seed, whose evidence it makes.
export { type EvidenceContext, sampleFromSchema } from './sample-from-schema.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The history spans this many days and ends half a day before now. */
const HISTORY_DAYS = 42;

const PROJECT_TYPE = 'project';
const PR_TYPE = 'pull-request';

/** Integer scores 0–5 on every configured criterion around `base`, varied by evaluator. */
function scoresFor(policy: Policy, base: number, seed: number): Record<string, number> {
  const wobble = [0, 1, -1, 0];
  return Object.fromEntries(
    policy.ideas.criteria.map((c, i) => [
      c.key,
      Math.min(5, Math.max(0, Math.round(base + wobble[(i + seed) % wobble.length]!))),
    ]),
  );
}

interface Step {
  day: number;
  order: number;
  label: string;
  run: () => Promise<void>;
}

/**
 * Loads the demo organisation unless the database already has a pod (a restarted demo keeps its
 * data). Returns what it created, or null when it left the database alone.
 */
export async function seedDemo(database: Database, policy: Policy): Promise<Record<string, number> | null> {
  const realNow = Date.now();
  const start = Math.floor((realNow - HISTORY_DAYS * DAY) / HOUR) * HOUR;
  let current = start;
  // Each reading moves a second on, so that events of one step keep a strict order (approvals are
  // judged latest-first by time) while steps stay at the hour the agenda gives them.
  const clock = {
    now: () => {
      current += 1000;
      return new Date(current);
    },
  };
  const services = composeServices({ database, policy, clock });
  const demoCtx: Ctx = {
    actor: { userId: null, tokenId: null, role: 'admin', podIds: [], label: 'demo' },
    requestId: null,
  };
  if ((await services.pods.list(demoCtx, { limit: 1 })).items.length > 0) return null;
  // Checked before writing anything, so a clash (say, CLOS_ADMIN_EMAIL set to a demo address) leaves
  // no half-seeded organisation behind.
  const demoEmails = new Set(USERS.map((u) => u.email));
  let cursor: string | undefined;
  do {
    const page = await services.auth.listUsers(demoCtx, { limit: 200, cursor });
    const clash = page.items.find((u) => demoEmails.has(u.email));
    if (clash) throw new Error(`demo seed: user ${clash.email} already exists; the demo needs that address`);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  const validators = new GateValidators(policy.stages);
  const users = new Map<string, User>();
  const podIds = new Map<string, string>();
  const projectIds = new Map<string, string>();
  const ideaIds = new Map<string, string>();
  const lockIds = new Map<string, string>();
  const counts = {
    pods: 0,
    users: 0,
    members: 0,
    projects: 0,
    transitions: 0,
    approvals: 0,
    ideas: 0,
    evaluations: 0,
    locks: 0,
    healthSnapshots: 0,
  };

  const seedOf = (email: string) => USERS.find((u) => u.email === email)!;
  const ctxOf = (email: string): Ctx => {
    const user = users.get(email);
    if (!user) throw new Error(`demo user ${email} was not created`);
    const seed = seedOf(email);
    // Pod-leads act through tokens scoped to the pod they lead, as they would in production.
    const scoped = user.role === 'pod-lead' && seed.pod ? [podIds.get(seed.pod)!] : [];
    const actor: Actor = {
      userId: user.id,
      tokenId: null,
      role: user.role,
      podIds: scoped,
      label: user.email,
    };
    return { actor, requestId: null };
  };
  const expectOk = <T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };

  const podOf = (seed: UserSeed, day: number) =>
    seed.rotates && day >= seed.rotates.day ? seed.rotates.to : seed.pod;
  const leadOf = (pod: string) => USERS.find((u) => u.pod === pod && u.podRole === 'lead')!;
  const workersOf = (pod: string, day: number) => {
    const devs = USERS.filter((u) => u.role === 'developer' && podOf(u, day) === pod);
    return devs.length > 0 ? devs : [leadOf(pod)];
  };
  const canDecide = (role: Role) => role === 'pod-lead' || role === 'admin';
  /** Who may approve a pod's gate: its lead first, then the admins (lead tokens are pod-scoped). */
  const approversFor = (pod: string, roles: Role[]) =>
    [leadOf(pod), ...USERS.filter((u) => u.role === 'admin')].filter(
      (u) => canDecide(u.role) && roles.includes(u.role),
    );

  const agenda: Step[] = [];
  const at = (day: number, label: string, run: () => Promise<void>) => {
    agenda.push({ day, order: agenda.length, label, run });
  };

  // Day 0: people, pods and membership.
  for (const u of USERS)
    at(0, `create user ${u.email}`, async () => {
      users.set(
        u.email,
        await services.auth.createUser(demoCtx, { email: u.email, name: u.name, role: u.role }),
      );
      counts.users += 1;
    });
  for (const p of PODS)
    at(0.02, `register pod ${p.slug}`, async () => {
      podIds.set(p.slug, (await services.pods.register(ctxOf(ADMIN), p)).id);
      counts.pods += 1;
    });
  for (const u of USERS)
    if (u.pod) {
      const pod = u.pod;
      at(0.04, `add ${u.email} to ${pod}`, async () => {
        await services.pods.addMember(ctxOf(ADMIN), pod, { email: u.email, podRole: u.podRole ?? 'member' });
        counts.members += 1;
      });
    }
  for (const u of USERS)
    if (u.rotates && u.pod) {
      const { pod } = u;
      const { to, day } = u.rotates;
      at(day, `rotate ${u.email} to ${to}`, async () => {
        await services.pods.rotate(ctxOf(ADMIN), pod, { email: u.email, toPod: to });
      });
    }

  // WIP limits: room for each pod's projects (plus one spare), except the pod meant to end up full;
  // pull requests get room only if the default is too low, except in the pod with a tight review queue.
  const typeDefault = (type: string) => policy.wip.types.find((t) => t.name === type)?.defaultLimit;
  const planLimits = (type: string, day: number, wanted: (pod: string, byDefault: number) => number) => {
    const byDefault = typeDefault(type);
    if (byDefault === undefined) return;
    for (const p of PODS) {
      const limit = wanted(p.slug, byDefault);
      if (limit !== byDefault)
        at(day, `set ${p.slug} ${type} limit`, async () => {
          await services.wip.setLimit(ctxOf(leadOf(p.slug).email), p.slug, type, limit);
        });
    }
  };
  const plannedIn = (items: { pod: string }[], pod: string) => items.filter((x) => x.pod === pod).length;
  planLimits(PROJECT_TYPE, 0.3, (pod, byDefault) =>
    pod === FULL_POD ? plannedIn(PROJECTS, pod) : Math.max(byDefault, plannedIn(PROJECTS, pod) + 1),
  );
  planLimits(PR_TYPE, 0.31, (pod, byDefault) =>
    pod === TIGHT_REVIEW.pod
      ? Math.max(TIGHT_REVIEW.pullRequestLimit, plannedIn(PULL_REQUESTS, pod))
      : Math.max(byDefault, plannedIn(PULL_REQUESTS, pod)),
  );
  const prDefault = typeDefault(PR_TYPE);

  // Ideas: submissions, evaluations, archiving. Promotions are scheduled with their projects.
  const evaluators = USERS.filter((u) => u.role !== 'viewer');
  const plannedEvaluations = new Map<string, EvaluationSeed[]>();
  const promotable = new Set<string>();
  for (const idea of IDEAS) {
    let evaluations = idea.evaluations;
    const project = PROJECTS.find((p) => p.fromIdea === idea.title);
    if (project) {
      // Top up to the configured minimum, and score high enough to clear the configured threshold.
      const extra = evaluators
        .filter((u) => u.email !== idea.by && !evaluations.some((e) => e.by === u.email))
        .slice(0, Math.max(0, policy.ideas.minEvaluations - evaluations.length))
        .map((u, i) => ({ by: u.email, day: project.created - 1 + i * 0.02, base: 4 }));
      evaluations = [...evaluations, ...extra];
      const predicted = ideaScore(
        policy.ideas,
        evaluations.map((e, i) => scoresFor(policy, e.base, i)),
      );
      if (predicted === null || predicted < policy.ideas.promotionThreshold)
        evaluations = evaluations.map((e) => ({ ...e, base: 5 }));
      if (evaluations.length >= policy.ideas.minEvaluations) promotable.add(idea.title);
    }
    plannedEvaluations.set(idea.title, evaluations);
  }
  for (const idea of IDEAS) {
    at(idea.day, `submit idea "${idea.title}"`, async () => {
      const created = await services.ideas.submit(ctxOf(idea.by), {
        title: idea.title,
        description: idea.description,
        ...(idea.pod ? { pod: idea.pod } : {}),
      });
      if (!created.ok) throw new Error(created.error.message);
      ideaIds.set(idea.title, created.value.id);
      counts.ideas += 1;
    });
    plannedEvaluations.get(idea.title)!.forEach((e, i) => {
      at(e.day, `evaluate idea "${idea.title}" as ${e.by}`, async () => {
        await services.ideas.evaluate(ctxOf(e.by), ideaIds.get(idea.title)!, {
          scores: scoresFor(policy, e.base, i),
          comment: e.comment ?? null,
        });
        counts.evaluations += 1;
      });
    });
    if (idea.archive) {
      const { by, day, reason } = idea.archive;
      at(day, `archive idea "${idea.title}"`, async () => {
        await services.ideas.archive(ctxOf(by), ideaIds.get(idea.title)!, reason);
      });
    }
  }

  // Projects: created, then advanced as far as their rank and the configured gates allow.
  const lastStage = policy.stages.length - 1;
  PROJECTS.forEach((p, rank) => {
    const lead = leadOf(p.pod).email;
    const slug = kebab(p.name);
    if (p.fromIdea && promotable.has(p.fromIdea)) {
      const title = p.fromIdea;
      at(p.created, `promote idea "${title}" into ${p.pod}`, async () => {
        const promoted = expectOk(
          await services.ideas.promote(ctxOf(lead), ideaIds.get(title)!, {
            pod: p.pod,
            name: p.name,
            key: p.key,
          }),
        );
        projectIds.set(p.name, promoted.project.id);
        counts.projects += 1;
      });
    } else {
      at(p.created, `create project "${p.name}"`, async () => {
        const created = expectOk(
          await services.stages.create(ctxOf(lead), { name: p.name, pod: p.pod, key: p.key }),
        );
        projectIds.set(p.name, created.id);
        counts.projects += 1;
      });
    }
    /** Reported by the first of the pod's workers as of `workerDay` (members rotate between pods). */
    const block = (day: number, reason: string, workerDay = day) =>
      at(day, `block "${p.name}"`, async () => {
        await services.stages.block(
          ctxOf(workersOf(p.pod, workerDay)[0]!.email),
          projectIds.get(p.name)!,
          reason,
        );
      });
    if (p.pause) {
      const { from, to, reason, resolution } = p.pause;
      block(from, reason);
      at(to, `unblock "${p.name}"`, async () => {
        await services.stages.unblock(ctxOf(lead), projectIds.get(p.name)!, resolution);
      });
    }

    const target = Math.min(lastStage, Math.floor((rank * policy.stages.length) / PROJECTS.length));
    const [first, last] = p.moves;
    const span = target > 1 ? (last - first) / (target - 1) : 1;
    // Sub-steps of one advance must finish before the next advance begins, however many stages.
    const unit = Math.min(1, span / 2) / 10;
    let reached = 0;
    for (let stage = 1; stage <= target; stage += 1) {
      const next = policy.stages[stage]!;
      const gate = next.gate;
      if (!gate) break;
      const day = target > 1 ? first + (stage - 1) * span : last;
      const approvers = approversFor(p.pod, gate.approvals.roles).slice(0, gate.approvals.count);
      if (approvers.length < gate.approvals.count) break;
      // A rejection needs someone to reject; with no approvals configured the gate just opens.
      const reject = p.rejectOnce?.transition === stage && approvers.length > 0 ? p.rejectOnce : undefined;
      const evidenceFor = (d: number, metrics: string[]) => {
        const ctx: EvidenceContext = {
          subject: p.name,
          email: lead,
          urlBase: `${DOCS}/${p.pod}/${slug}`,
          at: new Date(start + d * DAY),
        };
        const hints: Record<string, unknown> = {
          problemStatement: p.problem,
          owner: lead,
          successMetrics: metrics,
          ciPassing: true,
          rollbackPlan: p.rollback,
        };
        for (const candidate of [
          sampleFromSchema(gate.evidence, ctx, hints),
          sampleFromSchema(gate.evidence, ctx),
        ])
          if (isRecord(candidate) && validators.validate(next.name, candidate).length === 0) return candidate;
        return null;
      };
      const evidence = evidenceFor(day, p.metrics);
      const revised = reject ? evidenceFor(day + 4 * unit, reject.revisedMetrics) : null;
      if (!evidence || (reject && !revised)) break;
      reached = stage;

      const worker = workersOf(p.pod, day)[(rank + stage) % workersOf(p.pod, day).length]!.email;
      const project = () => projectIds.get(p.name)!;
      at(day, `submit evidence for "${p.name}" into ${next.name}`, async () => {
        await services.stages.submitEvidence(ctxOf(worker), project(), evidence);
      });
      let t = day + unit;
      if (reject && revised) {
        at(t, `reject "${p.name}" at ${next.name}`, async () => {
          await services.stages.decide(ctxOf(approvers[0]!.email), project(), {
            decision: 'reject',
            comment: reject.comment,
          });
          counts.approvals += 1;
        });
        at(day + 4 * unit, `resubmit evidence for "${p.name}"`, async () => {
          await services.stages.submitEvidence(ctxOf(worker), project(), revised);
        });
        t = day + 5 * unit;
      }
      for (const approver of approvers) {
        at(t, `approve "${p.name}" into ${next.name} as ${approver.email}`, async () => {
          await services.stages.decide(ctxOf(approver.email), project(), {
            decision: 'approve',
            comment: null,
          });
          counts.approvals += 1;
        });
        t += unit;
      }
      at(t, `advance "${p.name}" into ${next.name}`, async () => {
        expectOk(await services.stages.advance(ctxOf(worker), project()));
        counts.transitions += 1;
      });
    }
    if (p.blocked) {
      const { day, reason } = p.blocked;
      // Only once it stands where it stays: a blocked project cannot pass a gate.
      block(Math.max(day, reached > 0 ? last + 0.5 : day), reason, day);
    }
  });

  if (prDefault !== undefined)
    for (const pr of PULL_REQUESTS) {
      at(pr.day, `acquire ${pr.item}`, async () => {
        const acquired = expectOk(await services.wip.acquire(ctxOf(pr.by), pr.pod, PR_TYPE, pr.item));
        lockIds.set(pr.item, acquired.lock.id);
      });
      if (pr.releasedOn !== undefined)
        at(pr.releasedOn, `release ${pr.item}`, async () => {
          await services.wip.release(ctxOf(pr.by), lockIds.get(pr.item)!);
        });
    }

  // A snapshot a week per pod, each recorded by the pod's lead; the last one half a day before now.
  if (Object.values(policy.health.weights).some((w) => w > 0))
    PODS.forEach((p, i) => {
      const series = HEALTH[p.slug]!;
      for (let week = 0; week < 6; week += 1) {
        const metrics: HealthMetrics = {
          velocity: series.velocity[week]!,
          wipUtilisation: series.wipUtilisation[week]!,
          blockedItems: series.blockedItems[week]!,
          cycleTimeDays: series.cycleTimeDays[week]!,
          deploymentSuccess: series.deploymentSuccess[week]!,
        };
        at(6.5 + week * 7 + i * 0.01, `record ${p.slug} health, week ${week + 1}`, async () => {
          await services.pods.updateHealth(ctxOf(leadOf(p.slug).email), p.slug, metrics);
          counts.healthSnapshots += 1;
        });
      }
    });

  agenda.sort((a, b) => a.day - b.day || a.order - b.order);
  for (const step of agenda) {
    current = Math.max(current, start + step.day * DAY);
    try {
      await step.run();
    } catch (e) {
      throw new Error(`demo seed: ${step.label} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  if (current > realNow) throw new Error('demo seed: the history ran past the current time');

  for (const p of PODS)
    for (const t of (await services.wip.getStatus(demoCtx, p.slug)).types) counts.locks += t.used;
  return counts;
}
