/**
 * The GraphQL schema of `/graphql`. Types mirror the REST records field for field (same names, same
 * values, timestamps as ISO-8601 strings); lists take `first` (1–200, default 50) and `after` (the
 * previous page's `nextCursor`) like REST's `limit` and `cursor`. Root fields are nullable on purpose:
 * a failed one is null beside its error while its siblings keep their data (a failed non-null root field
 * would null the whole response, even the results of mutations that committed).
 */
import { CRITERION_KINDS } from '@clos/core';

/**
 * The criterion kinds as GraphQL describes them: "not_closed, not_blocked, evidence, approvals or
 * rejection". `kind` stays a `String!` (as it always was) rather than becoming an enum, so the schema
 * clients introspect does not change; the list follows core's criterion registry.
 */
export const criterionKindList = `${CRITERION_KINDS.slice(0, -1).join(', ')} or ${CRITERION_KINDS.at(-1)}`;

export const typeDefs = /* GraphQL */ `
  "An ISO-8601 timestamp with offset, e.g. 2026-03-02T09:00:00.000Z."
  scalar DateTime
  "Any JSON value: evidence documents, scores, audit before/after."
  scalar JSON

  type Query {
    "Pods, in the order of GET /api/v1/pods."
    pods(first: Int = 50, after: String): PodPage
    pod(slug: String!): Pod
    "Projects, newest first."
    projects(
      first: Int = 50
      after: String
      pod: String
      stage: String
      blocked: Boolean
      closed: Boolean
    ): ProjectPage
    "A project by its id or its key."
    project(id: ID!): Project
    "Ideas, newest first."
    ideas(first: Int = 50, after: String, status: IdeaStatus): IdeaPage
    idea(id: ID!): Idea
    "Open WIP locks of a pod, optionally of one item type."
    wipLocks(pod: String!, itemType: String): [WipLock!]
    "Audit events, newest first."
    auditEvents(
      first: Int = 50
      after: String
      subjectType: String
      subjectId: String
      actorId: ID
      action: String
      from: DateTime
      to: DateTime
    ): AuditEventPage
  }

  type Mutation {
    registerPod(slug: String!, name: String!, timezone: String!): Pod
    setWipLimit(pod: String!, itemType: String!, limit: Int!): WipLimit
    acquireWipLock(pod: String!, itemType: String!, itemId: String!): AcquireWipLockPayload
    releaseWipLock(id: ID!): WipLock
    "Without a key the project gets one derived from its name. Project mutations below take its id or key as their id argument."
    createProject(name: String!, pod: String!, key: String): Project
    submitEvidence(id: ID!, evidence: JSON!): EvidencePayload
    decideGate(id: ID!, decision: ApprovalDecision!, comment: String): GateDecisionPayload
    advanceProject(id: ID!): AdvanceProjectPayload
    blockProject(id: ID!, reason: String!): Project
    unblockProject(id: ID!, reason: String): Project
    closeProject(id: ID!, outcome: ProjectOutcome!, reason: String): Project
    "Submitted for a pod, the idea holds one of its idea WIP slots while pending (wip_limit_exceeded when full)."
    submitIdea(title: String!, description: String, pod: String): Idea
    evaluateIdea(id: ID!, scores: JSON!, comment: String): EvaluateIdeaPayload
    promoteIdea(id: ID!, pod: String!, name: String, key: String): PromoteIdeaPayload
    archiveIdea(id: ID!, reason: String!): Idea
    recordPodHealth(pod: String!, metrics: HealthMetricsInput!): HealthSnapshot
    rotatePodMember(pod: String!, email: String!, toPod: String!): Rotation
  }

  type PodPage {
    items: [Pod!]!
    nextCursor: String
  }
  type ProjectPage {
    items: [Project!]!
    nextCursor: String
  }
  type IdeaPage {
    items: [Idea!]!
    nextCursor: String
  }
  type AuditEventPage {
    items: [AuditEvent!]!
    nextCursor: String
  }

  type Pod {
    id: ID!
    slug: String!
    name: String!
    timezone: String!
    createdAt: DateTime!
    "Members, WIP used/limit per type, projects per stage and the latest health (GET /pods/:slug/status)."
    status: PodStatus!
    "WIP per item type with its holders (GET /pods/:slug/wip)."
    wip: [WipTypeStatus!]!
    "Active members; with history also those who left."
    members(history: Boolean = false): [PodMember!]!
    "Health snapshots, newest first."
    health(first: Int = 10): [HealthSnapshot!]!
    "The pod's projects, newest first."
    projects(first: Int = 50, after: String, stage: String, blocked: Boolean, closed: Boolean): ProjectPage!
  }

  type PodStatus {
    members: [PodMember!]!
    wip: [WipUsage!]!
    projectsPerStage: [StageCount!]!
    health: HealthSnapshot
  }
  type WipUsage {
    itemType: String!
    used: Int!
    limit: Int!
  }
  type StageCount {
    stage: String!
    count: Int!
  }

  type PodMember {
    podId: ID!
    userId: ID!
    email: String!
    name: String!
    "viewer, developer, pod-lead or admin."
    role: String!
    "lead or member."
    podRole: String!
    joinedAt: DateTime!
    leftAt: DateTime
  }

  type HealthMetrics {
    velocity: Float
    wipUtilisation: Float
    blockedItems: Float
    cycleTimeDays: Float
    deploymentSuccess: Float
    blockedDays: Float
    gateRefusals: Float
    demoParticipation: Float
  }
  input HealthMetricsInput {
    velocity: Float
    wipUtilisation: Float
    blockedItems: Float
    cycleTimeDays: Float
    deploymentSuccess: Float
    blockedDays: Float
    gateRefusals: Float
    demoParticipation: Float
  }
  type HealthSnapshot {
    id: ID!
    podId: ID!
    metrics: HealthMetrics!
    "Each weighted component of the score, by name."
    components: JSON!
    score: Int!
    "manual (posted) or computed (derived daily from CLOS's own data)."
    source: String!
    recordedBy: ID
    recordedAt: DateTime!
    "What moved against the snapshot before, biggest movers of the score first; only in a pod's health history."
    changes: [HealthChange!]
  }
  type HealthChange {
    "A metric (cycleTimeDays) or a component (cycleTime)."
    input: String!
    "metric or component."
    kind: String!
    from: Float
    to: Float
    "Components only: score points the component's share of the score moved."
    points: Float
  }

  type WipTypeStatus {
    itemType: String!
    limit: Int!
    used: Int!
    available: Int!
    holders: [WipHolder!]!
    "Who waits for a slot, next first (GET /pods/:slug/wip/queue)."
    queue: [WipQueueItem!]!
  }
  type WipQueueItem {
    itemId: String!
    label: String
    url: String
    "Place in line, 1 for the next to be admitted."
    position: Int!
    enqueuedAt: DateTime!
    enqueuedBy: ID
  }
  type WipHolder {
    lockId: ID!
    itemId: String!
    acquiredBy: ID
    acquiredAt: DateTime!
    "What the holder is, for people (e.g. a pull request title and author)."
    label: String
    url: String
  }
  type WipLock {
    id: ID!
    podId: ID!
    itemType: String!
    itemId: String!
    acquiredBy: ID
    acquiredAt: DateTime!
    releasedAt: DateTime
    releasedBy: ID
    label: String
    url: String
  }
  type WipLimit {
    pod: String!
    itemType: String!
    limit: Int!
    used: Int!
    available: Int!
  }
  type AcquireWipLockPayload {
    lock: WipLock!
    "False when the item already held a lock (acquiring is idempotent)."
    created: Boolean!
  }

  enum ProjectOutcome {
    shipped
    cancelled
  }
  enum ApprovalDecision {
    approve
    reject
  }

  type Project {
    id: ID!
    "Short unique handle accepted wherever the id is, e.g. payments."
    key: String!
    name: String!
    podId: ID!
    currentStage: String!
    stageEnteredAt: DateTime!
    blockedReason: String
    blockedAt: DateTime
    ideaId: ID
    wipLockId: ID
    closedAt: DateTime
    outcome: ProjectOutcome
    closeReason: String
    createdAt: DateTime!
    updatedAt: DateTime!
    "Every stage the project entered, oldest first."
    stageHistory: [StageTransition!]!
    evidence: [Evidence!]!
    approvals: [Approval!]!
    "The next stage's gate, criterion by criterion."
    gate: GateEvaluation!
    "The idea the project was promoted from."
    idea: Idea
  }

  type StageTransition {
    id: ID!
    projectId: ID!
    fromStage: String
    toStage: String!
    evidence: JSON!
    approvedBy: [ID!]!
    actorId: ID
    createdAt: DateTime!
  }
  type Evidence {
    id: ID!
    projectId: ID!
    stage: String!
    data: JSON!
    submittedBy: ID
    "The pull request an evidence file merged with (evidence as code); null when submitted through the API."
    source: String
    createdAt: DateTime!
  }
  type Approval {
    id: ID!
    projectId: ID!
    stage: String!
    userId: ID!
    userEmail: String!
    userRole: String!
    decision: ApprovalDecision!
    comment: String
    createdAt: DateTime!
  }

  type GateEvaluation {
    projectId: ID!
    currentStage: String!
    "Null when the project is in the last stage."
    nextStage: String
    ready: Boolean!
    criteria: [GateCriterion!]!
  }
  "One criterion; which of the optional fields are set depends on kind, as in REST."
  type GateCriterion {
    "${criterionKindList}."
    kind: String!
    met: Boolean!
    message: String!
    path: String
    required: Int
    received: Int
    roles: [String!]
    approvers: [String!]
    by: String
    comment: String
  }

  type EvidencePayload {
    evidence: Evidence!
    gate: GateEvaluation!
  }
  type GateDecisionPayload {
    approval: Approval!
    gate: GateEvaluation!
  }
  type AdvanceProjectPayload {
    project: Project!
    gate: GateEvaluation!
  }

  enum IdeaStatus {
    pending
    promoted
    archived
  }
  type Idea {
    id: ID!
    title: String!
    description: String
    submittedBy: ID
    "The pod it was submitted for; it holds one of the pod's idea WIP slots while pending."
    podId: ID
    evaluationScore: Float
    evaluationCount: Int!
    status: IdeaStatus!
    promotedToProjectId: ID
    archivedReason: String
    createdAt: DateTime!
    updatedAt: DateTime!
    evaluations: [IdeaEvaluation!]!
    "The project the idea was promoted into."
    project: Project
  }
  type IdeaEvaluation {
    id: ID!
    ideaId: ID!
    evaluatorId: ID!
    "Score per criterion key, 0–5."
    scores: JSON!
    score: Float!
    comment: String
    createdAt: DateTime!
  }
  type EvaluateIdeaPayload {
    idea: Idea!
    evaluation: IdeaEvaluation!
  }
  type PromoteIdeaPayload {
    idea: Idea!
    project: Project!
  }

  type Rotation {
    email: String!
    from: String!
    to: String!
    rotatedAt: DateTime!
  }

  type AuditEvent {
    sequence: Int!
    id: ID!
    occurredAt: DateTime!
    actorId: ID
    actorLabel: String!
    action: String!
    subjectType: String!
    subjectId: String!
    before: JSON
    after: JSON
    reason: String
    requestId: String
    prevHash: String!
    hash: String!
  }
`;
