import type { LinearIssueSnapshot, LinearStateType } from '@clos/core';
import { LINEAR_STATE_TYPES } from '@clos/core';
import {
  LinearClient,
  LinearError,
  LinearErrorType,
  ProjectUpdateHealthType,
  RatelimitedLinearError,
} from '@linear/sdk';
import type { LinearSettings } from './settings.ts';

/** A Linear project as CLOS links it. */
export interface LinearProjectRef {
  id: string;
  name: string;
  url: string | null;
}

/** A team, with its workflow states by id (an issue names its state by id). */
export interface LinearTeamRef {
  id: string;
  key: string;
  name: string;
}

/** An issue of a linked project as read from Linear, with the project it is in. */
export type LinearIssueRead = LinearIssueSnapshot & { projectId: string | null };

/**
 * What CLOS asks of Linear, over `@linear/sdk`. Creates take a deterministic id and are idempotent:
 * when Linear refuses one (the id exists: an earlier attempt got through), the entity is read back.
 * Reused by the importer (`clos import linear`), which reads teams, projects and issues the same way.
 */
export interface LinearApi {
  readonly client: LinearClient;
  teamByKey(key: string): Promise<LinearTeamRef | null>;
  project(id: string): Promise<LinearProjectRef | null>;
  /** Every project of a team (every page), with its state (`planned`, `started`, …): for the importer. */
  teamProjects(teamId: string): Promise<(LinearProjectRef & { state: string })[]>;
  ensureProject(input: {
    id: string;
    name: string;
    description: string;
    teamId: string;
  }): Promise<LinearProjectRef>;
  /** The label of that name (a team label, or a workspace one), created in the team when missing. */
  ensureLabel(teamId: string, name: string): Promise<string>;
  ensureIssue(input: {
    id: string;
    teamId: string;
    projectId: string;
    title: string;
    description?: string | undefined;
    labelIds: string[];
    estimate?: number | undefined;
  }): Promise<LinearIssueRead>;
  /** Every issue of a project (every page), with its state. */
  projectIssues(projectId: string): Promise<LinearIssueRead[]>;
  /** Adds a link to the project's resources (CLOS's page for it), once per id. */
  linkProject(input: { id: string; projectId: string; url: string; label: string }): Promise<void>;
  /** Posts a project update (the project's feed) once per id. */
  postProjectUpdate(input: {
    id: string;
    projectId: string;
    body: string;
    health: 'onTrack' | 'atRisk' | 'offTrack';
  }): Promise<void>;
}

const PAGE = 100;

const stateTypeOf = (type: string): LinearStateType =>
  (LINEAR_STATE_TYPES as readonly string[]).includes(type) ? (type as LinearStateType) : 'unstarted';

/**
 * Linear refused the request itself (invalid input, not found, a user error), as opposed to not
 * answering it (network, internal), not letting CLOS in (authentication, forbidden) or asking it to
 * wait (rate limit). A refused create with a client id may mean the entity exists: it is read back.
 */
const REFUSALS: readonly string[] = [
  LinearErrorType.InvalidInput,
  LinearErrorType.UserError,
  LinearErrorType.GraphqlError,
  LinearErrorType.Other,
];
const isInputError = (error: unknown) =>
  error instanceof LinearError && REFUSALS.includes(String(error.type));

export function createLinearApi(settings: Pick<LinearSettings, 'apiKey' | 'apiUrl'>): LinearApi {
  // An OAuth token goes as a bearer token; an API key as it is (what the SDK does with each).
  const client = settings.apiKey.startsWith('lin_oauth_')
    ? new LinearClient({ accessToken: settings.apiKey, apiUrl: settings.apiUrl })
    : new LinearClient({ apiKey: settings.apiKey, apiUrl: settings.apiUrl });
  /** Workflow states by id, per team: states change rarely, and an issue only names its state's id. */
  const states = new Map<string, Map<string, { name: string; type: LinearStateType }>>();

  async function statesOf(teamId: string, refresh = false) {
    let known = states.get(teamId);
    if (known && !refresh) return known;
    known = new Map();
    let page = await client.workflowStates({ filter: { team: { id: { eq: teamId } } }, first: PAGE });
    for (;;) {
      for (const s of page.nodes) known.set(s.id, { name: s.name, type: stateTypeOf(s.type) });
      if (!page.pageInfo.hasNextPage) break;
      page = await page.fetchNext();
    }
    states.set(teamId, known);
    return known;
  }

  async function read(issue: {
    id: string;
    identifier: string;
    title: string;
    url: string;
    stateId?: string | undefined;
    teamId?: string | undefined;
    projectId?: string | undefined;
  }): Promise<LinearIssueRead> {
    let state = issue.teamId && issue.stateId ? (await statesOf(issue.teamId)).get(issue.stateId) : undefined;
    // A state added since the team's states were read: read them again once.
    if (!state && issue.teamId && issue.stateId)
      state = (await statesOf(issue.teamId, true)).get(issue.stateId);
    return {
      linearId: issue.id,
      identifier: issue.identifier,
      title: issue.title,
      url: issue.url ?? null,
      stateType: state?.type ?? 'unstarted',
      stateName: state?.name ?? 'Unknown',
      projectId: issue.projectId ?? null,
    };
  }

  async function project(id: string): Promise<LinearProjectRef | null> {
    try {
      const p = await client.project(id);
      return { id: p.id, name: p.name, url: p.url ?? null };
    } catch (error) {
      if (isInputError(error)) return null;
      throw error;
    }
  }

  async function findLabel(teamId: string, name: string): Promise<string | null> {
    const found = await client.issueLabels({
      filter: {
        name: { eqIgnoreCase: name },
        or: [{ team: { id: { eq: teamId } } }, { team: { null: true } }],
      },
      first: PAGE,
    });
    return found.nodes[0]?.id ?? null;
  }

  return {
    client,
    async teamByKey(key) {
      const teams = await client.teams({ filter: { key: { eq: key } }, first: 1 });
      const team = teams.nodes[0];
      return team ? { id: team.id, key: team.key, name: team.name } : null;
    },
    project,
    async teamProjects(teamId) {
      const team = await client.team(teamId);
      const out: (LinearProjectRef & { state: string })[] = [];
      let page = await team.projects({ first: PAGE });
      for (;;) {
        for (const p of page.nodes) out.push({ id: p.id, name: p.name, url: p.url ?? null, state: p.state });
        if (!page.pageInfo.hasNextPage) break;
        page = await page.fetchNext();
      }
      return out;
    },
    async ensureProject(input) {
      try {
        const created = await client.createProject({
          id: input.id,
          name: input.name,
          description: input.description,
          teamIds: [input.teamId],
        });
        const id = created.projectId ?? input.id;
        const found = await project(id);
        if (found) return found;
        throw new Error(`Linear created project ${id} but does not find it`);
      } catch (error) {
        if (!isInputError(error)) throw error;
        // Created by an earlier attempt whose answer CLOS never stored: read it back.
        const existing = await project(input.id);
        if (existing) return existing;
        throw error;
      }
    },
    async ensureLabel(teamId, name) {
      const existing = await findLabel(teamId, name);
      if (existing) return existing;
      try {
        const created = await client.createIssueLabel({ name, teamId });
        const label = await created.issueLabel;
        if (label) return label.id;
      } catch (error) {
        if (!isInputError(error)) throw error;
      }
      // Someone (another worker) created it meanwhile.
      const raced = await findLabel(teamId, name);
      if (raced) return raced;
      throw new Error(`Linear label "${name}" could not be created in team ${teamId}`);
    },
    async ensureIssue(input) {
      const readBack = async () => {
        try {
          const issue = await client.issue(input.id);
          return read(issue);
        } catch (error) {
          if (isInputError(error)) return null;
          throw error;
        }
      };
      try {
        await client.createIssue({
          id: input.id,
          teamId: input.teamId,
          projectId: input.projectId,
          title: input.title,
          ...(input.description ? { description: input.description } : {}),
          labelIds: input.labelIds,
          ...(input.estimate !== undefined ? { estimate: input.estimate } : {}),
        });
      } catch (error) {
        if (!isInputError(error)) throw error;
        const existing = await readBack();
        if (existing) return existing;
        throw error;
      }
      const created = await readBack();
      if (!created) throw new Error(`Linear created issue ${input.id} but does not find it`);
      return created;
    },
    async projectIssues(projectId) {
      const out: LinearIssueRead[] = [];
      let page = await client.issues({ filter: { project: { id: { eq: projectId } } }, first: PAGE });
      for (;;) {
        for (const issue of page.nodes) out.push(await read(issue));
        if (!page.pageInfo.hasNextPage) break;
        page = await page.fetchNext();
      }
      return out;
    },
    async linkProject(input) {
      try {
        await client.createEntityExternalLink({
          id: input.id,
          projectId: input.projectId,
          url: input.url,
          label: input.label,
        });
      } catch (error) {
        if (!isInputError(error)) throw error;
        // Added by an earlier attempt: the id is taken. Anything else Linear refused is worth knowing.
        if (!/already|exist|duplicate|taken/i.test((error as Error).message)) throw error;
      }
    },
    async postProjectUpdate(input) {
      const health = {
        onTrack: ProjectUpdateHealthType.OnTrack,
        atRisk: ProjectUpdateHealthType.AtRisk,
        offTrack: ProjectUpdateHealthType.OffTrack,
      }[input.health];
      try {
        await client.createProjectUpdate({
          id: input.id,
          projectId: input.projectId,
          body: input.body,
          health,
        });
      } catch (error) {
        if (!isInputError(error)) throw error;
        // Posted by an earlier attempt: a project update with this id exists.
        const existing = await client.projectUpdate(input.id).catch(() => null);
        if (!existing) throw error;
      }
    },
  };
}

/**
 * When to try again after Linear's rate limit: the reset its headers give (requests or complexity,
 * epoch milliseconds), else `Retry-After`; null when it said neither.
 */
export function rateLimitResetAt(error: unknown, nowMs: number): Date | null {
  if (!(error instanceof RatelimitedLinearError)) return null;
  const resets = [error.requestsResetAt, error.complexityResetAt]
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    // Seconds since the epoch would be a date in 1970 read as milliseconds.
    .map((v) => (v < 1e12 ? v * 1000 : v))
    .filter((v) => v > nowMs);
  if (resets.length) return new Date(Math.max(...resets));
  if (typeof error.retryAfter === 'number' && error.retryAfter > 0)
    return new Date(nowMs + error.retryAfter * 1000);
  return null;
}

export { RatelimitedLinearError };
