import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh embedded database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { type CliResult, type CliSandbox, createSandbox, explain } from './run-clos.ts';

// Each `clos` run is a process start (about a second of CPU): the timeout allows for a busy machine.
describe('clos report', { timeout: 180_000 }, () => {
  let h: Harness;
  let cli: CliSandbox;
  let viewerToken: string;
  const clos = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    h.clock.advance(1000);
    return cli.run(args, { env });
  };

  beforeAll(async () => {
    h = await startHarness('pglite');
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    cli = await createSandbox({ inProcess: true });
    cli.env = { CLOS_URL: url, CLOS_TOKEN: ADMIN_TOKEN };
    viewerToken = (await h.userWithToken('viewer', { email: 'vera@example.com' })).token;
  });
  afterAll(async () => {
    await h?.close();
    await cli?.cleanup();
  });

  it('access --format csv --out FILE writes the CSV, findings first', async () => {
    const result = await clos(['report', 'access', '--format', 'csv', '--out', 'access.csv']);
    expect(result.code, explain(result)).toBe(0);
    expect(result.stdout).toMatch(/^wrote the access report \(csv, \d+ bytes\) to .*access\.csv\n$/);
    const csv = await readFile(join(cli.home, 'access.csv'), 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines.slice(0, 2)).toEqual(['Findings', 'Severity,Finding,Subject,Details']);
    expect(csv).toContain('vera@example.com');
    // The bootstrap admin never signed in with SSO and holds a token that never expires.
    expect(csv).toContain('admin_token_never_expires');
  });

  it('access --format pdf --out FILE writes a PDF; a PDF without --out is a usage error', async () => {
    const result = await clos(['report', 'access', '--format', 'pdf', '--out', 'access.pdf']);
    expect(result.code, explain(result)).toBe(0);
    const pdf = await readFile(join(cli.home, 'access.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1000);

    const refused = await clos(['report', 'access', '--format', 'pdf']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a PDF needs a file: add --out FILE');
  });

  it('prints JSON and CSV to stdout without --out, and takes days for the period', async () => {
    const json = await clos(['report', 'soc2', '--from', '2026-03-01', '--to', '2026-03-31']);
    expect(json.code, explain(json)).toBe(0);
    expect(json.json()).toMatchObject({
      report: 'soc2',
      period: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-31T23:59:59.999Z' },
      auditChain: { valid: true },
    });
    const csv = await clos([
      'report',
      'soc2',
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-31',
      '--format',
      'csv',
    ]);
    expect(csv.code, explain(csv)).toBe(0);
    expect(csv.stdout.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('Findings');
  });

  it('fails like any other command: bad periods exit 2 naming the field, non-admins exit 3', async () => {
    const backwards = await clos([
      'report',
      'soc2',
      '--from',
      '2026-03-31',
      '--to',
      '2026-03-01',
      '--format',
      'csv',
    ]);
    expect(backwards.code, explain(backwards)).toBe(2);
    expect(backwards.stderr).toContain('querystring.from: must be before `to`');

    const missing = await clos(['report', 'soc2', '--to', '2026-03-01']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--from <time>' not specified");

    const badDay = await clos(['report', 'access', '--from', '2026-02-30']);
    expect(badDay.code).toBe(2);

    for (const format of ['json', 'pdf']) {
      const forbidden = await clos(['report', 'access', '--format', format, '--out', `x.${format}`], {
        CLOS_TOKEN: viewerToken,
      });
      expect(forbidden.code, explain(forbidden)).toBe(3);
      expect(forbidden.stderr).toContain('this needs the "reports:read" permission');
    }
  });
});
