import {
  type Actor,
  type Ctx,
  can,
  DomainError,
  ForbiddenError,
  NotFoundError,
  type Services,
  SYSTEM_ACTOR,
} from '@clos/core';
import type { RuntimeEnv, RuntimeModule } from '@clos/workflows';
import { App, LogLevel, type Receiver } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { IntegrationLogger } from '../integration.ts';
import {
  APPROVE_ACTION,
  type ApprovalRequestView,
  approvalRequestMessage,
  type BlockedView,
  DISCUSS_ACTION,
  discussionMessage,
  gateMessage,
  HELP,
  REJECT_ACTION,
  REJECT_VIEW,
  rejectModal,
  reply,
  type SlackMessage,
  statusMessage,
  UNBLOCK_ACTION,
  unblockMessage,
  wipMessage,
} from './blocks.ts';
import { channelFor } from './notifier.ts';
import { SLACK_QUEUE, type SlackRequest } from './route.ts';
import type { SlackSettings } from './settings.ts';

const DAY = 86_400_000;
/** Command use is counted under `slack.command:<command> <subcommand>` (docs/slack-app.md). */
export const SLACK_COMMAND_METRIC = 'slack.command:';
const approvalKey = (projectId: string, stage: string) => `approval:${projectId}:${stage}`;
const SUBCOMMANDS = new Set(['wip', 'status', 'gate', 'idea', 'unblock', 'help']);
/** Reads for messages everyone in the channel sees are made as the app, not as whoever clicked. */
const SLACK_CTX: Ctx = { actor: { ...SYSTEM_ACTOR, label: 'slack' }, requestId: null };
/** A Slack user's email is looked up once and trusted for a day (an address can change on Slack's side). */
const IDENTITY_TTL_MS = DAY;

/**
 * Bolt receives nothing itself here: the webhook route verified and queued the request, and the job
 * hands it to Bolt, whose listeners do the work. `ack` was the route's 200, so it does nothing.
 */
class JobReceiver implements Receiver {
  private app: App | null = null;
  init(app: App) {
    this.app = app;
  }
  async start() {}
  async stop() {}
  async dispatch(body: Record<string, unknown>, retryNum: number) {
    await this.app!.processEvent({ body, retryNum, ack: async () => {} });
  }
}

/**
 * Whether a `response_url` may be called: it arrives in the request, so it is a URL the payload
 * supplies, and CLOS calls only Slack's own (`https://hooks.slack.com/…`) or one on the API root the
 * operator configured (a GovSlack or test endpoint). Anything else is answered through the Web API.
 */
export function isSlackResponseUrl(url: string | undefined, apiUrl: string): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' && u.host === 'hooks.slack.com') return true;
    return u.origin === new URL(apiUrl).origin;
  } catch {
    return false;
  }
}

/** Where `/clos` answers come from: a user's words split into a subcommand and its argument. */
export function parseCommand(text: string): { sub: string; arg: string } {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  return space === -1
    ? { sub: trimmed.toLowerCase(), arg: '' }
    : { sub: trimmed.slice(0, space).toLowerCase(), arg: trimmed.slice(space + 1).trim() };
}

/** `/clos idea Title — description`: an em dash (or ` -- `) separates the description. */
export function parseIdea(arg: string): { title: string; description: string | null } {
  const m = /\s+(?:—|--)\s+/.exec(arg);
  if (!m) return { title: arg.trim(), description: null };
  return {
    title: arg.slice(0, m.index).trim(),
    description: arg.slice(m.index + m[0].length).trim() || null,
  };
}

/**
 * The Slack app's job: `/clos` and `/unblock` answered as the CLOS user with the Slack user's email,
 * with their role and pods, exactly as over REST. Bolt runs the listeners; the Web API calls go to
 * the configured API URL.
 */
export function slackModule(settings: SlackSettings, logger: IntegrationLogger) {
  return (env: RuntimeEnv): RuntimeModule => {
    const services: Services = env.services;
    const receiver = new JobReceiver();
    const app = new App({
      token: settings.botToken,
      receiver,
      // No auth.test at start: the token is checked by the first call, and the server starts offline.
      tokenVerificationEnabled: false,
      clientOptions: { slackApiUrl: settings.apiUrl },
      logLevel: LogLevel.WARN,
      logger: {
        debug: () => {},
        info: (...m: unknown[]) => logger.info({}, m.join(' ')),
        warn: (...m: unknown[]) => logger.warn({}, m.join(' ')),
        error: (...m: unknown[]) => logger.error({}, m.join(' ')),
        setLevel: () => {},
        getLevel: () => LogLevel.WARN,
        setName: () => {},
      },
    });
    const identities = new Map<string, { email: string | null; at: number }>();

    /** The Slack user's email, from `users.info`, cached for a day. */
    async function emailOf(client: WebClient, slackUserId: string): Promise<string | null> {
      const now = env.deps.clock.now().getTime();
      const cached = identities.get(slackUserId);
      if (cached && now - cached.at < IDENTITY_TTL_MS) return cached.email;
      const info = await client.users.info({ user: slackUserId });
      const user = info.user;
      const email = user && !user.deleted && !user.is_bot ? (user.profile?.email ?? null) : null;
      identities.set(slackUserId, { email, at: now });
      return email;
    }

    /** The CLOS actor for a Slack user, or the words telling them how to get access. */
    async function actorOf(client: WebClient, slackUserId: string): Promise<Actor | string> {
      const email = await emailOf(client, slackUserId);
      if (!email)
        return 'CLOS could not read the email address of your Slack account (the app needs the `users:read.email` scope). Ask a CLOS admin.';
      const actor = await services.auth.actorForEmail(email, 'slack');
      return (
        actor ??
        `There is no CLOS account for ${email}. Ask a CLOS admin to add you (\`clos user create\` or the dashboard's Access page) with that email.`
      );
    }

    /** The pods a command applies to when it names none: the caller's, or every pod for an admin. */
    async function podsOf(ctx: Ctx, onlyId?: string): Promise<string[]> {
      const all = (await services.pods.list(ctx, { limit: 200 })).items.filter(
        (p) => !onlyId || p.id === onlyId,
      );
      if (ctx.actor.podIds.length === 0) return all.map((p) => p.slug);
      return all.filter((p) => ctx.actor.podIds.includes(p.id)).map((p) => p.slug);
    }

    async function blockedIn(ctx: Ctx, pods: readonly string[], only?: string): Promise<BlockedView[]> {
      const now = env.deps.clock.now().getTime();
      const out: BlockedView[] = [];
      for (const pod of pods) {
        const page = await services.stages.list(ctx, { pod, blocked: true, closed: false }, { limit: 200 });
        for (const p of page.items)
          if (!only || p.key === only || p.id === only)
            out.push({
              id: p.id,
              key: p.key,
              name: p.name,
              pod,
              stage: p.currentStage,
              reason: p.blockedReason ?? '',
              days: (now - (p.blockedAt ?? p.updatedAt).getTime()) / DAY,
            });
      }
      return out.sort((a, b) => b.days - a.days);
    }

    /** The answer to one `/clos …` (or `/unblock`), as the caller. Refusals are answers too. */
    async function answer(ctx: Ctx, command: string, text: string): Promise<SlackMessage> {
      const { sub, arg } = command === '/unblock' ? { sub: 'unblock', arg: text.trim() } : parseCommand(text);
      const defaultPod = async () => (arg ? arg : ((await podsOf(ctx))[0] ?? null));
      switch (sub) {
        case 'wip': {
          const pod = await defaultPod();
          if (!pod) return reply('Name a pod: `/clos wip <pod>`.');
          const status = await services.wip.getStatus(ctx, pod);
          return wipMessage(status.pod, status.types);
        }
        case 'status': {
          const pod = await defaultPod();
          if (!pod) return reply('Name a pod: `/clos status <pod>`.');
          const status = await services.pods.getStatus(ctx, pod);
          const alerts = await services.alerts.list(ctx, { status: 'open', pod }, { limit: 20 });
          return statusMessage({
            pod: status.pod.slug,
            health: status.health?.score ?? null,
            projectsPerStage: status.projectsPerStage,
            blocked: await blockedIn(ctx, [status.pod.slug]),
            alerts: alerts.items.map((a) => ({ severity: a.severity, message: a.message })),
          });
        }
        case 'gate': {
          if (!arg) return reply('Name a project: `/clos gate <project key>`.');
          return gateMessage(arg, await services.stages.evaluate(ctx, arg));
        }
        case 'idea': {
          const { title, description } = parseIdea(arg);
          if (!title) return reply('Give the idea a title: `/clos idea <title> — <description>`.');
          const submitted = await services.ideas.submit(ctx, { title, description });
          if (!submitted.ok) return reply(`The idea was not submitted: ${submitted.error.message}`);
          return reply(`Idea submitted: *${submitted.value.title}*. It is scored in the ideas ledger next.`);
        }
        case 'unblock': {
          const pods = await podsOf(ctx);
          return unblockMessage(
            await blockedIn(ctx, pods, arg || undefined),
            pods,
            can(ctx.actor, 'projects:work'),
          );
        }
        case '':
        case 'help':
          return reply(HELP);
        default:
          return reply(`Unknown command \`${sub}\`.\n${HELP}`);
      }
    }

    /**
     * An expected refusal (forbidden, not found, invalid, a conflict) in words, as the API would give
     * it; anything else is a failure the job records and retries.
     */
    function refusal(error: unknown): string | null {
      if (error instanceof ForbiddenError) return `Not allowed: ${error.message}`;
      if (error instanceof NotFoundError) return `Not found: ${error.message}`;
      if (error instanceof DomainError) return `That did not work: ${error.message}`;
      return null;
    }

    /**
     * One command, counted and answered as the Slack user: `/clos …`, `/unblock`, or `@clos …` in a
     * channel. A refusal or an unknown user is an answer too.
     */
    async function run(
      client: WebClient,
      slackUserId: string,
      command: string,
      text: string,
      requestId: string,
    ): Promise<SlackMessage> {
      const sub = command === '/unblock' ? '' : parseCommand(text).sub || 'help';
      await services.usage.count(
        `${SLACK_COMMAND_METRIC}${command}${sub ? ` ${SUBCOMMANDS.has(sub) ? sub : 'other'}` : ''}`,
      );
      const actor = await actorOf(client, slackUserId);
      if (typeof actor === 'string') return reply(actor);
      if (actor.userId)
        // Daily active users (seed §9): a failure to note it must not cost the person their answer.
        await services.usage
          .active(actor.userId, 'slack')
          .catch((err: unknown) => logger.error({ err }, 'recording the daily active user failed'));
      try {
        return await answer({ actor, requestId }, command === '@clos' ? '/clos' : command, text);
      } catch (error) {
        const words = refusal(error);
        if (!words) throw error;
        return reply(words);
      }
    }

    for (const command of ['/clos', '/unblock'])
      app.command(command, async ({ command: c, client, respond }) => {
        const message = await run(client, c.user_id, c.command, c.text, `slack:${c.trigger_id}`);
        if (isSlackResponseUrl(c.response_url, settings.apiUrl))
          await respond({ response_type: 'ephemeral', replace_original: false, ...message });
        else await client.chat.postEphemeral({ channel: c.channel_id, user: c.user_id, ...message });
      });

    // `@clos wip` in a channel (seed §3.2): the same commands, answered in the mention's thread.
    app.event('app_mention', async ({ event, client, body }) => {
      if (!event.user) return;
      const text = event.text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, '').trim();
      const eventId = (body as { event_id?: string }).event_id ?? event.ts;
      const message = await run(client, event.user, '@clos', text, `slack:${eventId}`);
      await client.chat.postMessage({
        channel: event.channel,
        thread_ts: event.thread_ts ?? event.ts,
        ...message,
      });
    });

    /** Where a gate stands now, for its approval request. */
    async function approvalView(projectId: string, stage: string): Promise<ApprovalRequestView> {
      const { project, evidence, approvals } = await services.stages.timeline(SLACK_CTX, projectId);
      const pod = (await services.pods.list(SLACK_CTX, { limit: 200 })).items.find(
        (p) => p.id === project.podId,
      );
      const gate = await services.stages.evaluate(SLACK_CTX, projectId);
      const passed = project.closedAt !== null || gate.nextStage !== stage;
      const count = gate.criteria.find((c) => c.kind === 'approvals') as
        | { message: string; approvers: string[] }
        | undefined;
      const forStage = approvals.filter((a) => a.stage === stage);
      const latest = forStage[forStage.length - 1];
      const latestEvidence = evidence.filter((e) => e.stage === stage).at(-1);
      return {
        projectId,
        project: project.key ?? project.name,
        pod: pod?.slug ?? '',
        stage,
        passed,
        evidence: latestEvidence?.data ?? null,
        approvals: count?.message ?? 'no approvals are needed',
        approvers: count?.approvers ?? [],
        ready: gate.ready,
        rejected:
          latest?.decision === 'reject' ? { by: latest.userEmail, comment: latest.comment ?? '' } : null,
      };
    }

    /** Posts a gate's approval request to its pod's channel (or the default); nowhere without one. */
    async function postApprovalRequest(projectId: string, stage: string) {
      const view = await approvalView(projectId, stage);
      if (view.passed || view.ready) return;
      const channel = channelFor(env.policy, view.pod);
      if (!channel) return;
      const posted = await app.client.chat.postMessage({
        channel,
        ...approvalRequestMessage(view),
        unfurl_links: false,
      });
      // Kept so a decision or an advance made elsewhere (API, dashboard) updates it in place too.
      if (posted.ts)
        await env.deps.uow.read.integrationMessages.remember({
          integration: 'slack',
          key: approvalKey(projectId, stage),
          channel: posted.channel ?? channel,
          ref: posted.ts,
          createdAt: env.deps.clock.now(),
        });
    }

    /** Brings a gate's approval request up to date after a decision or a move, wherever it was made. */
    async function refreshApprovalRequest(projectId: string, stage: string) {
      const message = await env.deps.uow.read.integrationMessages.find(
        'slack',
        approvalKey(projectId, stage),
      );
      if (!message) return;
      await app.client.chat.update({
        channel: message.channel,
        ts: message.ref,
        ...approvalRequestMessage(await approvalView(projectId, stage)),
      });
    }

    const gateOf = (value: string | undefined): { projectId: string; stage: string } | null => {
      try {
        const v = JSON.parse(value ?? '') as { projectId?: unknown; stage?: unknown };
        return typeof v.projectId === 'string' && typeof v.stage === 'string'
          ? { projectId: v.projectId, stage: v.stage }
          : null;
      } catch {
        return null;
      }
    };

    /**
     * Records a decision as the clicking user, exactly as `POST …/approvals` would: their role and pods
     * decide. The request message is updated in place; a refusal is told to them alone.
     */
    async function decide(
      client: WebClient,
      who: { slackUserId: string; triggerId: string },
      gate: { projectId: string; stage: string },
      decision: { decision: 'approve' | 'reject'; comment?: string },
      where: { channel: string; ts: string } | null,
    ) {
      const tell = async (text: string) => {
        if (where)
          await client.chat.postEphemeral({ channel: where.channel, user: who.slackUserId, ...reply(text) });
      };
      const actor = await actorOf(client, who.slackUserId);
      if (typeof actor === 'string') return tell(actor);
      const before = await approvalView(gate.projectId, gate.stage);
      if (before.passed) await tell('This gate was already passed; nothing was recorded.');
      else
        try {
          await services.stages.decide(
            { actor, requestId: `slack:${who.triggerId}` },
            gate.projectId,
            decision,
          );
        } catch (error) {
          const words = refusal(error);
          if (!words) throw error;
          await tell(words);
        }
      if (where)
        await client.chat.update({
          channel: where.channel,
          ts: where.ts,
          ...approvalRequestMessage(await approvalView(gate.projectId, gate.stage)),
        });
    }

    app.action(APPROVE_ACTION, async ({ body, action, client }) => {
      const b = body as {
        user: { id: string };
        trigger_id: string;
        container?: { channel_id?: string; message_ts?: string };
      };
      const gate = gateOf((action as { value?: string }).value);
      if (!gate) return;
      const where =
        b.container?.channel_id && b.container.message_ts
          ? { channel: b.container.channel_id, ts: b.container.message_ts }
          : null;
      await decide(
        client,
        { slackUserId: b.user.id, triggerId: b.trigger_id },
        gate,
        { decision: 'approve' },
        where,
      );
    });

    app.action(REJECT_ACTION, async ({ body, action, client }) => {
      const b = body as {
        user: { id: string };
        trigger_id: string;
        container?: { channel_id?: string; message_ts?: string };
      };
      const gate = gateOf((action as { value?: string }).value);
      if (!gate || !b.container?.channel_id || !b.container.message_ts) return;
      const where = { channel: b.container.channel_id, ts: b.container.message_ts };
      // Refused before the modal opens: a comment nobody may record would be lost work.
      const actor = await actorOf(client, b.user.id);
      const roles = env.policy.stages.find((st) => st.name === gate.stage)?.gate?.approvals.roles ?? [];
      const words =
        typeof actor === 'string'
          ? actor
          : !(roles as string[]).includes(actor.role)
            ? `Not allowed: the gate into "${gate.stage}" accepts decisions from ${roles.join(' or ')}; your role is ${actor.role}`
            : null;
      if (words) {
        await client.chat.postEphemeral({ channel: where.channel, user: b.user.id, ...reply(words) });
        return;
      }
      const view = await approvalView(gate.projectId, gate.stage);
      await client.views.open({
        trigger_id: b.trigger_id,
        view: rejectModal(
          `${view.project}: the gate into ${gate.stage}`,
          JSON.stringify({ ...gate, ...where }),
        ),
      });
    });

    app.view(REJECT_VIEW, async ({ body, view, client }) => {
      const meta = JSON.parse(view.private_metadata || '{}') as {
        projectId?: string;
        stage?: string;
        channel?: string;
        ts?: string;
      };
      const comment = view.state.values.comment?.comment?.value?.trim() ?? '';
      if (!meta.projectId || !meta.stage) return;
      await decide(
        client,
        { slackUserId: body.user.id, triggerId: (body as { trigger_id?: string }).trigger_id ?? view.id },
        { projectId: meta.projectId, stage: meta.stage },
        { decision: 'reject', comment },
        meta.channel && meta.ts ? { channel: meta.channel, ts: meta.ts } : null,
      );
    });

    /** A click on an ephemeral answer: who clicked, the project the button names, where to answer. */
    const clicked = (body: unknown, action: unknown, client: WebClient) => {
      const b = body as { user: { id: string }; trigger_id: string; channel?: { id?: string } };
      const projectId = (action as { value?: string }).value ?? '';
      const channel = b.channel?.id ?? null;
      /** Tells the clicker alone. */
      const tell = async (text: string) => {
        if (channel) await client.chat.postEphemeral({ channel, user: b.user.id, ...reply(text) });
      };
      return { slackUserId: b.user.id, triggerId: b.trigger_id, channel, projectId, tell };
    };

    /** "Start discussion": a thread in the pod's channel mentioning its leads and whoever blocked it. */
    app.action(DISCUSS_ACTION, async ({ body, action, client }) => {
      const c = clicked(body, action, client);
      const { tell } = c;
      const actor = await actorOf(client, c.slackUserId);
      if (typeof actor === 'string') return tell(actor);
      const ctx: Ctx = { actor, requestId: `slack:${c.triggerId}` };
      const project = await services.stages.get(ctx, c.projectId);
      const pod = (await podsOf({ actor: SYSTEM_ACTOR, requestId: null }, project.podId))[0];
      const [view] = pod ? await blockedIn(ctx, [pod], project.id) : [];
      if (!view) return tell(`${project.key ?? project.name} is not blocked any more.`);
      const channel = channelFor(env.policy, view.pod);
      if (!channel)
        return tell(`Pod ${view.pod} has no Slack channel (pods[].slack.channel) to discuss it in.`);
      const leads = (await services.pods.members(ctx, view.pod, false))
        .filter((m) => m.podRole === 'lead')
        .map((m) => m.email);
      const blocks = await services.audit.list(
        ctx,
        { subjectType: 'project', subjectId: project.id, action: 'stage.blocked' },
        { limit: 20 },
      );
      const blocker = [...blocks.items].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())[0];
      const blockerEmail = blocker?.actorLabel.replace(/ via \S+$/, '');
      const mentions: string[] = [];
      for (const email of new Set([...leads, ...(blockerEmail?.includes('@') ? [blockerEmail] : [])]))
        try {
          const found = await client.users.lookupByEmail({ email });
          if (found.user?.id) mentions.push(found.user.id);
        } catch {
          // Not in this workspace: the discussion goes ahead without them.
        }
      const posted = await client.chat.postMessage({
        channel,
        ...discussionMessage(view, mentions, c.slackUserId),
      });
      await tell(`Started a discussion of ${view.key ?? view.name} in ${channel} (thread ${posted.ts}).`);
    });

    /** "Unblock": as the clicking user, exactly as `POST …/unblock`. */
    app.action(UNBLOCK_ACTION, async ({ body, action, client }) => {
      const c = clicked(body, action, client);
      const { tell } = c;
      const actor = await actorOf(client, c.slackUserId);
      if (typeof actor === 'string') return tell(actor);
      try {
        const project = await services.stages.unblock(
          { actor, requestId: `slack:${c.triggerId}` },
          c.projectId,
          'unblocked from Slack',
        );
        await tell(`${project.key ?? project.name} is unblocked.`);
      } catch (error) {
        const words = refusal(error);
        if (!words) throw error;
        await tell(words);
      }
    });

    return {
      name: 'slack',
      subscribers: [
        {
          name: 'slack-approvals',
          types: ['gate.ready'],
          async dispatch(event, { enqueue }) {
            if (event.type !== 'gate.ready' || event.data.canAdvance || event.data.approvalsNeeded === 0)
              return;
            await enqueue(SLACK_QUEUE, {
              approvalRequest: { projectId: event.data.projectId, stage: event.data.stage },
            });
          },
        },
        {
          name: 'slack-approval-updates',
          types: ['gate.approved', 'gate.rejected', 'stage.advanced'],
          async dispatch(event, { enqueue }) {
            const after = (event.data as { after?: { stage?: unknown } }).after;
            if (!event.subjectId || typeof after?.stage !== 'string') return;
            await enqueue(SLACK_QUEUE, {
              approvalRefresh: { projectId: event.subjectId, stage: after.stage },
            });
          },
        },
      ],
      jobs: [
        {
          queue: SLACK_QUEUE,
          policy: {
            retryLimit: env.policy.workflows.retryLimit,
            retryDelay: env.policy.workflows.retryDelaySeconds,
            retryBackoff: true,
            expireInSeconds: env.policy.workflows.jobTimeoutSeconds,
          },
          async handle(data: {
            request?: SlackRequest;
            retryNum?: number;
            approvalRequest?: { projectId: string; stage: string };
            approvalRefresh?: { projectId: string; stage: string };
          }) {
            if (data.approvalRefresh)
              return refreshApprovalRequest(data.approvalRefresh.projectId, data.approvalRefresh.stage);
            if (data.approvalRequest)
              return postApprovalRequest(data.approvalRequest.projectId, data.approvalRequest.stage);
            if (!data.request) return;
            await receiver.dispatch(data.request.body as Record<string, unknown>, data.retryNum ?? 0);
          },
        },
      ],
    };
  };
}
