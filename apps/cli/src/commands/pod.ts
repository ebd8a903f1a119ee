import type { Command } from 'commander';
import { action, morePages, nonNegativeNumber, type Runtime, wholeNumber } from '../context.ts';

const METRICS = [
  ['--velocity <n>', 'velocity', 'completed ÷ committed work in the period'],
  ['--wip-utilisation <n>', 'wipUtilisation', 'WIP in use ÷ WIP limit'],
  ['--blocked-items <n>', 'blockedItems', 'items blocked now'],
  ['--cycle-time-days <n>', 'cycleTimeDays', 'mean cycle time in days'],
  ['--deployment-success <n>', 'deploymentSuccess', 'successful ÷ all deployments, 0–1'],
  ['--blocked-days <n>', 'blockedDays', 'mean days the blocked items have been blocked'],
  ['--gate-refusals <n>', 'gateRefusals', 'gate rejections ÷ projects that reached a gate'],
  [
    '--demo-participation <n>',
    'demoParticipation',
    'members who took part in the weekly demo ÷ members, 0–1',
  ],
] as const;

type MetricKey = (typeof METRICS)[number][1];

export function registerPodCommands(program: Command, runtime: Runtime): void {
  const pod = program.command('pod').description('pods (teams): members, status, health, rotation');

  pod
    .command('register')
    .description('register a pod')
    .argument('<slug>', 'lowercase slug, e.g. payments')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--timezone <tz>', 'IANA time zone, e.g. Europe/London')
    .action(
      action<{ name: string; timezone: string }>(runtime, async (s, { name, timezone }, command) => {
        const created = await (await s.client()).registerPod({
          body: { slug: command.args[0] as string, name, timezone },
        });
        if (s.out.json) return s.out.printJson(created);
        s.out.line(`registered pod ${created.slug} (${created.name}, ${created.timezone})`);
      }),
    );

  pod
    .command('list')
    .description('pods, by slug')
    .option('--limit <n>', 'page size, 1–200', wholeNumber(1, 200))
    .option('--cursor <cursor>', 'the next page, from a previous listing')
    .action(
      action<{ limit?: number; cursor?: string }>(runtime, async (s, { limit, cursor }) => {
        const page = await (await s.client()).listPods({
          query: { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) },
        });
        if (s.out.json) return s.out.printJson(page);
        s.out.table(page.items, [
          { header: 'SLUG', value: (p) => p.slug },
          { header: 'NAME', value: (p) => p.name },
          { header: 'TIMEZONE', value: (p) => p.timezone },
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );

  pod
    .command('status')
    .description('members, WIP per item type, projects per stage and the latest health score')
    .argument('<slug>', 'pod')
    .action(
      action(runtime, async (s, _options, command) => {
        const status = await (await s.client()).getPodStatus({ params: { slug: command.args[0] as string } });
        if (s.out.json) return s.out.printJson(status);
        s.out.fields([
          ['pod', `${status.pod.name} (${status.pod.slug}, ${status.pod.timezone})`],
          [
            'health',
            status.health ? `${status.health.score} at ${status.health.recordedAt}` : 'not recorded',
          ],
          [
            'projects',
            Object.entries(status.projectsPerStage)
              .map(([stage, n]) => `${stage} ${n}`)
              .join(', ') || 'none',
          ],
        ]);
        s.out.line();
        s.out.table(status.wip, [
          { header: 'WIP TYPE', value: (w) => w.itemType },
          { header: 'USED', value: (w) => w.used },
          { header: 'LIMIT', value: (w) => w.limit },
        ]);
        s.out.line();
        s.out.table(status.members, [
          { header: 'MEMBER', value: (m) => m.email },
          { header: 'NAME', value: (m) => m.name },
          { header: 'ROLE', value: (m) => m.role },
          { header: 'POD ROLE', value: (m) => m.podRole },
        ]);
      }),
    );

  pod
    .command('members')
    .description("a pod's members")
    .argument('<slug>', 'pod')
    .option('--history', 'include past memberships')
    .action(
      action<{ history?: boolean }>(runtime, async (s, { history }, command) => {
        const members = await (await s.client()).listPodMembers({
          params: { slug: command.args[0] as string },
          ...(history ? { query: { history: 'true' as const } } : {}),
        });
        if (s.out.json) return s.out.printJson(members);
        s.out.table(members.items, [
          { header: 'MEMBER', value: (m) => m.email },
          { header: 'ROLE', value: (m) => m.role },
          { header: 'POD ROLE', value: (m) => m.podRole },
          { header: 'JOINED', value: (m) => m.joinedAt },
          { header: 'LEFT', value: (m) => m.leftAt },
        ]);
      }),
    );

  pod
    .command('add-member')
    .description('add an existing user to the pod, or change their pod role')
    .argument('<slug>', 'pod')
    .requiredOption('--email <email>', "the user's email")
    .option('--lead', 'as the pod lead')
    .action(
      action<{ email: string; lead?: boolean }>(runtime, async (s, { email, lead }, command) => {
        const member = await (await s.client()).addPodMember({
          params: { slug: command.args[0] as string },
          body: { email, podRole: lead ? 'lead' : 'member' },
        });
        if (s.out.json) return s.out.printJson(member);
        s.out.line(`${member.email} is a ${member.podRole} of ${command.args[0]}`);
      }),
    );

  const health = pod
    .command('health')
    .description('record health metrics (when any metric is given), else list recent snapshots')
    .argument('<slug>', 'pod')
    .option('--limit <n>', 'snapshots to list, 1–500', wholeNumber(1, 500));
  for (const [flag, , description] of METRICS) health.option(flag, description, nonNegativeNumber);
  health.action(
    action<Partial<Record<MetricKey, number>> & { limit?: number }>(runtime, async (s, options, command) => {
      const slug = command.args[0] as string;
      const client = await s.client();
      const metrics = Object.fromEntries(
        METRICS.flatMap(([, key]) => (options[key] === undefined ? [] : [[key, options[key]]])),
      ) as Partial<Record<MetricKey, number>>;
      if (Object.keys(metrics).length > 0) {
        const snapshot = await client.recordPodHealth({ params: { slug }, body: { metrics } });
        if (s.out.json) return s.out.printJson(snapshot);
        s.out.line(`${slug} health: ${snapshot.score}`);
        return;
      }
      const list = await client.listPodHealth({
        params: { slug },
        ...(options.limit ? { query: { limit: options.limit } } : {}),
      });
      if (s.out.json) return s.out.printJson(list);
      s.out.table(list.items, [
        { header: 'RECORDED', value: (h) => h.recordedAt },
        { header: 'SCORE', value: (h) => h.score },
        { header: 'SOURCE', value: (h) => h.source },
        {
          header: 'METRICS',
          value: (h) =>
            Object.entries(h.metrics)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
        },
      ]);
    }),
  );

  pod
    .command('rotate')
    .description('move a member to another pod (history is kept)')
    .argument('<slug>', 'the pod they leave')
    .requiredOption('--email <email>', "the member's email")
    .requiredOption('--to <slug>', 'the pod they join')
    .action(
      action<{ email: string; to: string }>(runtime, async (s, { email, to }, command) => {
        const result = await (await s.client()).rotatePodMember({
          params: { slug: command.args[0] as string },
          body: { email, toPod: to },
        });
        if (s.out.json) return s.out.printJson(result);
        s.out.line(`${result.email} moved from ${result.from} to ${result.to}`);
      }),
    );
}
