import { composeServices } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase, testEngines } from '@clos/testing';
import { describe, expect, it } from 'vitest';

const FILE = {
  pods: [
    {
      slug: 'ratio',
      name: 'Ratio',
      timezone: 'Europe/London',
      members: [
        { email: 'lead@example.com', name: 'Lea', role: 'pod-lead', podRole: 'lead' },
        { email: 'dev@example.com', role: 'developer' },
      ],
      wipLimits: { project: 2 },
    },
  ],
};

describe.each(testEngines())('config file application on %s', (engine) => {
  it('servers starting together on an empty database create one admin and apply the file once', async () => {
    const database = await openTestDatabase(engine);
    try {
      const servers = [1, 2, 3].map(() =>
        composeServices({ database, policy: defaultPolicy(FILE), clock: new FakeClock() }),
      );
      const boots = await Promise.all(servers.map((s) => s.auth.bootstrap({ email: 'admin@example.com' })));
      expect(boots.filter((b) => b !== null)).toHaveLength(1);
      const applied = await Promise.all(servers.map((s) => s.applyPolicy()));
      expect(applied.filter((a) => a.applied.length > 0)).toHaveLength(1);
      expect((await database.query<{ n: string }>('select count(*)::text as n from pods'))[0]!.n).toBe('1');
    } finally {
      await database.close();
    }
  });

  it('creates pods, members and limits once; API changes survive restarts until the file changes', async () => {
    const database = await openTestDatabase(engine);
    try {
      const clock = new FakeClock();
      const start = (file: Record<string, unknown>) =>
        composeServices({ database, policy: defaultPolicy(file), clock });
      const admin = {
        actor: { userId: null, tokenId: null, role: 'admin' as const, podIds: [], label: 'test' },
        requestId: null,
      };

      const first = start(FILE);
      const applied = await first.applyPolicy();
      expect(applied.applied).toEqual([
        'pod:ratio',
        'pod:ratio:member:lead@example.com',
        'pod:ratio:member:dev@example.com',
        'wip:ratio:project',
      ]);
      const status = await first.pods.getStatus(admin, 'ratio');
      expect(status.members.map((m) => [m.email, m.podRole, m.role])).toEqual([
        ['dev@example.com', 'member', 'developer'],
        ['lead@example.com', 'lead', 'pod-lead'],
      ]);
      expect(status.wip.find((w) => w.itemType === 'project')!.limit).toBe(2);
      const audit = await first.audit.list(admin, { action: 'wip.limit_set' }, { limit: 10 });
      expect(audit.items[0]!.actorLabel).toBe('config');

      // Restart with the same file: nothing to apply.
      expect((await start(FILE).applyPolicy()).applied).toEqual([]);

      // An API change survives a restart with an unchanged file…
      await first.wip.setLimit(admin, 'ratio', 'project', 5);
      await start(FILE).applyPolicy();
      expect((await first.wip.checkLimit(admin, 'ratio', 'project')).limit).toBe(5);

      // …until the file's own value changes; then the file wins.
      const edited = { pods: [{ ...FILE.pods[0], wipLimits: { project: 4 } }] };
      expect((await start(edited).applyPolicy()).applied).toEqual(['wip:ratio:project']);
      expect((await first.wip.checkLimit(admin, 'ratio', 'project')).limit).toBe(4);

      // A member's role edited in the file is applied to the user, audited.
      const promoted = {
        pods: [
          {
            ...edited.pods[0],
            members: [FILE.pods[0]!.members[0], { email: 'dev@example.com', role: 'pod-lead' }],
          },
        ],
      };
      await start(promoted).applyPolicy();
      const dev = (await first.pods.members(admin, 'ratio', false)).find(
        (m) => m.email === 'dev@example.com',
      );
      expect(dev!.role).toBe('pod-lead');
      expect((await first.audit.list(admin, { action: 'user.updated' }, { limit: 5 })).items).toHaveLength(1);
      expect((await first.audit.verify(admin)).ok).toBe(true);
    } finally {
      await database.close();
    }
  });
});
