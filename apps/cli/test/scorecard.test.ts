import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { type CliSandbox, createSandbox, explain } from './run-clos.ts';

// Each `clos` run is a process start (about a second of CPU): the timeout allows for a busy machine.
// The CLI is an HTTP client: what it sends and prints does not depend on the server's database engine,
// which the server's own suite covers on both. One engine keeps this file's process starts from doubling.
describe.each(['pglite'] as const)('clos scorecard against a server on %s', (engine) => {
  let h: Harness;
  let cli: CliSandbox;

  beforeAll(async () => {
    h = await startHarness(engine);
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    cli = await createSandbox({ inProcess: true });
    cli.env = { CLOS_URL: url, CLOS_TOKEN: ADMIN_TOKEN };
    // The harness's clock stands at Monday 2 March 2026, 09:00 UTC.
    await h.services.usage.count('slack.command:/clos wip');
  });
  afterAll(async () => {
    await h?.close();
    await cli?.cleanup();
  });

  it('prints the figures for a period given in days, and the JSON with --json', {
    timeout: 60_000,
  }, async () => {
    const json = await cli.run([
      'scorecard',
      '--from',
      '2026-03-02',
      '--to',
      '2026-03-02T09:00:00Z',
      '--json',
    ]);
    expect(json.code, explain(json)).toBe(0);
    const card = json.json();
    expect(card).toMatchObject({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-02T09:00:00.000Z' });
    // One command on the one day the period touches.
    expect(card.figures.find((f: { key: string }) => f.key === 'slack_commands_per_day')).toMatchObject({
      value: 1,
      met: false,
    });

    const text = await cli.run(['scorecard', '--from', '2026-03-02', '--to', '2026-03-02T09:00:00Z']);
    expect(text.code, explain(text)).toBe(0);
    expect(text.stdout).toContain('Slack command usage');
    expect(text.stdout).toMatch(/API uptime\s+> 99\.9 %\s+—\s+—\s+—/);

    const bad = await cli.run(['scorecard', '--from', 'last week']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--from');
  });
});
