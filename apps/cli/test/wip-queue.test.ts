import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh embedded database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { type CliResult, type CliSandbox, createSandbox, explain } from './run-clos.ts';

// Each `clos` run is a process start (about a second of CPU): the timeout allows for a busy machine.
describe('clos wip with a queue', { timeout: 180_000 }, () => {
  let h: Harness;
  let cli: CliSandbox;

  /** One `clos` command; the clock moves a second per command, so arrivals have distinct times. */
  function clos(args: string[]): Promise<CliResult> {
    h.clock.advance(1000);
    return cli.run(args);
  }

  beforeAll(async () => {
    h = await startHarness('pglite');
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    cli = await createSandbox({ inProcess: true });
    cli.env = { CLOS_URL: url, CLOS_TOKEN: ADMIN_TOKEN };
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 1 });
  });
  afterAll(async () => {
    await h?.close();
    await cli?.cleanup();
  });

  it('acquire --queue waits in line (exit 0), queue lists the line, release --item leaves it', async () => {
    const acquire = (n: number) => [
      'wip',
      'acquire',
      '--pod',
      'ratio',
      '--type',
      'pull-request',
      '--item',
      `web#${n}`,
      '--queue',
      '--label',
      `Fix checkout ${n} (ada)`,
      '--url',
      `https://github.com/acme/web/pull/${n}`,
    ];
    const held = await clos(acquire(1));
    expect(held.code, explain(held)).toBe(0);
    expect(held.stdout).toContain('web#1 now holds a pull-request slot in ratio');
    const waiting = await clos(acquire(2));
    expect(waiting.code, explain(waiting)).toBe(0);
    expect(waiting.stdout).toContain(
      'web#2 waits for a pull-request slot in ratio: place 1 in line (0 ahead)',
    );
    const json = await clos(['--json', ...acquire(3)]);
    expect(json.json()).toMatchObject({ queued: true, position: 2, ahead: 1, label: 'Fix checkout 3 (ada)' });

    const queue = await clos(['wip', 'queue', '--pod', 'ratio']);
    expect(queue.code, explain(queue)).toBe(0);
    expect(queue.stdout).toMatch(/^TYPE\s+POSITION\s+ITEM\s+LABEL\s+WAITING SINCE\n/);
    expect(queue.stdout).toMatch(/\npull-request\s+1\s+web#2\s+Fix checkout 2 \(ada\)\s+2026-/);
    expect(queue.stdout).toMatch(/\npull-request\s+2\s+web#3\s+/);
    const status = await clos(['wip', 'status', '--pod', 'ratio', '--type', 'pull-request']);
    expect(status.stdout).toMatch(/\s+web#1\s+\S+\s+Fix checkout 1 \(ada\)\n/);
    expect(status.stdout).toMatch(/\npull-request\s+1\s+web#2\s+/);

    const release = ['wip', 'release', '--pod', 'ratio', '--type', 'pull-request', '--item'];
    const left = await clos([...release, 'web#2']);
    expect(left.code, explain(left)).toBe(0);
    expect(left.stdout).toContain('web#2 left the pull-request queue of ratio');
    // Releasing the holder lets the next in line (now web#3) take the slot.
    const released = await clos([...release, 'web#1']);
    expect(released.stdout).toMatch(/^released lock [0-9a-f-]{36} \(pull-request web#1\)/);
    const after = await clos(['--json', 'wip', 'queue', '--pod', 'ratio', '--type', 'pull-request']);
    expect(after.json().types.find((t: { itemType: string }) => t.itemType === 'pull-request').queue).toEqual(
      [],
    );
    const empty = await clos(['wip', 'queue', '--pod', 'ratio', '--type', 'pull-request']);
    expect(empty.stdout).toBe('nobody waits for a pull-request slot in ratio\n');
    const holders = (await h.call('GET', '/api/v1/pods/ratio/wip')).json().types[1].holders;
    expect(holders.map((x: { itemId: string }) => x.itemId)).toEqual(['web#3']);
  });

  // In this file for its live server (a harness start is the slow part of a CLI test).
  it('pod health records the new metrics and lists each snapshot with its source', async () => {
    const recorded = await clos([
      '--json',
      'pod',
      'health',
      'ratio',
      '--blocked-days',
      '2.5',
      '--gate-refusals',
      '0.5',
      '--demo-participation',
      '0.75',
    ]);
    expect(recorded.code, explain(recorded)).toBe(0);
    expect(recorded.json()).toMatchObject({
      source: 'manual',
      metrics: { blockedDays: 2.5, gateRefusals: 0.5, demoParticipation: 0.75 },
    });
    const listed = await clos(['pod', 'health', 'ratio']);
    expect(listed.stdout).toMatch(/^RECORDED\s+SCORE\s+SOURCE\s+METRICS\n/);
    expect(listed.stdout).toMatch(/\s+manual\s+blockedDays=2\.5 gateRefusals=0\.5 demoParticipation=0\.75\n/);
    const wrong = await clos(['pod', 'health', 'ratio', '--demo-participation', '1.5']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('demoParticipation');
  });
});
