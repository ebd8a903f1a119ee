/**
 * The domain events CLOS publishes (seed §2.3), by dotted type. Each is written to the outbox in the
 * transaction of the change it reports, then dispatched to the live stream, outbound webhooks,
 * notifiers and the workflows that react to it. docs/events.md documents every type's payload; a
 * test keeps the two in step.
 *
 * Types ending in an audited change carry the audit record's `before`/`after`/`reason`; the others
 * (refusals, workflow outputs, alerts) carry their own `data`.
 */
export const DOMAIN_EVENT_TYPES = {
  'project.created': 'A project entered the first stage (created directly or promoted from an idea).',
  'project.imported':
    'A project was imported from another tracker and placed at its stage there (gates not evaluated); follows its `project.created`.',
  'project.evidence_submitted': 'Evidence was submitted for the next gate of a project.',
  'project.ci_status': 'CI reported a status on a project.',
  'project.pull_request_merged':
    'A pull request of a repository mapped to the project merged (GitHub App); its checks are in its CI history.',
  'project.closed': 'A project was shipped or cancelled; its WIP slot was freed.',
  'gate.approved': 'An approver approved the next gate of a project.',
  'gate.rejected': 'An approver rejected the next gate of a project.',
  'gate.ready':
    'A gate awaits its approvers (evidence complete, `canAdvance: false`) or is fully met (`canAdvance: true`).',
  'stage.advanced': 'A project passed its gate into the next stage.',
  'stage.blocked': 'A project was marked blocked.',
  'stage.unblocked': 'A project was unblocked.',
  'linear.issue_updated':
    "A Linear issue of a project's linked Linear project was created, changed state or was removed (webhook or reconciliation).",
  'wip.acquired': 'A WIP slot was taken.',
  'wip.released': 'A WIP slot was released.',
  'wip.queued': 'An item joined the queue of a full pod to wait for a WIP slot.',
  'wip.dequeued': 'An item left the WIP queue without a slot (admission is a `wip.acquired`).',
  'wip.limit_reached': 'An acquire was refused because the pod was at its WIP limit.',
  'wip.limit_set': 'A WIP limit was changed (API or config file).',
  'idea.submitted': 'An idea entered the ledger.',
  'idea.evaluated': 'An idea was scored (or re-scored) by an evaluator.',
  'idea.promoted': 'An idea became a project in a pod.',
  'idea.archived': 'An idea was archived.',
  'pod.registered': 'A pod was created.',
  'pod.updated': 'A pod was renamed or changed time zone.',
  'pod.member_added': 'A member joined a pod.',
  'pod.member_role_changed': "A member's role in a pod changed.",
  'pod.health_updated': 'A health snapshot was recorded for a pod.',
  'pod.member_rotated': 'A member moved from one pod to another.',
  'rotation.completed': 'A monthly rotation run applied its moves.',
  'rhythm.digest_ready': 'A daily-rhythm phase (unblock, commit, recap) produced its digest.',
  'commitment.recorded': 'A member recorded a commitment for the day.',
  'commitment.updated': 'A commitment was marked done or dropped.',
  'demo.opened': "A pod's weekly demo started collecting submissions.",
  'demo.submitted': 'A demo was submitted to the weekly demo.',
  'demo.agenda_ready': 'Submissions closed; the ordered agenda is ready to present.',
  'demo.feedback_recorded': 'Feedback was given on a demo.',
  'demo.closed': 'The weekly demo closed with its aggregated feedback.',
  'deployment.started': 'CI reported a new deployment.',
  'deployment.step_reported': 'CI reported a deployment step (build, test, stage, prod).',
  'deployment.finished': 'A deployment succeeded or failed.',
  'alert.opened': 'An alert condition started (opened once per key).',
  'alert.resolved': "An alert's condition cleared.",
  'workflow.run_failed': 'A workflow run failed after its last retry.',
} as const;

export type DomainEventType = keyof typeof DOMAIN_EVENT_TYPES;

export const isDomainEventType = (type: string): type is DomainEventType =>
  Object.hasOwn(DOMAIN_EVENT_TYPES, type);
