/**
 * What CLOS keeps of a GitHub delivery: the few fields its job needs, taken from the payload at
 * receipt, so the queued job is small and the job never re-reads a payload it did not verify.
 */

/** The events the App subscribes to (docs/github-app.md); others are acknowledged and dropped. */
export const USED_EVENTS = [
  'pull_request',
  'check_run',
  'check_suite',
  'deployment_status',
  'workflow_run',
  'installation',
  'installation_repositories',
] as const;
export type UsedEvent = (typeof USED_EVENTS)[number];

export interface PullRequestRef {
  number: number;
  title: string;
  author: string;
  url: string;
  draft: boolean;
  headSha: string;
  merged: boolean;
}

export type GitHubWork =
  | {
      kind: 'pull_request';
      action: string;
      repository: string;
      installationId: number | null;
      pullRequest: PullRequestRef;
    }
  | { kind: 'rerequested'; repository: string; installationId: number | null; headSha: string }
  | { kind: 'other'; event: UsedEvent; action: string | null; repository: string | null };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const isUsedEvent = (event: string): event is UsedEvent =>
  (USED_EVENTS as readonly string[]).includes(event);

/** The pull_request actions that change a slot or a check. */
const PULL_REQUEST_ACTIONS = new Set([
  'opened',
  'reopened',
  'ready_for_review',
  'converted_to_draft',
  'synchronize',
  'closed',
  'edited',
]);

/**
 * The work a delivery asks for, or null when it asks for none (an action CLOS does not act on).
 * Throws on a payload missing what its event must carry: a 400, since it was signed but malformed.
 */
export function workOf(event: UsedEvent, payload: unknown): GitHubWork | null {
  const p = obj(payload);
  const repository = str(obj(p.repository).full_name);
  const installation = obj(p.installation).id;
  const installationId = typeof installation === 'number' ? installation : null;
  const action = str(p.action);
  if (event === 'pull_request') {
    if (!action || !PULL_REQUEST_ACTIONS.has(action)) return null;
    const pr = obj(p.pull_request);
    const head = obj(pr.head);
    const number = pr.number;
    if (!repository || typeof number !== 'number' || !str(head.sha))
      throw new Error(
        'a pull_request delivery must carry repository.full_name, pull_request.number and head.sha',
      );
    return {
      kind: 'pull_request',
      action,
      repository,
      installationId,
      pullRequest: {
        number,
        title: (str(pr.title) ?? '').slice(0, 200),
        author: str(obj(pr.user).login) ?? 'unknown',
        url: str(pr.html_url) ?? `https://github.com/${repository}/pull/${number}`,
        draft: pr.draft === true,
        headSha: str(head.sha)!,
        merged: pr.merged === true,
      },
    };
  }
  if ((event === 'check_run' || event === 'check_suite') && action === 'rerequested') {
    const headSha = str(obj(event === 'check_run' ? p.check_run : p.check_suite).head_sha);
    if (!repository || !headSha)
      throw new Error(`a ${event} delivery must carry repository.full_name and head_sha`);
    return { kind: 'rerequested', repository, installationId, headSha };
  }
  if (event === 'check_run' || event === 'check_suite') return null;
  return { kind: 'other', event, action, repository };
}
