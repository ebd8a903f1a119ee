/**
 * What CLOS says in Slack, as Block Kit: notifications and the answers to `/clos`. Pure, so every
 * wording is tested without Slack.
 */
import type { Notification } from '@clos/core';
import type { ModalView } from '@slack/web-api';

/** A Block Kit block; the SDK types them, but only loosely for what is built here. */
export type Block = Record<string, unknown>;

export interface SlackMessage {
  /** The fallback text (notifications on phones, screen readers). */
  text: string;
  blocks: Block[];
}

/** Slack's mrkdwn treats `&`, `<` and `>` as control characters: user text is escaped. */
export const escapeMrkdwn = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A link in mrkdwn, only for http(s) URLs; the text alone otherwise. */
export const link = (url: string | null | undefined, text: string) =>
  url && /^https?:\/\/[^\s|<>]+$/i.test(url) ? `<${url}|${escapeMrkdwn(text)}>` : escapeMrkdwn(text);

// Slack refuses a section text over 3000 characters and a header over 150.
const section = (text: string): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: text.length > 3000 ? `${text.slice(0, 2990)}…` : text },
});
const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: text.length > 150 ? `${text.slice(0, 149)}…` : text },
});
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

export function notificationMessage(n: Notification): SlackMessage {
  const iso = new Date(n.occurredAt).toISOString();
  const at = Math.floor(Date.parse(iso) / 1000);
  return {
    text: n.title,
    blocks: [
      header(n.title),
      ...(n.text ? [section(escapeMrkdwn(n.text))] : []),
      context(`\`${n.kind}\` · <!date^${at}^{date_short_pretty} {time}|${iso}>`),
    ],
  };
}

/** An answer only the asker sees, in one section. */
export function reply(text: string): SlackMessage {
  return { text, blocks: [section(text)] };
}

export interface WipTypeView {
  itemType: string;
  used: number;
  limit: number;
  holders: { itemId: string; label: string | null; url: string | null }[];
  queue: { itemId: string; label: string | null; url: string | null }[];
}

const item = (x: { itemId: string; label: string | null; url: string | null }) =>
  link(x.url, x.label ?? x.itemId);

/** `/clos wip`: each item type's use against its limit, who holds the slots and who waits. */
export function wipMessage(pod: string, types: readonly WipTypeView[]): SlackMessage {
  const lines = types.map((t) => {
    const full = t.used >= t.limit ? ' :no_entry:' : '';
    const parts = [`*${escapeMrkdwn(t.itemType)}*: ${t.used}/${t.limit}${full}`];
    if (t.holders.length) parts.push(`  holding: ${t.holders.map(item).join(', ')}`);
    if (t.queue.length) parts.push(`  waiting: ${t.queue.map((q, i) => `${i + 1}. ${item(q)}`).join(', ')}`);
    return parts.join('\n');
  });
  return { text: `WIP in ${pod}`, blocks: [header(`WIP in ${pod}`), section(lines.join('\n'))] };
}

export interface StatusView {
  pod: string;
  health: number | null;
  projectsPerStage: Record<string, number>;
  blocked: { key: string | null; name: string; reason: string; days: number }[];
  alerts: { severity: string; message: string }[];
}

const days = (n: number) => (n < 1 ? 'today' : `${Math.floor(n)} day${Math.floor(n) === 1 ? '' : 's'}`);

/** `/clos status`: health, open projects by stage, what is blocked, open alerts. */
export function statusMessage(s: StatusView): SlackMessage {
  const stages = Object.entries(s.projectsPerStage)
    .map(([stage, n]) => `${escapeMrkdwn(stage)} ${n}`)
    .join(' · ');
  const blocked = s.blocked.length
    ? s.blocked
        .map((b) => `• *${escapeMrkdwn(b.key ?? b.name)}*: ${escapeMrkdwn(b.reason)} (${days(b.days)})`)
        .join('\n')
    : 'nothing is blocked';
  const alerts = s.alerts.length
    ? s.alerts.map((a) => `• ${a.severity}: ${escapeMrkdwn(a.message)}`).join('\n')
    : 'no open alerts';
  return {
    text: `Status of ${s.pod}`,
    blocks: [
      header(`Status of ${s.pod}`),
      section(`*Health*: ${s.health ?? 'not measured yet'}\n*Open projects by stage*: ${stages}`),
      section(`*Blocked*\n${blocked}`),
      section(`*Alerts*\n${alerts}`),
    ],
  };
}

/** `/clos gate`: the next gate, criterion by criterion. */
export function gateMessage(
  project: string,
  gate: {
    currentStage: string;
    nextStage: string | null;
    ready: boolean;
    criteria: { met: boolean; message: string }[];
  },
): SlackMessage {
  if (!gate.nextStage)
    return reply(
      `*${escapeMrkdwn(project)}* is in ${gate.currentStage}, the last stage: there is no gate ahead.`,
    );
  const title = `${project}: the gate into ${gate.nextStage}`;
  const lines = gate.criteria.map(
    (c) => `${c.met ? ':white_check_mark:' : ':x:'} ${escapeMrkdwn(c.message)}`,
  );
  const verdict = gate.ready ? 'Ready to advance.' : 'Not ready yet.';
  return { text: title, blocks: [header(title), section(`${lines.join('\n')}\n\n*${verdict}*`)] };
}

export interface BlockedView {
  id: string;
  key: string | null;
  name: string;
  pod: string;
  stage: string;
  reason: string;
  days: number;
}

export const DISCUSS_ACTION = 'clos_discuss_block';
export const UNBLOCK_ACTION = 'clos_unblock';

/**
 * `/unblock`: the blocked projects of the caller's pods, what blocks each and for how long, each with
 * "Start discussion" and, for those allowed to unblock, "Unblock".
 */
export function unblockMessage(
  blocked: readonly BlockedView[],
  pods: readonly string[],
  canUnblock = false,
): SlackMessage {
  if (blocked.length === 0)
    return reply(`Nothing is blocked in ${pods.length ? pods.join(', ') : 'your pods'}. :tada:`);
  const title = `${blocked.length} blocked project${blocked.length === 1 ? '' : 's'}`;
  return {
    text: title,
    blocks: [
      header(title),
      ...blocked.flatMap((b) => [
        section(
          `*${escapeMrkdwn(b.key ?? b.name)}* (${escapeMrkdwn(b.pod)}, ${escapeMrkdwn(b.stage)}), blocked ${days(b.days)}: ${escapeMrkdwn(b.reason)}`,
        ),
        {
          type: 'actions',
          block_id: `blocked_${b.id}`,
          elements: [
            {
              type: 'button',
              action_id: DISCUSS_ACTION,
              text: { type: 'plain_text', text: 'Start discussion' },
              value: b.id,
            },
            ...(canUnblock
              ? [
                  {
                    type: 'button',
                    action_id: UNBLOCK_ACTION,
                    style: 'primary',
                    text: { type: 'plain_text', text: 'Unblock' },
                    value: b.id,
                  },
                ]
              : []),
          ],
        },
      ]),
    ],
  };
}

/** The thread a "Start discussion" opens in the pod's channel, mentioning who can move the block. */
export function discussionMessage(
  b: BlockedView,
  mentions: readonly string[],
  startedBy: string,
): SlackMessage {
  const who = mentions.length ? `${mentions.map((id) => `<@${id}>`).join(' ')}: ` : '';
  const text = `${who}*${escapeMrkdwn(b.key ?? b.name)}* has been blocked ${days(b.days)} in ${escapeMrkdwn(b.stage)}: ${escapeMrkdwn(b.reason)}. What would unblock it? (started by <@${startedBy}>; reply in this thread)`;
  return { text: `${b.key ?? b.name} is blocked: ${b.reason}`, blocks: [section(text)] };
}

export const HELP = [
  '*CLOS in Slack*',
  '`/clos wip [pod]`: WIP per item type, holders and queue',
  '`/clos status [pod]`: health, projects by stage, blocked projects, open alerts',
  '`/clos gate <project>`: the next gate, criterion by criterion',
  '`/clos idea <title> [— description]`: submit an idea',
  '`/clos unblock` or `/unblock`: the blocked projects of your pods',
].join('\n');

/** Where one gate stands, for the approval request posted to the pod's channel. */
export interface ApprovalRequestView {
  projectId: string;
  /** The project's key, or its name. */
  project: string;
  pod: string;
  /** The stage the gate leads into. */
  stage: string;
  /** The project already went through this gate (or elsewhere): the buttons are gone. */
  passed: boolean;
  /** The latest evidence for the gate, field by field. */
  evidence: Record<string, unknown> | null;
  /** e.g. "needs 1 more approval from pod-lead (1 of 2)" */
  approvals: string;
  approvers: string[];
  /** Every criterion met: the project can advance. */
  ready: boolean;
  /** The latest rejection's comment and author, when the latest decision was a rejection. */
  rejected: { by: string; comment: string } | null;
}

export const APPROVE_ACTION = 'clos_gate_approve';
export const REJECT_ACTION = 'clos_gate_reject';
export const REJECT_VIEW = 'clos_gate_reject';

const evidenceLines = (evidence: Record<string, unknown> | null) =>
  evidence && Object.keys(evidence).length
    ? Object.entries(evidence)
        .slice(0, 10)
        .map(([k, v]) => {
          const text = typeof v === 'string' ? v : JSON.stringify(v);
          return `• *${escapeMrkdwn(k)}*: ${escapeMrkdwn(text.length > 200 ? `${text.slice(0, 199)}…` : text)}`;
        })
        .join('\n')
    : '_no evidence submitted_';

/**
 * The approval request: the project, the gate, the evidence and where approvals stand, with Approve and
 * Reject while the gate is open. Posted once and then updated in place after each click.
 */
export function approvalRequestMessage(v: ApprovalRequestView): SlackMessage {
  const title = `${v.project}: the gate into ${v.stage}`;
  const status = v.passed
    ? `:white_check_mark: *Advanced*: the project went through this gate into ${escapeMrkdwn(v.stage)}.`
    : v.ready
      ? `:white_check_mark: *Approved*: every criterion is met; it can advance to ${escapeMrkdwn(v.stage)}.`
      : `:hourglass: ${escapeMrkdwn(v.approvals)}`;
  const who = v.approvers.length ? `\nApproved by ${v.approvers.map(escapeMrkdwn).join(', ')}` : '';
  const rejected = v.rejected
    ? `\n:x: Rejected by ${escapeMrkdwn(v.rejected.by)}: ${escapeMrkdwn(v.rejected.comment)}`
    : '';
  const value = JSON.stringify({ projectId: v.projectId, stage: v.stage });
  return {
    text: `${title}: ${v.passed ? 'advanced' : v.ready ? 'approved' : 'awaiting approval'}`,
    blocks: [
      header(title),
      section(`*Evidence* (${escapeMrkdwn(v.pod)})\n${evidenceLines(v.evidence)}`),
      section(`${status}${who}${rejected}`),
      ...(v.passed || v.ready
        ? []
        : [
            {
              type: 'actions',
              block_id: 'gate_decision',
              elements: [
                {
                  type: 'button',
                  action_id: APPROVE_ACTION,
                  style: 'primary',
                  text: { type: 'plain_text', text: 'Approve' },
                  value,
                },
                {
                  type: 'button',
                  action_id: REJECT_ACTION,
                  style: 'danger',
                  text: { type: 'plain_text', text: 'Reject' },
                  value,
                },
              ],
            },
          ]),
    ],
  };
}

/** The modal a rejection's required comment is written in. */
export function rejectModal(title: string, privateMetadata: string): ModalView {
  const view = {
    type: 'modal' as const,
    callback_id: REJECT_VIEW,
    private_metadata: privateMetadata,
    title: { type: 'plain_text' as const, text: 'Reject the gate' },
    submit: { type: 'plain_text' as const, text: 'Reject' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      section(`*${escapeMrkdwn(title)}*\nSay what must change before it can pass: the team sees it.`),
      {
        type: 'input',
        block_id: 'comment',
        label: { type: 'plain_text', text: 'What needs to change' },
        element: { type: 'plain_text_input', action_id: 'comment', multiline: true, min_length: 3 },
      },
    ],
  };
  // The blocks here are built as plain records (so are messages'); the SDK's view type is stricter.
  return view as unknown as ModalView;
}
