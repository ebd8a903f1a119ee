import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * A fake Linear GraphQL API on 127.0.0.1 for tests. It receives the real POSTs `@linear/sdk` sends
 * (`new LinearClient({ apiKey, apiUrl: fake.url })`), checks the `Authorization` header, parses each
 * document with `graphql`'s `parse` and answers by walking its selection set (fields, aliases, inline
 * and named fragments, variables) over an in-memory workspace: teams with their workflow states,
 * projects, issues, labels, project updates and comments. It records every mutation, lets a test act
 * as a Linear user (move an issue, add one by hand), answers the next requests with Linear's rate-limit
 * error when told to, and builds signed Issue webhooks as Linear sends them.
 *
 * Fields the workspace does not hold are answered as Linear would answer an empty one: null for a
 * scalar, an empty list for the list fields the SDK maps over, and an object of nulls for an object
 * the SDK constructs unconditionally, so the SDK's models build from any document it sends.
 */

export type LinearStateType = 'triage' | 'backlog' | 'unstarted' | 'started' | 'completed' | 'canceled';

export interface FakeLinearState {
  id: string;
  name: string;
  type: LinearStateType;
  position: number;
}

export interface FakeLinearTeam {
  id: string;
  key: string;
  name: string;
  states: FakeLinearState[];
  /** The next issue number in this team (`RAT-1`, `RAT-2`, …). */
  nextNumber: number;
}

export interface FakeLinearProject {
  id: string;
  name: string;
  description: string | null;
  url: string;
  state: string;
  teamIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeLinearIssue {
  id: string;
  number: number;
  identifier: string;
  title: string;
  description: string | null;
  url: string;
  teamId: string;
  projectId: string | null;
  stateId: string;
  labelIds: string[];
  estimate: number | null;
  createdAt: string;
  updatedAt: string;
  /** Deleted (moved to the trash) in Linear. */
  trashed: boolean;
}

export interface FakeLinearLabel {
  id: string;
  name: string;
  teamId: string | null;
  color: string;
}

export interface FakeLinearProjectUpdate {
  id: string;
  projectId: string;
  body: string;
  health: string | null;
  createdAt: string;
}

export interface FakeLinearComment {
  id: string;
  body: string;
  issueId: string | null;
  projectUpdateId: string | null;
  createdAt: string;
}

/** A link in a project's resources, as `entityExternalLinkCreate` makes one. */
export interface FakeLinearExternalLink {
  id: string;
  projectId: string;
  url: string;
  label: string;
  createdAt: string;
}

/** One mutation as the fake received it: its root field and arguments (variables resolved). */
export interface LinearMutation {
  name: string;
  args: Record<string, unknown>;
  /** Whether it changed the workspace (false: answered with an error). */
  ok: boolean;
}

export interface FakeLinearOptions {
  /** The API keys accepted (sent bare, as the SDK sends an API key, or as `Bearer <key>`). */
  apiKeys: readonly string[];
  /** Teams to start with; default one team `RAT` ("Ratio"). */
  teams?: readonly { key: string; name: string }[];
  /** The workspace's URL key, in every `url`: `https://linear.app/<key>/…`. */
  workspace?: string;
}

export interface FakeLinear {
  /** The GraphQL endpoint: pass it as `apiUrl` (CLOS_LINEAR_API_URL). */
  url: string;
  /** The id Linear gives the organisation, in webhook payloads. */
  organizationId: string;
  team(key: string): FakeLinearTeam;
  addTeam(key: string, name: string): FakeLinearTeam;
  projects(): FakeLinearProject[];
  project(id: string): FakeLinearProject | undefined;
  /** Issues, optionally of one project (trashed ones included: check `trashed`). */
  issues(projectId?: string): FakeLinearIssue[];
  issue(idOrIdentifier: string): FakeLinearIssue | undefined;
  labels(): FakeLinearLabel[];
  labelNames(issue: FakeLinearIssue): string[];
  projectUpdates(projectId?: string): FakeLinearProjectUpdate[];
  comments(): FakeLinearComment[];
  /** The state an issue is in. */
  stateOf(issue: FakeLinearIssue): FakeLinearState;
  /** Every mutation received, oldest first. */
  mutations(name?: string): LinearMutation[];
  /** How many GraphQL requests were answered (rate-limited ones included). */
  requestCount(): number;
  /** As a Linear user: moves an issue to the team's first state of that type (or named so). */
  setIssueState(idOrIdentifier: string, state: LinearStateType | { name: string }): FakeLinearIssue;
  /** As a Linear user: creates a project in a team (state `backlog`, `planned`, `started`, `paused`, `completed`, `canceled`). */
  addProject(input: { name: string; teamKey?: string; state?: string }): FakeLinearProject;
  /** Links attached to projects (`entityExternalLinkCreate`): what CLOS links back with. */
  externalLinks(projectId?: string): FakeLinearExternalLink[];
  /** As a Linear user: creates an issue in a project, by hand. */
  addIssue(input: {
    projectId: string;
    title: string;
    teamKey?: string;
    state?: LinearStateType;
  }): FakeLinearIssue;
  /** As a Linear user: moves an issue out of its project (null) or into another. */
  moveIssue(idOrIdentifier: string, projectId: string | null): FakeLinearIssue;
  /** As a Linear user: deletes an issue (to the trash). */
  trashIssue(idOrIdentifier: string): FakeLinearIssue;
  /**
   * Answers the next `count` requests with Linear's rate-limit error (HTTP 400, `RATELIMITED`, the
   * `X-RateLimit-Requests-*` headers), the window resetting `resetInSeconds` after `now` (epoch ms).
   */
  rateLimitNext(count: number, options?: { resetInSeconds?: number; now?: () => number }): void;
  /**
   * An Issue webhook as Linear sends it for `action` on an issue of the workspace, stamped
   * `webhookTimestamp` (epoch ms); `body` is the exact bytes to sign and post.
   */
  issueWebhook(
    action: 'create' | 'update' | 'remove',
    idOrIdentifier: string,
    webhookTimestamp: number,
    options?: { updatedFrom?: Record<string, unknown> },
  ): { payload: LinearWebhookPayload; body: string };
  close(): Promise<void>;
}

/** The body of a Linear data-change webhook (https://linear.app/developers/webhooks). */
export interface LinearWebhookPayload {
  action: 'create' | 'update' | 'remove';
  type: string;
  actor?: { id: string; type: string; name: string };
  createdAt: string;
  data: Record<string, unknown>;
  url: string;
  updatedFrom?: Record<string, unknown>;
  webhookTimestamp: number;
  webhookId: string;
  organizationId: string;
}

/** The `Linear-Signature` header for a body: HMAC-SHA256 of the raw bytes with the webhook's secret, hex. */
export function signLinearWebhook(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The headers Linear sends a webhook with: `Linear-Signature`, `Linear-Delivery` (a UUID per delivery,
 * the same on a redelivery) and `Linear-Event` (the entity type).
 */
export function linearWebhookHeaders(
  body: string,
  secret: string,
  delivery: string = randomUUID(),
  event = 'Issue',
): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'linear-signature': signLinearWebhook(body, secret),
    'linear-delivery': delivery,
    'linear-event': event,
  };
}

/** List fields the SDK's models `map` over (`data.<field>.map`): an absent one is answered `[]`. */
const LIST_FIELDS = new Set([
  'actors',
  'addedLabels',
  'agentSessions',
  'availableOrganizations',
  'channels',
  'conflictingLabels',
  'createdEntities',
  'deletedEntities',
  'descriptionUpdatedBy',
  'dnsRecords',
  'entities',
  'entries',
  'environments',
  'externalLinks',
  'guidance',
  'headers',
  'history',
  'initiativeLabelGroupColumns',
  'initiatives',
  'issueStatusCategories',
  'issues',
  'labels',
  'limits',
  'lockedOrganizations',
  'lockedUsers',
  'milestones',
  'needs',
  'nodes',
  'notifications',
  'options',
  'parentInitiatives',
  'previousComments',
  'projectLabelGroupColumns',
  'projectStatusCategories',
  'projectStatuses',
  'projects',
  'pullRequests',
  'reactions',
  'references',
  'relationChanges',
  'releaseNotes',
  'releases',
  'removedLabels',
  'restoredEntities',
  'results',
  'sharedWithUsers',
  'startedAgentSessions',
  'subInitiatives',
  'subjects',
  'subscriptions',
  'suggestions',
  'syncedWith',
  'teams',
  'triageResponsibilityNotifiedUsers',
  'updatedEntities',
  'updatedNotifications',
  'updatedRelatedNeeds',
  'users',
]);

const DEFAULT_STATES: readonly [string, LinearStateType][] = [
  ['Triage', 'triage'],
  ['Backlog', 'backlog'],
  ['Todo', 'unstarted'],
  ['In Progress', 'started'],
  ['Done', 'completed'],
  ['Canceled', 'canceled'],
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An error Linear answers with, in the SDK's terms (`extensions.type` picks the error class). */
class GraphqlFailure extends Error {
  constructor(
    message: string,
    readonly extensions: Record<string, unknown>,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalidInput = (message: string) =>
  new GraphqlFailure('Argument Validation Error', {
    type: 'invalid input',
    code: 'INVALID_INPUT',
    userError: true,
    userPresentableMessage: message,
  });

const notFound = (what: string) =>
  new GraphqlFailure('Entity not found', {
    type: 'invalid input',
    code: 'INVALID_INPUT',
    userError: true,
    userPresentableMessage: `${what} not found`,
  });

type Obj = Record<string, unknown>;
/** A field of a fake object: its value, or a function of the field's arguments. */
type Resolver = (args: Obj) => unknown;

export async function startFakeLinear(options: FakeLinearOptions): Promise<FakeLinear> {
  const workspace = options.workspace ?? 'clos-test';
  const organizationId = randomUUID();
  const teams: FakeLinearTeam[] = [];
  const projects = new Map<string, FakeLinearProject>();
  const issues = new Map<string, FakeLinearIssue>();
  const labels = new Map<string, FakeLinearLabel>();
  const updates: FakeLinearProjectUpdate[] = [];
  const externalLinks: FakeLinearExternalLink[] = [];
  const comments: FakeLinearComment[] = [];
  const recorded: LinearMutation[] = [];
  let requests = 0;
  let rateLimit = { remaining: 0, resetInSeconds: 60, now: () => Date.now() };
  const stamp = () => new Date().toISOString();
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');

  function addTeam(key: string, name: string): FakeLinearTeam {
    const team: FakeLinearTeam = {
      id: randomUUID(),
      key,
      name,
      states: DEFAULT_STATES.map(([n, type], position) => ({ id: randomUUID(), name: n, type, position })),
      nextNumber: 1,
    };
    teams.push(team);
    return team;
  }
  for (const t of options.teams ?? [{ key: 'RAT', name: 'Ratio' }]) addTeam(t.key, t.name);

  const teamById = (id: string) => teams.find((t) => t.id === id);
  const teamByRef = (ref: string) => teams.find((t) => t.id === ref || t.key === ref);
  const issueByRef = (ref: string) =>
    issues.get(ref) ?? [...issues.values()].find((i) => i.identifier === ref);
  const stateOf = (issue: FakeLinearIssue): FakeLinearState => {
    const state = teamById(issue.teamId)?.states.find((s) => s.id === issue.stateId);
    if (!state) throw new Error(`issue ${issue.identifier} has no state`);
    return state;
  };
  const mustIssue = (ref: string) => {
    const issue = issueByRef(ref);
    if (!issue) throw new Error(`no issue ${ref} in the fake Linear workspace`);
    return issue;
  };

  // ---------------------------------------------------------------- views: what each type answers
  const page = (nodes: unknown[]) => ({
    __typename: 'Connection',
    nodes,
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    },
  });

  function stateView(state: FakeLinearState, team: FakeLinearTeam): Obj {
    return {
      __typename: 'WorkflowState',
      id: state.id,
      name: state.name,
      type: state.type,
      position: state.position,
      color: '#bec2c8',
      description: null,
      createdAt: stamp(),
      updatedAt: stamp(),
      archivedAt: null,
      team: { id: team.id },
      inheritedFrom: null,
    };
  }

  function teamView(team: FakeLinearTeam): Obj {
    return {
      __typename: 'Team',
      id: team.id,
      key: team.key,
      name: team.name,
      createdAt: stamp(),
      updatedAt: stamp(),
      archivedAt: null,
      private: false,
      states: ((args: Obj) =>
        page(
          team.states.filter((s) => matches(stateView(s, team), args.filter)).map((s) => stateView(s, team)),
        )) as Resolver,
      projects: (() =>
        page([...projects.values()].filter((p) => p.teamIds.includes(team.id)).map(projectView))) as Resolver,
      issues: ((args: Obj) =>
        page(
          [...issues.values()]
            .filter((i) => i.teamId === team.id && !i.trashed)
            .map(issueView)
            .filter((v) => matches(v, args.filter)),
        )) as Resolver,
      labels: (() =>
        page(
          [...labels.values()].filter((l) => l.teamId === team.id || l.teamId === null).map(labelView),
        )) as Resolver,
    };
  }

  function projectView(project: FakeLinearProject): Obj {
    return {
      __typename: 'Project',
      id: project.id,
      name: project.name,
      description: project.description ?? '',
      url: project.url,
      slugId: project.id.slice(0, 12),
      state: project.state,
      createdAt: project.createdAt,
      updatedAt: project.updatedAt,
      archivedAt: null,
      teams: (() => page(project.teamIds.map((id) => teamView(teamById(id)!)))) as Resolver,
      issues: ((args: Obj) =>
        page(
          [...issues.values()]
            .filter((i) => i.projectId === project.id && !i.trashed)
            .map(issueView)
            .filter((v) => matches(v, args.filter)),
        )) as Resolver,
      projectUpdates: (() =>
        page(updates.filter((u) => u.projectId === project.id).map(projectUpdateView))) as Resolver,
    };
  }

  function issueView(issue: FakeLinearIssue): Obj {
    const team = teamById(issue.teamId)!;
    const state = stateOf(issue);
    return {
      __typename: 'Issue',
      id: issue.id,
      number: issue.number,
      identifier: issue.identifier,
      title: issue.title,
      description: issue.description,
      url: issue.url,
      estimate: issue.estimate,
      priority: 0,
      priorityLabel: 'No priority',
      labelIds: issue.labelIds,
      previousIdentifiers: [],
      createdAt: issue.createdAt,
      updatedAt: issue.updatedAt,
      archivedAt: null,
      trashed: issue.trashed ? true : null,
      team: teamView(team),
      state: stateView(state, team),
      project:
        issue.projectId && projects.has(issue.projectId) ? projectView(projects.get(issue.projectId)!) : null,
      labels: (() =>
        page(
          issue.labelIds
            .map((id) => labels.get(id))
            .filter((l) => l !== undefined)
            .map(labelView),
        )) as Resolver,
      parent: null,
      cycle: null,
      assignee: null,
      creator: null,
      reactions: [],
      sharedAccess: {
        __typename: 'IssueSharedAccess',
        isShared: false,
        sharedWithCount: 0,
        sharedWithUsers: [],
      },
    };
  }

  function labelView(label: FakeLinearLabel): Obj {
    return {
      __typename: 'IssueLabel',
      id: label.id,
      name: label.name,
      color: label.color,
      description: null,
      isGroup: false,
      createdAt: stamp(),
      updatedAt: stamp(),
      archivedAt: null,
      team: label.teamId ? { id: label.teamId } : null,
      parent: null,
    };
  }

  function projectUpdateView(update: FakeLinearProjectUpdate): Obj {
    return {
      __typename: 'ProjectUpdate',
      id: update.id,
      body: update.body,
      health: update.health,
      url: `${projects.get(update.projectId)?.url ?? ''}/updates#${update.id}`,
      createdAt: update.createdAt,
      updatedAt: update.createdAt,
      project: projects.has(update.projectId) ? projectView(projects.get(update.projectId)!) : null,
      reactions: [],
    };
  }

  function commentView(comment: FakeLinearComment): Obj {
    return {
      __typename: 'Comment',
      id: comment.id,
      body: comment.body,
      url: `https://linear.app/${workspace}/comment/${comment.id}`,
      createdAt: comment.createdAt,
      updatedAt: comment.createdAt,
      issue: comment.issueId ? { id: comment.issueId } : null,
      projectUpdate: comment.projectUpdateId ? { id: comment.projectUpdateId } : null,
      reactions: [],
    };
  }

  // ---------------------------------------------------------------- filters (the part CLOS uses)
  /**
   * Linear's filter objects, as far as the comparators `eq`, `neq`, `in`, `nin`, `eqIgnoreCase` and
   * nested objects (`{ project: { id: { eq } } }`, `{ state: { type: { in } } }`) go.
   */
  function matches(value: unknown, filter: unknown): boolean {
    if (filter === undefined || filter === null) return true;
    if (typeof filter !== 'object') return true;
    for (const [key, condition] of Object.entries(filter as Obj)) {
      if (key === 'and' && Array.isArray(condition)) {
        if (!condition.every((c) => matches(value, c))) return false;
        continue;
      }
      if (key === 'or' && Array.isArray(condition)) {
        if (!condition.some((c) => matches(value, c))) return false;
        continue;
      }
      if (key === 'eq' && value !== condition) return false;
      if (key === 'neq' && value === condition) return false;
      if (key === 'eqIgnoreCase' && String(value).toLowerCase() !== String(condition).toLowerCase())
        return false;
      if (key === 'in' && Array.isArray(condition) && !condition.includes(value)) return false;
      if (key === 'nin' && Array.isArray(condition) && condition.includes(value)) return false;
      if (key === 'null' && (value === null || value === undefined) !== condition) return false;
      if (['eq', 'neq', 'eqIgnoreCase', 'in', 'nin', 'null'].includes(key)) continue;
      const field = value && typeof value === 'object' ? (value as Obj)[key] : undefined;
      const resolved = typeof field === 'function' ? (field as Resolver)({}) : field;
      if (!matches(resolved ?? null, condition)) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- root fields
  const query: Record<string, Resolver> = {
    teams: (args) => page(teams.map(teamView).filter((t) => matches(t, args.filter))),
    team: (args) => {
      const team = teamByRef(String(args.id));
      if (!team) throw notFound('Team');
      return teamView(team);
    },
    project: (args) => {
      const project = projects.get(String(args.id));
      if (!project) throw notFound('Project');
      return projectView(project);
    },
    projects: (args) => page([...projects.values()].map(projectView).filter((p) => matches(p, args.filter))),
    issue: (args) => {
      const issue = issueByRef(String(args.id));
      if (!issue || issue.trashed) throw notFound('Issue');
      return issueView(issue);
    },
    issues: (args) =>
      page(
        [...issues.values()]
          .filter((i) => !i.trashed)
          .map(issueView)
          .filter((i) => matches(i, args.filter)),
      ),
    issueLabels: (args) => page([...labels.values()].map(labelView).filter((l) => matches(l, args.filter))),
    workflowStates: (args) =>
      page(teams.flatMap((t) => t.states.map((s) => stateView(s, t))).filter((s) => matches(s, args.filter))),
    workflowState: (args) => {
      for (const t of teams) {
        const s = t.states.find((x) => x.id === args.id);
        if (s) return stateView(s, t);
      }
      throw notFound('Workflow state');
    },
    issueLabel: (args) => {
      const label = labels.get(String(args.id));
      if (!label) throw notFound('Label');
      return labelView(label);
    },
    projectUpdate: (args) => {
      const update = updates.find((u) => u.id === args.id);
      if (!update) throw notFound('Project update');
      return projectUpdateView(update);
    },
    projectUpdates: (args) => page(updates.map(projectUpdateView).filter((u) => matches(u, args.filter))),
    comments: (args) => page(comments.map(commentView).filter((c) => matches(c, args.filter))),
  };

  const payload = (typename: string, key: string, entity: Obj | null) => ({
    __typename: typename,
    success: true,
    lastSyncId: recorded.length,
    [key]: entity,
  });

  /** A client-supplied id must be a UUID no entity of any kind has yet, as in Linear. */
  function checkNewId(id: unknown): string {
    if (id === undefined || id === null) return randomUUID();
    if (typeof id !== 'string' || !UUID.test(id)) throw invalidInput('id must be a UUID');
    const taken =
      projects.has(id) ||
      issues.has(id) ||
      labels.has(id) ||
      updates.some((u) => u.id === id) ||
      externalLinks.some((l) => l.id === id) ||
      comments.some((c) => c.id === id);
    if (taken)
      throw new GraphqlFailure('Argument Validation Error', {
        type: 'invalid input',
        code: 'INVALID_INPUT',
        userError: true,
        userPresentableMessage: 'An entity with this id already exists.',
      });
    return id;
  }

  const mutation: Record<string, Resolver> = {
    projectCreate: (args) => {
      const input = (args.input ?? {}) as Obj;
      const id = checkNewId(input.id);
      if (typeof input.name !== 'string' || !input.name.trim()) throw invalidInput('name must not be empty');
      const teamIds = Array.isArray(input.teamIds) ? (input.teamIds as string[]) : [];
      if (teamIds.length === 0 || teamIds.some((t) => !teamById(t)))
        throw invalidInput('teamIds must name existing teams');
      const project: FakeLinearProject = {
        id,
        name: input.name,
        description: typeof input.description === 'string' ? input.description : null,
        url: `https://linear.app/${workspace}/project/${slug(input.name)}-${id.slice(0, 12)}`,
        state: typeof input.state === 'string' ? input.state : 'planned',
        teamIds,
        createdAt: stamp(),
        updatedAt: stamp(),
      };
      projects.set(id, project);
      return payload('ProjectPayload', 'project', projectView(project));
    },
    issueCreate: (args) => {
      const input = (args.input ?? {}) as Obj;
      const id = checkNewId(input.id);
      const team = teamById(String(input.teamId));
      if (!team) throw invalidInput('teamId must name an existing team');
      if (typeof input.title !== 'string' || !input.title.trim())
        throw invalidInput('title must not be empty');
      if (input.projectId != null && !projects.has(String(input.projectId)))
        throw invalidInput('projectId must name an existing project');
      const labelIds = Array.isArray(input.labelIds) ? (input.labelIds as string[]) : [];
      if (labelIds.some((l) => !labels.has(l))) throw invalidInput('labelIds must name existing labels');
      const state =
        (input.stateId ? team.states.find((s) => s.id === input.stateId) : undefined) ??
        team.states.find((s) => s.type === 'backlog')!;
      const number = team.nextNumber++;
      const issue: FakeLinearIssue = {
        id,
        number,
        identifier: `${team.key}-${number}`,
        title: input.title,
        description: typeof input.description === 'string' ? input.description : null,
        url: `https://linear.app/${workspace}/issue/${team.key.toLowerCase()}-${number}/${slug(input.title)}`,
        teamId: team.id,
        projectId: (input.projectId as string | null | undefined) ?? null,
        stateId: state.id,
        labelIds,
        estimate: typeof input.estimate === 'number' ? input.estimate : null,
        createdAt: stamp(),
        updatedAt: stamp(),
        trashed: false,
      };
      issues.set(id, issue);
      return payload('IssuePayload', 'issue', issueView(issue));
    },
    issueUpdate: (args) => {
      const issue = issueByRef(String(args.id));
      if (!issue || issue.trashed) throw notFound('Issue');
      const input = (args.input ?? {}) as Obj;
      if (typeof input.title === 'string') issue.title = input.title;
      if (typeof input.description === 'string') issue.description = input.description;
      if (typeof input.stateId === 'string') {
        if (!teamById(issue.teamId)!.states.some((s) => s.id === input.stateId))
          throw invalidInput('stateId must be a state of the issue’s team');
        issue.stateId = input.stateId;
      }
      if ('projectId' in input) issue.projectId = (input.projectId as string | null) ?? null;
      if (Array.isArray(input.labelIds)) issue.labelIds = input.labelIds as string[];
      if (typeof input.estimate === 'number') issue.estimate = input.estimate;
      issue.updatedAt = stamp();
      return payload('IssuePayload', 'issue', issueView(issue));
    },
    issueLabelCreate: (args) => {
      const input = (args.input ?? {}) as Obj;
      const id = checkNewId(input.id);
      if (typeof input.name !== 'string' || !input.name.trim()) throw invalidInput('name must not be empty');
      const teamId = (input.teamId as string | undefined) ?? null;
      if (teamId && !teamById(teamId)) throw invalidInput('teamId must name an existing team');
      const clash = [...labels.values()].find(
        (l) => l.name.toLowerCase() === (input.name as string).toLowerCase() && l.teamId === teamId,
      );
      if (clash) throw invalidInput('A label with this name already exists.');
      const label: FakeLinearLabel = {
        id,
        name: input.name,
        teamId,
        color: typeof input.color === 'string' ? input.color : '#bec2c8',
      };
      labels.set(id, label);
      return payload('IssueLabelPayload', 'issueLabel', labelView(label));
    },
    projectUpdateCreate: (args) => {
      const input = (args.input ?? {}) as Obj;
      const id = checkNewId(input.id);
      if (!projects.has(String(input.projectId)))
        throw invalidInput('projectId must name an existing project');
      const update: FakeLinearProjectUpdate = {
        id,
        projectId: String(input.projectId),
        body: typeof input.body === 'string' ? input.body : '',
        health: typeof input.health === 'string' ? input.health : null,
        createdAt: stamp(),
      };
      updates.push(update);
      return payload('ProjectUpdatePayload', 'projectUpdate', projectUpdateView(update));
    },
    entityExternalLinkCreate: (args) => {
      const input = (args.input ?? {}) as Obj;
      const id = checkNewId(input.id);
      if (!projects.has(String(input.projectId)))
        throw invalidInput('projectId must name an existing project');
      if (typeof input.url !== 'string' || !/^https?:\/\//.test(input.url))
        throw invalidInput('url must be a URL');
      if (typeof input.label !== 'string' || !input.label.trim())
        throw invalidInput('label must not be empty');
      const link: FakeLinearExternalLink = {
        id,
        projectId: String(input.projectId),
        url: input.url,
        label: input.label,
        createdAt: stamp(),
      };
      externalLinks.push(link);
      return payload('EntityExternalLinkPayload', 'entityExternalLink', {
        __typename: 'EntityExternalLink',
        ...link,
        updatedAt: link.createdAt,
      });
    },
    commentCreate: (args) => {
      const input = (args.input ?? {}) as Obj;
      const id = checkNewId(input.id);
      const issueId = (input.issueId as string | undefined) ?? null;
      const projectUpdateId = (input.projectUpdateId as string | undefined) ?? null;
      if (issueId && !issues.has(issueId)) throw invalidInput('issueId must name an existing issue');
      if (!issueId && !projectUpdateId) throw invalidInput('a comment needs an issue or a project update');
      const comment: FakeLinearComment = {
        id,
        body: typeof input.body === 'string' ? input.body : '',
        issueId,
        projectUpdateId,
        createdAt: stamp(),
      };
      comments.push(comment);
      return payload('CommentPayload', 'comment', commentView(comment));
    },
  };

  // ---------------------------------------------------------------- the executor
  function literalOf(node: ValueNode, variables: Obj): unknown {
    switch (node.kind) {
      case 'Variable':
        return variables[node.name.value];
      case 'IntValue':
        return Number.parseInt(node.value, 10);
      case 'FloatValue':
        return Number.parseFloat(node.value);
      case 'StringValue':
      case 'EnumValue':
        return node.value;
      case 'BooleanValue':
        return node.value;
      case 'NullValue':
        return null;
      case 'ListValue':
        return node.values.map((v) => literalOf(v, variables));
      case 'ObjectValue':
        return Object.fromEntries(node.fields.map((f) => [f.name.value, literalOf(f.value, variables)]));
    }
  }

  function argsOf(field: FieldNode, variables: Obj): Obj {
    const args: Obj = {};
    for (const arg of field.arguments ?? []) {
      const v = literalOf(arg.value, variables);
      if (v !== undefined) args[arg.name.value] = v;
    }
    return args;
  }

  interface Exec {
    variables: Obj;
    fragments: Map<string, FragmentDefinitionNode>;
  }

  /** Whether a fragment's type condition applies to an object (an object of unknown type takes all). */
  const applies = (typeCondition: string | undefined, value: Obj) => {
    const type = value.__typename;
    if (!typeCondition || typeof type !== 'string' || type === typeCondition) return true;
    // Connections and payloads are typed generically here: a fragment on `IssueConnection` applies.
    return type === 'Connection' && typeCondition.endsWith('Connection');
  };

  function select(value: Obj, set: SelectionSetNode, exec: Exec, out: Obj = {}): Obj {
    for (const selection of set.selections) {
      if (selection.kind === 'InlineFragment') {
        if (applies(selection.typeCondition?.name.value, value))
          select(value, selection.selectionSet, exec, out);
        continue;
      }
      if (selection.kind === 'FragmentSpread') {
        const fragment = exec.fragments.get(selection.name.value);
        if (!fragment)
          throw new GraphqlFailure(`Unknown fragment "${selection.name.value}"`, { type: 'graphql error' });
        if (applies(fragment.typeCondition.name.value, value))
          select(value, fragment.selectionSet, exec, out);
        continue;
      }
      const name = selection.name.value;
      const key = selection.alias?.value ?? name;
      if (name === '__typename') {
        out[key] = value.__typename ?? null;
        continue;
      }
      const raw = value[name];
      const resolved = typeof raw === 'function' ? (raw as Resolver)(argsOf(selection, exec.variables)) : raw;
      out[key] = complete(name, resolved, selection, exec);
    }
    return out;
  }

  function complete(name: string, resolved: unknown, field: FieldNode, exec: Exec): unknown {
    if (!field.selectionSet) {
      if (resolved === undefined) return null;
      return resolved;
    }
    if (resolved === undefined) {
      if (LIST_FIELDS.has(name)) return [];
      // An object the workspace does not model: nulls all the way down, lists empty.
      return select({}, field.selectionSet, exec);
    }
    if (resolved === null) return null;
    if (Array.isArray(resolved))
      return resolved.map((item) => select(item as Obj, field.selectionSet!, exec));
    return select(resolved as Obj, field.selectionSet, exec);
  }

  function execute(document: DocumentNode, variables: Obj, operationName?: string) {
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
    );
    const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
    if (!operation) throw new GraphqlFailure('No operation to run', { type: 'graphql error' });
    const fragments = new Map(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition')
        .map((f) => [f.name.value, f]),
    );
    const exec: Exec = { variables, fragments };
    const roots = operation.operation === 'mutation' ? mutation : query;
    const data: Obj = {};
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== 'Field')
        throw new GraphqlFailure('Fragments at the root are not supported by the fake', {
          type: 'graphql error',
        });
      const name = selection.name.value;
      const key = selection.alias?.value ?? name;
      if (name === '__typename') {
        data[key] = operation.operation === 'mutation' ? 'Mutation' : 'Query';
        continue;
      }
      const resolver = roots[name];
      if (!resolver)
        throw new GraphqlFailure(`Cannot query field "${name}" on the fake Linear API`, {
          type: 'graphql error',
        });
      const args = argsOf(selection, variables);
      if (operation.operation === 'mutation') {
        try {
          const result = resolver(args);
          recorded.push({ name, args, ok: true });
          data[key] = complete(name, result, selection, exec);
        } catch (error) {
          recorded.push({ name, args, ok: false });
          throw error;
        }
      } else {
        data[key] = complete(name, resolver(args), selection, exec);
      }
    }
    return data;
  }

  // ---------------------------------------------------------------- HTTP
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/graphql')
        return send(404, { errors: [{ message: `no route ${req.method} ${req.url}` }] });
      const text = await readBody(req);
      requests += 1;
      const auth = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!options.apiKeys.includes(auth))
        return send(400, {
          errors: [
            {
              message: 'Authentication required, not authenticated',
              extensions: {
                type: 'authentication error',
                code: 'AUTHENTICATION_ERROR',
                userPresentableMessage: 'Authentication required, not authenticated.',
              },
            },
          ],
        });
      if (rateLimit.remaining > 0) {
        rateLimit.remaining -= 1;
        const reset = rateLimit.now() + rateLimit.resetInSeconds * 1000;
        return send(
          400,
          {
            errors: [
              {
                message: 'Rate limit exceeded',
                extensions: {
                  type: 'ratelimited',
                  code: 'RATELIMITED',
                  userPresentableMessage: 'Rate limit exceeded. Please try again later.',
                },
              },
            ],
          },
          {
            'x-ratelimit-requests-limit': '1500',
            'x-ratelimit-requests-remaining': '0',
            'x-ratelimit-requests-reset': String(reset),
          },
        );
      }
      let body: { query?: unknown; variables?: unknown; operationName?: unknown };
      try {
        body = JSON.parse(text);
      } catch {
        return send(400, {
          errors: [{ message: 'Body is not JSON', extensions: { type: 'graphql error' } }],
        });
      }
      if (typeof body.query !== 'string')
        return send(400, {
          errors: [{ message: 'query is required', extensions: { type: 'graphql error' } }],
        });
      const document = parse(body.query);
      try {
        const data = execute(
          document,
          (body.variables ?? {}) as Obj,
          typeof body.operationName === 'string' ? body.operationName : undefined,
        );
        return send(200, { data });
      } catch (error) {
        if (error instanceof GraphqlFailure)
          return send(error.status, {
            data: null,
            errors: [{ message: error.message, extensions: error.extensions }],
          });
        throw error;
      }
    } catch (error) {
      return send(500, {
        errors: [{ message: (error as Error).message, extensions: { type: 'internal error' } }],
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  const stateFor = (issue: FakeLinearIssue, state: LinearStateType | { name: string }) => {
    const team = teamById(issue.teamId)!;
    const found =
      typeof state === 'string'
        ? team.states.find((s) => s.type === state)
        : team.states.find((s) => s.name === state.name);
    if (!found) throw new Error(`team ${team.key} has no state ${JSON.stringify(state)}`);
    return found;
  };

  function webhookData(issue: FakeLinearIssue): Obj {
    const team = teamById(issue.teamId)!;
    const state = stateOf(issue);
    const project = issue.projectId ? projects.get(issue.projectId) : undefined;
    return {
      id: issue.id,
      createdAt: issue.createdAt,
      updatedAt: issue.updatedAt,
      number: issue.number,
      identifier: issue.identifier,
      title: issue.title,
      description: issue.description,
      priority: 0,
      priorityLabel: 'No priority',
      estimate: issue.estimate,
      url: issue.url,
      teamId: team.id,
      team: { id: team.id, key: team.key, name: team.name },
      stateId: state.id,
      state: { id: state.id, name: state.name, type: state.type, color: '#bec2c8' },
      projectId: issue.projectId,
      ...(project ? { project: { id: project.id, name: project.name, url: project.url } } : {}),
      labelIds: issue.labelIds,
      labels: issue.labelIds.flatMap((id) => {
        const l = labels.get(id);
        return l ? [{ id: l.id, name: l.name, color: l.color }] : [];
      }),
      ...(issue.trashed ? { trashed: true, archivedAt: issue.updatedAt } : {}),
    };
  }

  return {
    url: `http://127.0.0.1:${port}/graphql`,
    organizationId,
    team(key) {
      const team = teams.find((t) => t.key === key);
      if (!team) throw new Error(`no team ${key} in the fake Linear workspace`);
      return team;
    },
    addTeam,
    addProject({ name, teamKey = 'RAT', state = 'planned' }) {
      const team = teamByRef(teamKey);
      if (!team) throw new Error(`no team ${teamKey} in the fake workspace`);
      const id = randomUUID();
      const project: FakeLinearProject = {
        id,
        name,
        description: null,
        url: `https://linear.app/${workspace}/project/${slug(name)}-${id.slice(0, 12)}`,
        state,
        teamIds: [team.id],
        createdAt: stamp(),
        updatedAt: stamp(),
      };
      projects.set(id, project);
      return project;
    },
    externalLinks: (projectId) =>
      externalLinks.filter((l) => projectId === undefined || l.projectId === projectId),
    projects: () => [...projects.values()],
    project: (id) => projects.get(id),
    issues: (projectId) =>
      [...issues.values()].filter((i) => projectId === undefined || i.projectId === projectId),
    issue: (ref) => issueByRef(ref),
    labels: () => [...labels.values()],
    labelNames: (issue) => issue.labelIds.map((id) => labels.get(id)?.name ?? id),
    projectUpdates: (projectId) =>
      updates.filter((u) => projectId === undefined || u.projectId === projectId),
    comments: () => [...comments],
    stateOf,
    mutations: (name) => recorded.filter((m) => name === undefined || m.name === name),
    requestCount: () => requests,
    setIssueState(ref, state) {
      const issue = mustIssue(ref);
      issue.stateId = stateFor(issue, state).id;
      issue.updatedAt = stamp();
      return issue;
    },
    addIssue(input) {
      const project = projects.get(input.projectId);
      if (!project) throw new Error(`no project ${input.projectId} in the fake Linear workspace`);
      const team = input.teamKey
        ? teams.find((t) => t.key === input.teamKey)!
        : teamById(project.teamIds[0]!)!;
      const created = mutation.issueCreate!({
        input: { teamId: team.id, projectId: project.id, title: input.title },
      }) as Obj;
      const issue = issues.get((created.issue as Obj).id as string)!;
      if (input.state) issue.stateId = stateFor(issue, input.state).id;
      return issue;
    },
    moveIssue(ref, projectId) {
      const issue = mustIssue(ref);
      issue.projectId = projectId;
      issue.updatedAt = stamp();
      return issue;
    },
    trashIssue(ref) {
      const issue = mustIssue(ref);
      issue.trashed = true;
      issue.updatedAt = stamp();
      return issue;
    },
    rateLimitNext(count, opts = {}) {
      rateLimit = {
        remaining: count,
        resetInSeconds: opts.resetInSeconds ?? 60,
        now: opts.now ?? (() => Date.now()),
      };
    },
    issueWebhook(action, ref, webhookTimestamp, opts = {}) {
      const issue = mustIssue(ref);
      const payload: LinearWebhookPayload = {
        action,
        type: 'Issue',
        actor: { id: randomUUID(), type: 'user', name: 'Linear User' },
        createdAt: new Date(webhookTimestamp).toISOString(),
        data: webhookData(issue),
        url: issue.url,
        ...(opts.updatedFrom ? { updatedFrom: opts.updatedFrom } : {}),
        webhookTimestamp,
        webhookId: randomUUID(),
        organizationId,
      };
      return { payload, body: JSON.stringify(payload) };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
