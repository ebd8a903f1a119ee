import {
  type CiState,
  type Ctx,
  type GithubPolicy,
  type GithubRepositoryPolicy,
  NotFoundError,
  SYSTEM_ACTOR,
} from '@clos/core';
import type { RuntimeEnv, RuntimeModule } from '@clos/workflows';
import type { IntegrationLogger } from '../integration.ts';
import {
  type CheckOutput,
  type EvidenceFileOutcome,
  type GateState,
  gateCheck,
  wipCheck,
  withEvidence,
} from './checks.ts';
import type { GitHubApp } from './client.ts';
import type { GitHubWork, PullRequestRef } from './deliveries.ts';
import {
  checkEvidenceFile,
  type EvidenceFileCheck,
  evidenceAnnotations,
  matchEvidenceFile,
} from './evidence-files.ts';
import { leaveSlot, slotStateOf, takeSlot } from './slots.ts';
import { GITHUB_QUEUE } from './webhook-route.ts';

/** Changes made for GitHub are audited as this actor (`via: github` in the label). */
const GITHUB_CTX: Ctx = { actor: { ...SYSTEM_ACTOR, label: 'github' }, requestId: null };

/**
 * The outcome of a commit's check runs: failed if any failed, running while any runs, passed when all
 * completed otherwise; null without any.
 */
export function ciOf(runs: readonly { status: string | null; conclusion: string | null }[]): CiState | null {
  if (runs.length === 0) return null;
  if (
    runs.some((r) =>
      ['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure'].includes(
        r.conclusion ?? '',
      ),
    )
  )
    return 'failed';
  if (runs.some((r) => r.status !== 'completed')) return 'running';
  return 'passed';
}

/** `github:owner/name#123`: the WIP item a pull request holds or waits with. */
export const pullRequestItem = (repository: string, number: number) =>
  `github:${repository.toLowerCase()}#${number}`;

export function parsePullRequestItem(itemId: string): { repository: string; number: number } | null {
  const m = /^github:([^#\s]+\/[^#\s]+)#(\d+)$/.exec(itemId);
  return m ? { repository: m[1]!, number: Number(m[2]) } : null;
}

export function mappingFor(policy: GithubPolicy, repository: string): GithubRepositoryPolicy | null {
  const name = repository.toLowerCase();
  return policy.repositories.find((r) => r.repository.toLowerCase() === name) ?? null;
}

/**
 * The App's job: does what a delivery asked (take or free a pull request's slot, post its checks) and
 * re-posts the check of a pull request the queue admitted. Every GitHub call goes through the SDK;
 * a failure fails the job, which pg-boss retries and the run's record shows.
 */
export function githubModule(app: GitHubApp, logger: IntegrationLogger) {
  return (env: RuntimeEnv): RuntimeModule => {
    const policy = env.policy.github;
    const installations = new Map<string, number>();

    async function octokitFor(repository: string, installationId: number | null) {
      const key = repository.toLowerCase();
      let id = installationId ?? installations.get(key);
      if (id === undefined) {
        const [owner, repo] = repository.split('/') as [string, string];
        const { data } = await app.octokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
        id = data.id;
      }
      installations.set(key, id);
      return app.getInstallationOctokit(id);
    }

    /** The open pull requests of a repository, every page. */
    async function openPulls(repository: string, installationId: number | null) {
      const [owner, repo] = repository.split('/') as [string, string];
      const octokit = await octokitFor(repository, installationId);
      return octokit.paginate('GET /repos/{owner}/{repo}/pulls', {
        owner,
        repo,
        state: 'open',
        per_page: 100,
      });
    }

    async function postCheck(
      repository: string,
      installationId: number | null,
      headSha: string,
      name: string,
      output: CheckOutput,
      annotations: ReturnType<typeof evidenceAnnotations> = [],
    ) {
      const [owner, repo] = repository.split('/') as [string, string];
      const octokit = await octokitFor(repository, installationId);
      await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        owner,
        repo,
        name,
        head_sha: headSha,
        status: 'completed',
        conclusion: output.conclusion,
        output: {
          title: output.title,
          summary: output.summary,
          ...(annotations.length ? { annotations } : {}),
        },
      });
    }

    /**
     * The pull request's evidence files (added or changed, under `github.evidencePath`), each read at
     * `sha` through the contents API and judged against its stage's gate schema.
     */
    async function evidenceFiles(
      repository: string,
      installationId: number | null,
      number: number,
      sha: string,
    ): Promise<EvidenceFileCheck[]> {
      const [owner, repo] = repository.split('/') as [string, string];
      const octokit = await octokitFor(repository, installationId);
      const files = await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        owner,
        repo,
        pull_number: number,
        per_page: 100,
      });
      const checks: EvidenceFileCheck[] = [];
      for (const file of files) {
        if (file.status === 'removed') continue;
        const match = matchEvidenceFile(file.filename, policy.evidencePath, env.policy.stages);
        if (!match) continue;
        if (match.kind === 'unknown_stage') {
          const gated = env.policy.stages.filter((st) => st.gate).map((st) => st.name);
          checks.push({
            path: match.path,
            stage: match.stage,
            data: null,
            problems: [
              {
                line: 1,
                message: `no stage "${match.stage}" has a gate; evidence files are named after one of: ${gated.join(', ')}`,
              },
            ],
          });
          continue;
        }
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
          owner,
          repo,
          path: match.path,
          ref: sha,
          mediaType: { format: 'raw' },
        });
        checks.push(checkEvidenceFile(match, String(data), env.deps.validators));
      }
      return checks;
    }

    async function postWipCheck(
      repository: string,
      installationId: number | null,
      pr: Pick<PullRequestRef, 'number' | 'headSha'>,
      mapping: GithubRepositoryPolicy,
    ) {
      const state = await slotStateOf(
        env,
        GITHUB_CTX,
        mapping.pod,
        policy.pullRequests.itemType,
        pullRequestItem(repository, pr.number),
      );
      await postCheck(repository, installationId, pr.headSha, 'clos/wip', wipCheck(state));
    }

    /** Where the mapped project stands: the `clos/gate` check's input. */
    async function gateStateOf(mapping: GithubRepositoryPolicy): Promise<GateState | null> {
      if (!mapping.project) return null;
      const key = mapping.project;
      let project: Awaited<ReturnType<typeof env.services.stages.get>>;
      try {
        project = await env.services.stages.get(GITHUB_CTX, key);
      } catch (error) {
        if (error instanceof NotFoundError) return { state: 'no_project', project: key };
        throw error;
      }
      if (project.closedAt) return { state: 'closed', project: key, outcome: project.outcome ?? 'closed' };
      if (project.blockedReason)
        return { state: 'blocked', project: key, stage: project.currentStage, reason: project.blockedReason };
      const stages = env.policy.stages.map((s) => s.name);
      const at = stages.indexOf(project.currentStage);
      const required = mapping.requireStage ? stages.indexOf(mapping.requireStage) : -1;
      if (mapping.requireStage && at < required) {
        const gate = await env.services.stages.evaluate(GITHUB_CTX, project.id);
        return {
          state: 'behind',
          project: key,
          stage: project.currentStage,
          requireStage: mapping.requireStage,
          stagesToGo: stages.slice(at + 1, required + 1),
          unmet: gate.criteria.filter((c) => !c.met).map((c) => c.message),
        };
      }
      return {
        state: 'open',
        project: key,
        stage: project.currentStage,
        requireStage: mapping.requireStage ?? null,
      };
    }

    async function postGateCheck(
      repository: string,
      installationId: number | null,
      pr: Pick<PullRequestRef, 'number' | 'headSha'>,
      mapping: GithubRepositoryPolicy,
    ) {
      const state = await gateStateOf(mapping);
      if (!state) return;
      const files = await evidenceFiles(repository, installationId, pr.number, pr.headSha);
      const stages = env.policy.stages.map((st) => st.name);
      const at = 'stage' in state ? stages.indexOf(state.stage) : -1;
      const outcomes: EvidenceFileOutcome[] = files.map((f) => ({
        path: f.path,
        stage: f.stage,
        problems: f.problems.length,
        passed: at !== -1 && stages.indexOf(f.stage) <= at,
      }));
      await postCheck(
        repository,
        installationId,
        pr.headSha,
        'clos/gate',
        withEvidence(gateCheck(state), outcomes),
        evidenceAnnotations(files),
      );
    }

    /**
     * A merged pull request of a repository that names a project: its valid evidence files become the
     * project's evidence (the pull request as their source), and the merge is recorded with its checks.
     */
    async function onMerged(
      work: Extract<GitHubWork, { kind: 'pull_request' }>,
      mapping: GithubRepositoryPolicy & { project: string },
    ) {
      const pr = work.pullRequest;
      let project: Awaited<ReturnType<typeof env.services.stages.get>>;
      try {
        project = await env.services.stages.get(GITHUB_CTX, mapping.project);
      } catch (error) {
        if (error instanceof NotFoundError) return;
        throw error;
      }
      if (project.closedAt) return;
      const stages = env.policy.stages.map((st) => st.name);
      for (const file of await evidenceFiles(work.repository, work.installationId, pr.number, pr.headSha)) {
        if (!file.data || stages.indexOf(file.stage) <= stages.indexOf(project.currentStage)) {
          if (!file.data)
            logger.warn(
              { repository: work.repository, number: pr.number, path: file.path, problems: file.problems },
              'a merged evidence file does not match its gate schema; it was not submitted',
            );
          continue;
        }
        await env.services.stages.submitEvidence(GITHUB_CTX, project.id, file.data, {
          stage: file.stage,
          source: pr.url,
        });
      }
      const [owner, repo] = work.repository.split('/') as [string, string];
      const octokit = await octokitFor(work.repository, work.installationId);
      const runs = await octokit.paginate('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        owner,
        repo,
        ref: pr.headSha,
        per_page: 100,
      });
      await env.services.stages.recordMerge(GITHUB_CTX, project.id, {
        repository: work.repository,
        number: pr.number,
        title: pr.title,
        url: pr.url,
        author: pr.author,
        headSha: pr.headSha,
        ci: ciOf(runs.filter((r) => !r.name.startsWith('clos/'))),
      });
    }

    /** A GitHub deployment's status or a deployment workflow's run, as a CLOS deployment of the pod. */
    async function onDeployment(work: Extract<GitHubWork, { kind: 'deployment' }>) {
      const mapping = mappingFor(policy, work.repository);
      if (!mapping) return;
      let projectId: string | null = null;
      if (mapping.project)
        try {
          projectId = (await env.services.stages.get(GITHUB_CTX, mapping.project)).id;
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      try {
        await env.services.deployments.recordExternal(GITHUB_CTX, {
          pod: mapping.pod,
          projectId,
          externalId: work.externalId,
          version: work.version,
          step: work.production ? 'prod' : 'stage',
          status: work.status,
          at: new Date(work.at),
          url: work.url,
          error:
            work.status === 'failed'
              ? (work.description ?? `deployment to ${work.environment} failed`)
              : null,
        });
      } catch (error) {
        // A pod mapped in the file but not created: nothing to record it on (the status command says so).
        if (!(error instanceof NotFoundError)) throw error;
      }
    }

    async function onPullRequest(work: Extract<GitHubWork, { kind: 'pull_request' }>) {
      const mapping = mappingFor(policy, work.repository);
      if (!mapping) return;
      const pr = work.pullRequest;
      const itemId = pullRequestItem(work.repository, pr.number);
      const itemType = policy.pullRequests.itemType;
      const countsAsDraft = pr.draft && !policy.pullRequests.countDrafts;
      // A pod the mapping names but CLOS does not know: no limit to apply; the check says so.
      const unlessNoPod = async (change: () => Promise<unknown>) => {
        try {
          await change();
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      };
      switch (work.action) {
        case 'opened':
        case 'reopened':
        case 'ready_for_review':
          if (!countsAsDraft)
            await unlessNoPod(() =>
              takeSlot(env, GITHUB_CTX, mapping.pod, itemType, itemId, {
                label: `${pr.title} (@${pr.author})`.slice(0, 300),
                url: pr.url,
              }),
            );
          break;
        case 'converted_to_draft':
          if (countsAsDraft)
            await unlessNoPod(() => leaveSlot(env, GITHUB_CTX, mapping.pod, itemType, itemId));
          break;
        case 'closed':
          await unlessNoPod(() => leaveSlot(env, GITHUB_CTX, mapping.pod, itemType, itemId));
          if (pr.merged && mapping.project) await onMerged(work, { ...mapping, project: mapping.project });
          return; // a closed pull request's checks no longer matter
        default:
          break; // synchronize, edited: only the checks are posted again (required checks are per commit)
      }
      await postGateCheck(work.repository, work.installationId, pr, mapping);
      if (countsAsDraft) {
        await postCheck(
          work.repository,
          work.installationId,
          pr.headSha,
          'clos/wip',
          wipCheck({ state: 'draft', pod: mapping.pod }),
        );
        return;
      }
      await postWipCheck(work.repository, work.installationId, pr, mapping);
    }

    /** Someone asked GitHub to run the checks of a commit again: post them for its open pull requests. */
    async function onRerequested(work: Extract<GitHubWork, { kind: 'rerequested' }>) {
      const mapping = mappingFor(policy, work.repository);
      if (!mapping) return;
      for (const pr of await openPulls(work.repository, work.installationId))
        if (pr.head.sha === work.headSha) {
          await postWipCheck(
            work.repository,
            work.installationId,
            { number: pr.number, headSha: pr.head.sha },
            mapping,
          );
          await postGateCheck(
            work.repository,
            work.installationId,
            { number: pr.number, headSha: pr.head.sha },
            mapping,
          );
        }
    }

    /** A queued pull request took a freed slot: its check turns green on its current head. */
    async function onAdmitted(itemId: string) {
      const ref = parsePullRequestItem(itemId);
      if (!ref) return;
      const mapping = mappingFor(policy, ref.repository);
      if (!mapping) return;
      const [owner, repo] = ref.repository.split('/') as [string, string];
      const octokit = await octokitFor(ref.repository, null);
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        owner,
        repo,
        pull_number: ref.number,
      });
      if (data.state !== 'open') return;
      await postWipCheck(ref.repository, null, { number: ref.number, headSha: data.head.sha }, mapping);
    }

    /**
     * Repairs what missed deliveries left wrong (GitHub does not redeliver a failed webhook by
     * itself): every open pull request of each mapped repository holds a slot or waits in line, and
     * nothing else of that repository does. Each change posts the pull request's check again.
     */
    async function reconcile(repository: GithubRepositoryPolicy) {
      const open = new Map(
        (await openPulls(repository.repository, null)).map((pr) => [
          pullRequestItem(repository.repository, pr.number),
          {
            number: pr.number,
            headSha: pr.head.sha,
            title: pr.title,
            author: pr.user?.login ?? 'unknown',
            url: pr.html_url,
            draft: pr.draft === true,
          },
        ]),
      );
      const itemType = policy.pullRequests.itemType;
      let status: Awaited<ReturnType<typeof env.services.wip.getStatus>>;
      try {
        status = await env.services.wip.getStatus(GITHUB_CTX, repository.pod);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        // Mapped in the file but not created (yet): its pull requests get a neutral check meanwhile.
        logger.warn(
          { repository: repository.repository, pod: repository.pod },
          `github.repositories maps ${repository.repository} to pod "${repository.pod}", which does not exist: no WIP limit applies to its pull requests`,
        );
        return;
      }
      const type = status.types.find((t) => t.itemType === itemType);
      const prefix = pullRequestItem(repository.repository, 0).replace(/0$/, '');
      const tracked = new Set(
        [...(type?.holders ?? []), ...(type?.queue ?? [])]
          .map((x) => x.itemId)
          .filter((id) => id.startsWith(prefix)),
      );
      const counts = (pr: { draft: boolean }) => !pr.draft || policy.pullRequests.countDrafts;
      for (const itemId of tracked) {
        const pr = open.get(itemId);
        if (!pr || !counts(pr)) await leaveSlot(env, GITHUB_CTX, repository.pod, itemType, itemId);
      }
      // Oldest first, so pull requests that were missed join the line in the order they were opened.
      for (const [itemId, pr] of [...open].sort((a, b) => a[1].number - b[1].number)) {
        if (tracked.has(itemId) || !counts(pr)) continue;
        await takeSlot(env, GITHUB_CTX, repository.pod, itemType, itemId, {
          label: `${pr.title} (@${pr.author})`.slice(0, 300),
          url: pr.url,
        });
        await postWipCheck(repository.repository, null, pr, repository);
      }
    }

    const everyMs = policy.reconcileMinutes * 60_000;
    let lastReconciled: number | null = null;
    const warned = new Set<string>();

    /** Says once per process that a mapped project key does not exist (yet): its clos/gate is neutral. */
    async function warnUnknownProject(mapping: GithubRepositoryPolicy) {
      if (!mapping.project || warned.has(mapping.project)) return;
      const state = await gateStateOf(mapping);
      if (state?.state !== 'no_project') return;
      warned.add(mapping.project);
      logger.warn(
        { repository: mapping.repository, project: mapping.project },
        `github.repositories maps ${mapping.repository} to project "${mapping.project}", which does not exist: its clos/gate check is neutral until a project with that key is created`,
      );
    }

    return {
      name: 'github',
      // Worker processes tick; the first tick after start queues a reconciliation per repository, then
      // every reconcileMinutes. Each is a job, so a failure (GitHub down, a rate limit) is retried and
      // stays on the job's record. Several workers each queue theirs: a reconciliation is idempotent.
      async onTick(now) {
        if (policy.repositories.length === 0) return;
        if (lastReconciled !== null && (everyMs === 0 || now.getTime() - lastReconciled < everyMs)) return;
        lastReconciled = now.getTime();
        for (const repository of policy.repositories)
          await env.queue.enqueue(GITHUB_QUEUE, { reconcile: repository.repository });
      },
      jobs: [
        {
          queue: GITHUB_QUEUE,
          policy: {
            retryLimit: env.policy.workflows.retryLimit,
            retryDelay: env.policy.workflows.retryDelaySeconds,
            retryBackoff: true,
            expireInSeconds: env.policy.workflows.jobTimeoutSeconds,
          },
          async handle(data: { work?: GitHubWork; admitted?: string; reconcile?: string }) {
            if (data.admitted) return onAdmitted(data.admitted);
            if (data.reconcile) {
              const mapping = mappingFor(policy, data.reconcile);
              if (!mapping) return; // unmapped since the job was queued (a restart with a new file)
              await warnUnknownProject(mapping);
              return reconcile(mapping);
            }
            const work = data.work;
            if (!work) return;
            if (work.kind === 'pull_request') return onPullRequest(work);
            if (work.kind === 'rerequested') return onRerequested(work);
            if (work.kind === 'deployment') return onDeployment(work);
            logger.info({ work }, 'GitHub delivery recorded; nothing to do for it yet');
          },
        },
      ],
      subscribers: [
        {
          name: 'github-admissions',
          types: ['wip.acquired'],
          async dispatch(event, { enqueue }) {
            if (event.type !== 'wip.acquired') return;
            const after = event.data.after;
            if (!after?.itemId.startsWith('github:') || !after.fromQueue) return;
            await enqueue(GITHUB_QUEUE, { admitted: after.itemId });
          },
        },
      ],
    };
  };
}
