/**
 * Seeds the demo organisation behind `npm run demo` (the people, pods, projects and ideas in `data/`):
 * four pods with nine weeks of history: projects shipped and cancelled, deployments (one failing the
 * day before), ideas of this week, today's commitments and digests, an open weekly demo, and the two
 * closed ones before it with their feedback and pulse. Everything people do goes through the use cases, as real callers would, so every row is audited and the audit
 * chain verifies; the only trick is the clock, which walks from nine weeks ago up to (just before) now.
 * What a running server records by itself for the scorecard (its minutes, active users, usage counts,
 * the daily rhythm's runs) is written afterwards, as the server would have written it.
 */
import {
  type Actor,
  type Ctx,
  closeDemoInTx,
  demoCutoffAt,
  demoOpenDate,
  GateValidators,
  type HealthMetrics,
  ideaScore,
  openDemoInTx,
  type Pod,
  type Policy,
  podBySlug,
  podLocalDay,
  presentDemoInTx,
  type Repositories,
  type Role,
  sealCommittedAudit,
  storeDigestInTx,
  type User,
  weekStart,
} from '@clos/core';
import { composeCore, type Database } from '@clos/db';
import { COMMITMENTS, DEMO_SUBMISSIONS, DEPLOYMENTS, THIS_WEEK_IDEAS } from './data/activity.ts';
import { CLOSED_PROJECTS } from './data/history.ts';
import { type EvaluationSeed, IDEAS } from './data/ideas.ts';
import { ADMIN, USERS, type UserSeed } from './data/people.ts';
import { FULL_POD, HEALTH, PODS, TIGHT_REVIEW } from './data/pods.ts';
import { DOCS, PROJECTS, type ProjectSeed } from './data/projects.ts';
import { PULL_REQUESTS } from './data/pull-requests.ts';
import { PAST_DEMO_SUBMISSIONS, PULSES } from './data/scorecard.ts';
import { type EvidenceContext, isRecord, kebab, sampleFromSchema } from './sample-from-schema.ts';
import { seedScorecardRecords } from './scorecard-records.ts';

// The sampler's tests reach it through the seed, whose evidence it makes.
export { type EvidenceContext, sampleFromSchema } from './sample-from-schema.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * Day 0 of the data files is this many days before now; the history ends half a day before now.
 * Days before 0 (down to `FIRST_DAY`) are the lead-in the trends need: projects shipped and cancelled
 * before today's ones started.
 */
const HISTORY_DAYS = 42;
const FIRST_DAY = -21;
/** This week's ideas stop this long before now, so the clock (a second a reading) never passes it. */
const LAST_STEP_BEFORE_NOW = 15 * 60_000;

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
  let current = start + FIRST_DAY * DAY;
  // Each reading moves a second on, so that events of one step keep a strict order (approvals are
  // judged latest-first by time) while steps stay at the hour the agenda gives them.
  const clock = {
    now: () => {
      current += 1000;
      return new Date(current);
    },
  };
  const core = composeCore({ database, policy, clock });
  const { services, deps } = core;
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
    closed: 0,
    deployments: 0,
    digests: 0,
    demos: 0,
    pastDemos: 0,
    pulses: 0,
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

  // The first day: people, pods and membership.
  for (const u of USERS)
    at(FIRST_DAY, `create user ${u.email}`, async () => {
      users.set(
        u.email,
        await services.auth.createUser(demoCtx, { email: u.email, name: u.name, role: u.role }),
      );
      counts.users += 1;
    });
  for (const p of PODS)
    at(FIRST_DAY + 0.02, `register pod ${p.slug}`, async () => {
      podIds.set(p.slug, (await services.pods.register(ctxOf(ADMIN), p)).id);
      counts.pods += 1;
    });
  for (const u of USERS)
    if (u.pod) {
      const pod = u.pod;
      at(FIRST_DAY + 0.04, `add ${u.email} to ${pod}`, async () => {
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
  // Room too for the pod's closed projects, which held a slot while they ran (the full pod has none).
  planLimits(PROJECT_TYPE, FIRST_DAY + 0.3, (pod, byDefault) =>
    pod === FULL_POD
      ? plannedIn(PROJECTS, pod)
      : Math.max(byDefault, plannedIn([...PROJECTS, ...CLOSED_PROJECTS], pod) + 1),
  );
  planLimits(PR_TYPE, FIRST_DAY + 0.31, (pod, byDefault) =>
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
    const project = [...PROJECTS, ...CLOSED_PROJECTS].find((p) => p.fromIdea === idea.title);
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
  /** Plans `p` up to stage `target`; answers the stage it can reach (gates may stop it earlier). */
  const planProject = (p: ProjectSeed, rank: number, target: number): number => {
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
    return reached;
  };
  PROJECTS.forEach((p, rank) => {
    planProject(p, rank, Math.min(lastStage, Math.floor((rank * policy.stages.length) / PROJECTS.length)));
  });
  CLOSED_PROJECTS.forEach((p, i) => {
    const { end } = p;
    const target = end.outcome === 'shipped' ? lastStage : Math.min(end.reach, lastStage - 1);
    const reached = planProject(p, PROJECTS.length + i, target);
    // A policy whose gates the seed cannot satisfy leaves it open rather than shipping it from midway.
    if (end.outcome === 'shipped' && reached < lastStage) return;
    at(end.day, `${end.outcome === 'shipped' ? 'ship' : 'cancel'} "${p.name}"`, async () => {
      await services.stages.close(ctxOf(leadOf(p.pod).email), projectIds.get(p.name)!, {
        outcome: end.outcome,
        reason: end.outcome === 'cancelled' ? end.reason : null,
      });
      counts.closed += 1;
    });
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

  // Deployments: routine ones as GitHub reports them (one report, prod succeeded), failing ones step
  // by step from CI, a few minutes apart, so their page shows where they stopped.
  for (const d of DEPLOYMENTS)
    at(d.day, `deploy ${d.version} in ${d.pod}`, async () => {
      const ctx = ctxOf(d.by);
      counts.deployments += 1;
      if (!d.fails) {
        await services.deployments.recordExternal(ctx, {
          pod: d.pod,
          externalId: `github:${d.pod}/deployments/${d.version}`,
          version: d.version,
          step: 'prod',
          status: 'succeeded',
        });
        return;
      }
      const { id } = await services.deployments.start(ctx, { pod: d.pod, version: d.version });
      for (const step of ['build', 'test', 'stage', 'prod'] as const) {
        current += 4 * 60_000;
        const failed = d.fails.step === step;
        await services.deployments.reportStep(ctx, id, {
          step,
          status: failed ? 'failed' : 'succeeded',
          ...(failed ? { error: d.fails.error } : {}),
        });
        if (failed) break;
      }
    });

  // The two weekly demos before this week's, run as the weekly-demo workflow runs them: opened on
  // Monday, demos submitted on Tuesday, the agenda after Friday's cutoff, feedback and the pulse, then
  // closed. They give the scorecard its demo attendance, feedback score and team satisfaction.
  const thisWeek = weekStart(new Date(realNow)).getTime();
  const dayAt = (instant: number) => (instant - start) / DAY;
  const demoIds = new Map<string, string>();
  for (const weeksAgo of [2, 1] as const) {
    const monday = thisWeek - weeksAgo * 7 * DAY;
    const phase = (hours: number, label: string, run: () => Promise<void>) =>
      at(dayAt(monday + hours * HOUR), label, run);
    for (const p of PODS) {
      const key = `${p.slug}:${weeksAgo}`;
      // Who may take part: the pod's members that week who can work on projects (not its viewers).
      const members = USERS.filter((u) => podOf(u, dayAt(monday)) === p.slug && u.role !== 'viewer');
      const inPod = (run: (repos: Repositories, pod: Pod) => Promise<void>) =>
        deps.uow.run(async (repos) => run(repos, await podBySlug(repos, p.slug)));
      phase(12, `open ${p.slug}'s demo of ${weeksAgo} weeks ago`, () =>
        inPod(async (repos, pod) => {
          const opened = await openDemoInTx(deps, repos, pod, podLocalDay(pod, deps.clock.now()));
          demoIds.set(key, opened.demoId);
          counts.pastDemos += 1;
        }),
      );
      const submitted: { id: string; by: string }[] = [];
      for (const d of PAST_DEMO_SUBMISSIONS.filter((x) => x.pod === p.slug && x.weeksAgo === weeksAgo))
        phase(36, `submit "${d.title}" to ${p.slug}'s demo`, async () => {
          const s = await services.demos.submit(ctxOf(d.by), p.slug, { title: d.title });
          submitted.push({ id: s.id, by: d.by });
        });
      phase(4 * 24 + 23, `present ${p.slug}'s demo of ${weeksAgo} weeks ago`, () =>
        inPod(async (repos, pod) => {
          await presentDemoInTx(deps, repos, pod, podLocalDay(pod, deps.clock.now()));
        }),
      );
      phase(4 * 24 + 23.5, `feedback and pulse on ${p.slug}'s demo`, async () => {
        for (const [i, u] of members.entries()) {
          for (const s of submitted)
            if (s.by !== u.email)
              await services.demos.feedback(ctxOf(u.email), s.id, {
                score: (i + weeksAgo) % 3 === 0 ? 5 : 4,
              });
          const answer = PULSES[u.email]?.[weeksAgo === 2 ? 0 : 1];
          if (answer) {
            await services.demos.pulse(ctxOf(u.email), demoIds.get(key)!, { score: answer });
            counts.pulses += 1;
          }
        }
      });
      phase(5 * 24 + 10, `close ${p.slug}'s demo of ${weeksAgo} weeks ago`, () =>
        inPod(async (repos, pod) => {
          await closeDemoInTx(deps, repos, pod, podLocalDay(pod, deps.clock.now()));
        }),
      );
    }
  }

  // The last hours, placed from now backwards: whatever day of the week the demo starts, this week
  // has ideas, and today has commitments, digests and an open weekly demo.
  const endDay = (realNow - LAST_STEP_BEFORE_NOW - start) / DAY;
  const lateDay = (fraction: number) => 41.6 + (endDay - 41.6) * fraction;
  const thisWeekFrom = (weekStart(new Date(realNow)).getTime() - start) / DAY;
  if (endDay > thisWeekFrom)
    for (const idea of THIS_WEEK_IDEAS) {
      const day = thisWeekFrom + (endDay - thisWeekFrom) * idea.at * 0.9;
      at(day, `submit idea "${idea.title}"`, async () => {
        const created = expectOk(
          await services.ideas.submit(ctxOf(idea.by), { title: idea.title, description: idea.description }),
        );
        ideaIds.set(idea.title, created.id);
        counts.ideas += 1;
      });
      idea.evaluatedBy.forEach((by, i) => {
        at(day + (endDay - day) * 0.05, `evaluate idea "${idea.title}" as ${by}`, async () => {
          await services.ideas.evaluate(ctxOf(by), ideaIds.get(idea.title)!, {
            scores: scoresFor(policy, 4, i),
            comment: null,
          });
          counts.evaluations += 1;
        });
      });
    }
  for (const c of COMMITMENTS)
    at(lateDay(0.3), `commitment of ${c.by}`, async () => {
      await services.rhythms.recordCommitment(ctxOf(c.by), c.pod, { text: c.text });
    });
  // This week's demo takes submissions until its cutoff (Friday 13:00 by default): late in the week the
  // opening and the submissions move before it, and the agenda is presented at the cutoff, as the
  // weekly-demo workflow would have done; otherwise a seed run on a Friday evening would submit late.
  const demoPolicy = policy.rhythms.weeklyDemo;
  const cutoffDay = (slug: string) => {
    const timezone = PODS.find((p) => p.slug === slug)!.timezone;
    const opened = demoOpenDate(demoPolicy, podLocalDay({ timezone }, new Date(realNow)));
    return dayAt(demoCutoffAt(demoPolicy, opened, timezone).getTime());
  };
  for (const p of PODS) {
    const cutoff = cutoffDay(p.slug);
    at(Math.min(lateDay(0.5), cutoff - 2 / 24), `open ${p.slug}'s weekly demo`, async () => {
      await deps.uow.run(async (repos) => {
        const pod = await podBySlug(repos, p.slug);
        const opened = await openDemoInTx(deps, repos, pod, podLocalDay(pod, deps.clock.now()));
        if (opened.changed) counts.demos += 1;
      });
    });
    if (cutoff < endDay)
      at(cutoff + 5 / 1440, `present ${p.slug}'s weekly demo at its cutoff`, async () => {
        await deps.uow.run(async (repos) => {
          const pod = await podBySlug(repos, p.slug);
          await presentDemoInTx(deps, repos, pod, podLocalDay(pod, deps.clock.now()));
        });
      });
  }
  for (const d of DEMO_SUBMISSIONS)
    at(
      Math.min(lateDay(0.6), cutoffDay(d.pod) - 1 / 24),
      `submit "${d.title}" to ${d.pod}'s demo`,
      async () => {
        await services.demos.submit(ctxOf(d.by), d.pod, { title: d.title, description: d.description });
      },
    );
  // What the daily rhythm's jobs would have produced: yesterday's recap, and today's unblock and
  // commit digests (the jobs are not running while the seed walks the clock).
  for (const p of PODS)
    at(lateDay(0.8), `produce ${p.slug}'s digests`, async () => {
      await deps.uow.run(async (repos) => {
        const pod = await podBySlug(repos, p.slug);
        const now = deps.clock.now();
        const today = podLocalDay(pod, now);
        const yesterday = podLocalDay(pod, new Date(now.getTime() - DAY));
        for (const [phase, day] of [
          ['recap', yesterday],
          ['unblock', today],
          ['commit', today],
        ] as const)
          if ((await storeDigestInTx(deps, repos, pod, phase, day, null)).created) counts.digests += 1;
      });
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

  Object.assign(
    counts,
    await seedScorecardRecords(database, policy, {
      now: realNow,
      users: [...users.values()].map((u) => ({ id: u.id, role: u.role })),
      pods: PODS.map((p) => ({ id: podIds.get(p.slug)!, slug: p.slug, timezone: p.timezone })),
    }),
  );

  for (const p of PODS)
    for (const t of (await services.wip.getStatus(demoCtx, p.slug)).types) counts.locks += t.used;
  // The seed runs before any relay: its history is chained now, not when the server first starts.
  await sealCommittedAudit(core.deps.uow);
  return counts;
}
