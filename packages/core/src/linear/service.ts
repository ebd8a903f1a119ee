/**
 * The Linear links of projects (docs/linear.md): what the Linear integration records when it creates
 * a project's Linear project and issues, when a webhook or a reconciliation sees an issue change, and
 * what the project's page shows. Each change to an issue is recorded (`linear.issue_updated`) in the
 * transaction that stores it, so the gate's re-evaluation sees the state the event reports.
 */
import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { LinearIssueEventState } from '../events/payloads.ts';
import { record } from '../events/record.ts';
import type { LinearIssueLink, LinearProjectLink, LinearStateType } from '../ports/linear.ts';
import { projectByRef } from '../stages/project-key.ts';

/** An issue as Linear reports it (a webhook's data, or a read through the API). */
export interface LinearIssueSnapshot {
  linearId: string;
  identifier: string;
  title: string;
  url: string | null;
  stateType: LinearStateType;
  stateName: string;
}

/** What the project's page shows: its Linear project and issues, newest stage last. */
export interface LinearLinks {
  project: { url: string | null; name: string };
  issues: {
    identifier: string;
    title: string;
    url: string | null;
    stage: string;
    state: string;
    stateType: LinearStateType;
  }[];
}

export type IssueOutcome = 'created' | 'updated' | 'unchanged';

export function createLinearService(deps: Deps) {
  const { uow, clock } = deps;

  /** Records one issue's change (or first sighting) with its event; nothing when nothing changed. */
  async function apply(
    ctx: Ctx,
    projectId: string,
    snapshot: LinearIssueSnapshot | null,
    options: {
      linearId: string;
      source: LinearIssueEventState['source'];
      /** For an issue not seen before: its stage and template slot (default: current stage, by hand). */
      stage?: string;
      templateIndex?: number | null;
    },
  ): Promise<IssueOutcome> {
    return uow.run(async (repos) => {
      const project = await repos.projects.byId(projectId);
      if (!project) return 'unchanged';
      const now = clock.now();
      const existing = await repos.linear.lockIssue(options.linearId);
      if (!existing) {
        // An issue removed before CLOS ever saw it is nothing to track.
        if (!snapshot) return 'unchanged';
        const issue: LinearIssueLink = {
          ...snapshot,
          projectId,
          stage: options.stage ?? project.currentStage,
          templateIndex: options.templateIndex ?? null,
          removedAt: null,
          createdAt: now,
          updatedAt: now,
        };
        if (!(await repos.linear.insertIssue(issue))) return 'unchanged';
        await recordChange(repos, ctx, now, project.podId, issue, null, options.source);
        return 'created';
      }
      if (existing.projectId !== projectId && snapshot) return 'unchanged';
      // A webhook about an issue CLOS just created can be applied before CLOS stored it (as if added by
      // hand): the template's slot is claimed now, so the template is not created again.
      if (options.templateIndex != null && existing.templateIndex === null && options.stage) {
        const slot = { stage: options.stage, templateIndex: options.templateIndex, updatedAt: now };
        await repos.linear.updateIssue(existing.linearId, slot);
        Object.assign(existing, slot);
      }
      const removed = snapshot === null;
      const changed = removed
        ? existing.removedAt === null
        : existing.removedAt !== null ||
          existing.stateType !== snapshot.stateType ||
          existing.stateName !== snapshot.stateName ||
          existing.title !== snapshot.title ||
          existing.identifier !== snapshot.identifier ||
          existing.url !== snapshot.url;
      if (!changed) return 'unchanged';
      const patch = removed
        ? { removedAt: now, updatedAt: now }
        : {
            title: snapshot.title,
            identifier: snapshot.identifier,
            url: snapshot.url,
            stateType: snapshot.stateType,
            stateName: snapshot.stateName,
            removedAt: null,
            updatedAt: now,
          };
      await repos.linear.updateIssue(existing.linearId, patch);
      await recordChange(repos, ctx, now, project.podId, { ...existing, ...patch }, existing, options.source);
      return 'updated';
    });
  }

  async function recordChange(
    repos: Parameters<Parameters<typeof uow.run>[0]>[0],
    ctx: Ctx,
    now: Date,
    podId: string,
    issue: LinearIssueLink,
    before: LinearIssueLink | null,
    source: LinearIssueEventState['source'],
  ) {
    await repos.linear.touchProjectLink(issue.projectId, now);
    await record(repos, ctx, now, {
      podId,
      action: 'linear.issue_updated',
      subjectType: 'project',
      subjectId: issue.projectId,
      ...(before
        ? {
            before: {
              stateType: before.stateType,
              stateName: before.stateName,
              removed: before.removedAt !== null,
            },
          }
        : {}),
      after: {
        linearId: issue.linearId,
        identifier: issue.identifier,
        title: issue.title,
        url: issue.url,
        stage: issue.stage,
        templateIndex: issue.templateIndex,
        stateType: issue.stateType,
        stateName: issue.stateName,
        removed: issue.removedAt !== null,
        source,
      },
    });
  }

  return {
    /** The project's Linear project and issues (removed ones left out), or null when it has none. */
    async links(ctx: Ctx, ref: string): Promise<LinearLinks | null> {
      assertCan(ctx.actor, 'read');
      const project = await projectByRef(uow.read, ref);
      const link = await uow.read.linear.projectLink(project.id);
      if (!link) return null;
      const issues = await uow.read.linear.issues(project.id);
      return {
        project: { url: link.url, name: link.name },
        issues: issues.map((i) => ({
          identifier: i.identifier,
          title: i.title,
          url: i.url,
          stage: i.stage,
          state: i.stateName,
          stateType: i.stateType,
        })),
      };
    },

    projectLink(projectId: string) {
      return uow.read.linear.projectLink(projectId);
    },

    projectLinkByLinearId(linearId: string) {
      return uow.read.linear.projectLinkByLinearId(linearId);
    },

    projectLinks() {
      return uow.read.linear.projectLinks();
    },

    /** The project's tracked issues, removed ones included (reconciliation compares against them). */
    issues(projectId: string) {
      return uow.read.linear.issues(projectId, { includeRemoved: true });
    },

    /** A tracked issue by Linear's id, whichever project it belongs to. */
    issue(linearId: string) {
      return uow.read.linear.issue(linearId);
    },

    templateIssue(projectId: string, stage: string, templateIndex: number) {
      return uow.read.linear.templateIssue(projectId, stage, templateIndex);
    },

    /** Stores the link to the project's Linear project; the first one stays if two race. */
    async linkProject(
      ctx: Ctx,
      link: Omit<LinearProjectLink, 'createdAt' | 'updatedAt'>,
    ): Promise<LinearProjectLink> {
      assertCan(ctx.actor, 'projects:work');
      return uow.run(async (repos) => {
        const now = clock.now();
        await repos.linear.insertProjectLink({ ...link, createdAt: now, updatedAt: now });
        return (await repos.linear.projectLink(link.projectId))!;
      });
    },

    /** Notes that the project was read from Linear just now (the status report's last sync). */
    async touchProject(projectId: string): Promise<void> {
      await uow.run((repos) => repos.linear.touchProjectLink(projectId, clock.now()));
    },

    /** Records an issue CLOS created from a stage's template (`source: created`). */
    trackCreated(
      ctx: Ctx,
      projectId: string,
      snapshot: LinearIssueSnapshot,
      slot: { stage: string; templateIndex: number },
    ) {
      assertCan(ctx.actor, 'projects:work');
      return apply(ctx, projectId, snapshot, { linearId: snapshot.linearId, source: 'created', ...slot });
    },

    /**
     * Applies what Linear says an issue of the project now is: tracked from the project's current stage
     * when first seen (added by hand), else its state, title and link updated. `null`: removed.
     */
    applyIssue(
      ctx: Ctx,
      projectId: string,
      linearId: string,
      snapshot: LinearIssueSnapshot | null,
      source: 'webhook' | 'reconciliation',
    ) {
      assertCan(ctx.actor, 'projects:work');
      return apply(ctx, projectId, snapshot, { linearId, source });
    },

    summary() {
      return uow.read.linear.summary();
    },
  };
}

export type LinearService = ReturnType<typeof createLinearService>;
