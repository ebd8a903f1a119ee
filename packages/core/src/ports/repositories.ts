/**
 * What the use cases need from storage. `@clos/db` implements these over Drizzle on PGlite or
 * PostgreSQL; every method inside `UnitOfWork.run` shares one transaction.
 */
import type { Role } from '../auth/roles.ts';
import type {
  ApiToken,
  ApprovalDecision,
  ApprovalRecord,
  AuditEvent,
  CiStatus,
  EvidenceRecord,
  HealthSnapshot,
  HealthSource,
  Idea,
  IdeaEvaluation,
  Pod,
  PodMember,
  Project,
  RecordedAuditEvent,
  StageTransition,
  User,
  UserSession,
  WipLock,
  WipQueueEntry,
} from '../entities.ts';
import type { HealthFigures, HealthWindow } from '../pods/health-inputs.ts';
import type { AlertRepository } from './alerts.ts';
import type { AttentionRepository } from './attention.ts';
import type { AuditCheckpointRepository } from './audit-checkpoints.ts';
import type { DashboardRepository } from './dashboard.ts';
import type { DemoRepository } from './demos.ts';
import type { DeploymentRepository } from './deployments.ts';
import type { EventLogRepository } from './event-log.ts';
import type { EventRepository } from './events.ts';
import type { ImportRepository } from './imports.ts';
import type { LinearRepository } from './linear.ts';
import type { Page, PageRequest } from './page.ts';
import type { ReportRepository } from './reports.ts';
import type { RhythmRepository } from './rhythms.ts';
import type { ScorecardRepository, ServiceMinuteRepository } from './scorecard.ts';
import type { TrendsRepository } from './trends.ts';
import type { WebhookRepository } from './webhooks.ts';
import type { WorkflowRepository } from './workflows.ts';

export interface PodRepository {
  insert(pod: Pod): Promise<void>;
  update(id: string, patch: Partial<Pick<Pod, 'name' | 'timezone'>>): Promise<void>;
  bySlug(slug: string): Promise<Pod | null>;
  byId(id: string): Promise<Pod | null>;
  byIds(ids: string[]): Promise<Pod[]>;
  list(page: PageRequest): Promise<Page<Pod>>;
  /** Active members, and with `withHistory` those who left too. */
  members(podId: string, withHistory?: boolean): Promise<PodMember[]>;
  activeMembership(podId: string, userId: string): Promise<PodMember | null>;
  /** The pods a user is an active member of, with their role in each. */
  membershipsOf(userId: string): Promise<{ podId: string; slug: string; podRole: 'lead' | 'member' }[]>;
  addMember(m: {
    id: string;
    podId: string;
    userId: string;
    podRole: 'lead' | 'member';
    joinedAt: Date;
  }): Promise<void>;
  endMembership(podId: string, userId: string, leftAt: Date): Promise<void>;
  setPodRole(podId: string, userId: string, podRole: 'lead' | 'member'): Promise<void>;
  projectsPerStage(podId: string): Promise<Record<string, number>>;
}

export interface UserRepository {
  insert(user: User): Promise<void>;
  update(
    id: string,
    patch: Partial<Pick<User, 'name' | 'role' | 'active' | 'deactivatedAt' | 'oidcSubject' | 'lastSignInAt'>>,
  ): Promise<void>;
  byEmail(email: string): Promise<User | null>;
  byId(id: string): Promise<User | null>;
  byOidcSubject(subject: string): Promise<User | null>;
  list(page: PageRequest): Promise<Page<User>>;
  /** Every user, by email (reports). */
  all(): Promise<User[]>;
  count(): Promise<number>;
  /** Active users whose role is admin. */
  activeAdminCount(): Promise<number>;
}

export interface SessionFilter {
  userId?: string | undefined;
  /** Only sessions not ended and not past their absolute end at this time. */
  activeAt?: Date | undefined;
}

/** Signed-in browser sessions; only a hash of each cookie value is stored. */
export interface SessionRepository {
  insert(session: UserSession & { tokenHash: string }): Promise<void>;
  byHash(hash: string): Promise<(UserSession & { user: User }) | null>;
  byId(id: string): Promise<UserSession | null>;
  list(filter: SessionFilter, page: PageRequest): Promise<Page<UserSession>>;
  touch(id: string, at: Date): Promise<void>;
  /** Ends one session; false when it had ended already. */
  end(id: string, at: Date, reason: string): Promise<boolean>;
  /** Ends every open session of a user; the ids ended. */
  endForUser(userId: string, at: Date, reason: string): Promise<string[]>;
  /** Which of these sessions are open at `now` (not ended, not past their absolute end). */
  openIds(ids: readonly string[], now: Date): Promise<Set<string>>;
}

/** A sign-in under way: what the callback must check, kept server-side and used once. */
export interface LoginAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  createdAt: Date;
}

export interface LoginAttemptRepository {
  insert(bindingHash: string, attempt: LoginAttempt): Promise<void>;
  /** Reads and deletes the attempt (one use). */
  take(bindingHash: string): Promise<LoginAttempt | null>;
  /** Deletes attempts started before `before`. */
  prune(before: Date): Promise<void>;
}

export interface ProjectFilter {
  podId?: string | undefined;
  stage?: string | undefined;
  blocked?: boolean | undefined;
  /** true: only closed projects; false: only open ones; absent: all. */
  closed?: boolean | undefined;
}

export interface ProjectRepository {
  insert(project: Project): Promise<void>;
  /** Reads and row-locks the project for the rest of the transaction. */
  lockById(id: string): Promise<Project | null>;
  byId(id: string): Promise<Project | null>;
  byKey(key: string): Promise<Project | null>;
  list(filter: ProjectFilter, page: PageRequest): Promise<Page<Project>>;
  /** The key is not patchable: it is written into config files and CI workflows. */
  update(id: string, patch: Partial<Omit<Project, 'id' | 'key' | 'createdAt'>>): Promise<void>;
  insertEvidence(e: EvidenceRecord): Promise<void>;
  latestEvidence(projectId: string, stage: string): Promise<EvidenceRecord | null>;
  evidence(projectId: string): Promise<EvidenceRecord[]>;
  insertApproval(a: {
    id: string;
    projectId: string;
    stage: string;
    userId: string;
    decision: ApprovalDecision;
    comment: string | null;
    createdAt: Date;
  }): Promise<void>;
  approvals(projectId: string, stage?: string): Promise<ApprovalRecord[]>;
  insertTransition(t: StageTransition): Promise<void>;
  transitions(projectId: string): Promise<StageTransition[]>;
  insertCiStatus(s: CiStatus): Promise<void>;
  /** Every report, newest first; `context` narrows to one check. */
  ciStatuses(
    projectId: string,
    filter: { context?: string | undefined },
    page: PageRequest,
  ): Promise<Page<CiStatus>>;
  /** The newest report of each context, newest first. */
  latestCiStatuses(projectId: string): Promise<CiStatus[]>;
}

export interface WipRepository {
  /**
   * Serialises acquires for one (pod, item type) until the transaction ends, on every engine and
   * process. Without it two acquires could each count N−1 holders and both insert.
   */
  lockScope(podId: string, itemType: string): Promise<void>;
  /**
   * The pod with this slug, with its scope for `itemType` taken as `lockScope` takes it, in one
   * round trip (an acquire's first statement); null, and nothing locked, when there is no such pod.
   */
  podInScope(slug: string, itemType: string): Promise<Pod | null>;
  /**
   * The lock with this id and its pod, with the scope of the lock's (pod, type) taken as `lockScope`
   * takes it, in one round trip (a release's first statement); null, and nothing locked, when there
   * is no such lock. The lock is read before the scope is granted: it may have been released since.
   */
  lockInScope(lockId: string): Promise<{ lock: WipLock; pod: Pod } | null>;
  openLocks(podId: string, itemType?: string): Promise<WipLock[]>;
  openLockForItem(podId: string, itemType: string, itemId: string): Promise<WipLock | null>;
  /**
   * In one round trip: the item's open lock (none when `itemId` is null), how many locks of the type
   * are open, the limit stored for it (null: the policy's default applies) and how many items wait
   * in its line. Call under `lockScope`.
   */
  slotState(
    podId: string,
    itemType: string,
    itemId: string | null,
  ): Promise<{ existing: WipLock | null; used: number; storedLimit: number | null; queued: number }>;
  openCount(podId: string, itemType: string): Promise<number>;
  insertLock(lock: WipLock): Promise<void>;
  lockById(id: string): Promise<WipLock | null>;
  /**
   * Releases the lock if it is still open (`released` false when someone released it first), and
   * says how many items wait in its (pod, type) line. Call under `lockScope`.
   */
  release(id: string, at: Date, by: string | null): Promise<{ released: boolean; queued: number }>;
  /** Limits stored for the pod (set through the API or applied from the config file). */
  storedLimits(podId: string): Promise<Record<string, number>>;
  setLimit(podId: string, itemType: string, limit: number, at: Date, by: string | null): Promise<void>;
  countOpen(podId: string): Promise<Record<string, number>>;
  /** How many items wait in the pod's line, per item type (types with none are absent). */
  countQueued(podId: string): Promise<Record<string, number>>;
  /**
   * Puts an item at the end of the line of (pod, type) and returns it with its arrival `position`.
   * Call under `lockScope`: the line is read and written only while the scope is held.
   */
  enqueue(entry: Omit<WipQueueEntry, 'position'>): Promise<WipQueueEntry>;
  queueEntry(podId: string, itemType: string, itemId: string): Promise<WipQueueEntry | null>;
  /** The line, oldest first: of one type, or of every type of the pod; at most `limit` entries. */
  queue(podId: string, itemType?: string, limit?: number): Promise<WipQueueEntry[]>;
  /** How many entries of the entry's (pod, type) arrived before it. */
  queueAhead(entry: WipQueueEntry): Promise<number>;
  dequeue(id: string): Promise<void>;
}

export interface IdeaFilter {
  status?: Idea['status'] | undefined;
}

export interface IdeaRepository {
  insert(idea: Idea): Promise<void>;
  lockById(id: string): Promise<Idea | null>;
  byId(id: string): Promise<Idea | null>;
  list(filter: IdeaFilter, page: PageRequest): Promise<Page<Idea>>;
  update(id: string, patch: Partial<Omit<Idea, 'id' | 'createdAt'>>): Promise<void>;
  /** Replaces the evaluator's previous evaluation, if any; returns the stored row (its id is kept). */
  upsertEvaluation(e: IdeaEvaluation): Promise<IdeaEvaluation>;
  evaluations(ideaId: string): Promise<IdeaEvaluation[]>;
}

export interface HealthRepository {
  insert(s: HealthSnapshot): Promise<void>;
  /** The newest snapshot, or the newest of one source. */
  latest(podId: string, source?: HealthSource): Promise<HealthSnapshot | null>;
  history(podId: string, limit: number): Promise<HealthSnapshot[]>;
  /** The raw figures of the pod's computed health over the window (pods/health-inputs.ts). */
  figures(podId: string, window: HealthWindow): Promise<HealthFigures>;
}

export interface NewAuditEvent {
  at: Date;
  actorId: string | null;
  actorLabel: string;
  requestId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export interface AuditFilter {
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface AuditRepository {
  /**
   * Records one event, unsealed, in the caller's transaction. It takes no lock but its own row's, so
   * writes to different things never wait for each other; `seal` chains it after it commits.
   */
  append(event: NewAuditEvent): Promise<RecordedAuditEvent>;
  /**
   * Chains up to `limit` committed unsealed events onto the head, in the order they were recorded,
   * under the head's row lock (one sealer at a time, in every process); how many it sealed. Run it
   * in a transaction of its own (or the relay's).
   */
  seal(limit: number): Promise<number>;
  /** Whether any committed event awaits sealing (one indexed row read, however many wait). */
  anyUnsealed(): Promise<boolean>;
  /** How many committed events await sealing. */
  unsealed(): Promise<number>;
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEvent>>;
  /** Every event in sequence order (after sequence `after`, when given), read in batches. */
  iterate(after?: number): AsyncIterable<AuditEvent>;
  /** The chain head stored beside the log; null before the first event. */
  head(): Promise<{ sequence: number; hash: string } | null>;
}

export interface TokenRepository {
  insert(t: ApiToken & { tokenHash: string }): Promise<void>;
  byHash(hash: string): Promise<(ApiToken & { user: User }) | null>;
  byId(id: string): Promise<ApiToken | null>;
  list(page: PageRequest): Promise<Page<ApiToken>>;
  /** Every token, newest first (reports). */
  all(): Promise<ApiToken[]>;
  revoke(id: string, at: Date): Promise<void>;
  /** Revokes every unrevoked token of a user; the ids revoked. */
  revokeForUser(userId: string, at: Date): Promise<string[]>;
  /** Admin tokens neither revoked nor expired at `now`, held by users who are still admins. */
  activeAdminCount(now: Date): Promise<number>;
  touch(id: string, at: Date): Promise<void>;
  count(): Promise<number>;
}

export interface ConfigStateRepository {
  /** The value last applied from the config file for `key`, if any. */
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, at: Date): Promise<void>;
  /**
   * Serialises start-up work (bootstrap, applying the file) across processes sharing one database
   * until the transaction ends: two servers starting together must not both create the admin.
   */
  lockStartup(): Promise<void>;
}

/** Webhook deliveries received from an integration, kept so that a redelivery has no second effect. */
/** Messages an integration posted about something that changes later, to update them in place. */
export interface IntegrationMessageRepository {
  remember(message: {
    integration: string;
    key: string;
    channel: string;
    ref: string;
    createdAt: Date;
  }): Promise<void>;
  find(integration: string, key: string): Promise<{ channel: string; ref: string } | null>;
}

/** Daily use counts (adoption figures); days are UTC `YYYY-MM-DD`. */
export interface UsageRepository {
  increment(day: string, metric: string): Promise<void>;
  /** Records that the user used CLOS on `day` (the first use of the day is kept); nothing when already recorded. */
  recordActive(day: string, userId: string, via: 'api' | 'session' | 'slack'): Promise<void>;
  /** The counts of metrics starting with `prefix`, from `from` to `to` inclusive, by day. */
  daily(from: string, to: string, prefix: string): Promise<{ day: string; metric: string; count: number }[]>;
}

export interface InboundDeliveryRepository {
  /** Records a delivery; false when this integration's delivery id was recorded before. */
  record(delivery: {
    integration: string;
    deliveryId: string;
    event: string;
    receivedAt: Date;
  }): Promise<boolean>;
}

export interface Repositories {
  pods: PodRepository;
  users: UserRepository;
  sessions: SessionRepository;
  loginAttempts: LoginAttemptRepository;
  projects: ProjectRepository;
  wip: WipRepository;
  ideas: IdeaRepository;
  health: HealthRepository;
  audit: AuditRepository;
  auditCheckpoints: AuditCheckpointRepository;
  tokens: TokenRepository;
  configState: ConfigStateRepository;
  events: EventRepository;
  eventLog: EventLogRepository;
  workflows: WorkflowRepository;
  rhythms: RhythmRepository;
  demos: DemoRepository;
  deployments: DeploymentRepository;
  alerts: AlertRepository;
  webhooks: WebhookRepository;
  dashboard: DashboardRepository;
  attention: AttentionRepository;
  trends: TrendsRepository;
  inboundDeliveries: InboundDeliveryRepository;
  usage: UsageRepository;
  integrationMessages: IntegrationMessageRepository;
  reports: ReportRepository;
  scorecard: ScorecardRepository;
  serviceMinutes: ServiceMinuteRepository;
  imports: ImportRepository;
  linear: LinearRepository;
}

export interface RunOptions {
  /** One consistent snapshot for every read (REPEATABLE READ, read only), for multi-statement reads. */
  snapshot?: boolean;
}

/** Runs `work` in one transaction: all of it commits, or (on a throw) none of it does. */
export interface UnitOfWork {
  run<T>(work: (repos: Repositories) => Promise<T>, options?: RunOptions): Promise<T>;
  /** Reads outside a transaction. */
  read: Repositories;
  /**
   * A number that changes whenever anything may have written to the database, or null when that
   * cannot be known (other processes write to it too). Equal versions mean cached reads are current.
   */
  writeVersion(): number | null;
  /**
   * A number that changes whenever a token or a user may have changed, in this process or (once it
   * listens for their announcements) in any other; null when it cannot tell. Authentication caches
   * token lookups while it stands.
   */
  authVersion(): number | null;
}

// Page and PageRequest live in page.ts; use cases import them from here as well.
export type { Page, PageRequest, Role };
