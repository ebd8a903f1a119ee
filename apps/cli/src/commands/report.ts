import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, EXIT, toCliError, usageError } from '@clos/cli-kit';
import { ClosApiError, ClosConnectionError, type ErrorCode } from '@clos/contract';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { action, type Runtime, type Session } from '../context.ts';
import { resolveConnection } from '../profiles.ts';

type Format = 'json' | 'csv' | 'pdf';
type Kind = 'access' | 'soc2';

interface ReportOptions {
  from?: string;
  to?: string;
  format: Format;
  out?: string;
}

// Reports walk the whole audit chain: give them longer than an ordinary request unless told otherwise.
const DEFAULT_TIMEOUT_MS = 120_000;

const PATHS: Record<Kind, string> = {
  access: '/api/v1/reports/access',
  soc2: '/api/v1/reports/soc2',
};

/**
 * `--from`/`--to` as the API takes them: an ISO date-time with an offset, or a day (`2026-01-31`),
 * which means its start for `--from` and its end for `--to`, so a day given as both covers that day.
 */
function timeOption(end: 'start' | 'end') {
  return (value: string): string => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const iso = `${value}T${end === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`;
      if (!Number.isNaN(Date.parse(iso))) return iso;
    } else if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/i.test(value) && !Number.isNaN(Date.parse(value)))
      return value;
    throw new InvalidArgumentError('must be a day (2026-01-31) or an ISO date-time with an offset');
  };
}

function timeoutFrom(env: NodeJS.ProcessEnv): number {
  if (!env.CLOS_TIMEOUT_MS) return DEFAULT_TIMEOUT_MS;
  const ms = Number(env.CLOS_TIMEOUT_MS);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new CliError(
      `CLOS_TIMEOUT_MS: must be a whole number of milliseconds, got "${env.CLOS_TIMEOUT_MS}"`,
      EXIT.usage,
    );
  return ms;
}

/**
 * A CSV or PDF rendering: not JSON, so not through the typed client, but from the same profile or
 * environment, and failing the same way (the server's error envelope becomes the client's error).
 */
async function download(s: Session, kind: Kind, query: Record<string, string>): Promise<Buffer> {
  const { url, token } = await resolveConnection(s.globals.profile, s.runtime.env);
  const timeoutMs = timeoutFrom(s.runtime.env);
  const base = url.endsWith('/') ? url : `${url}/`;
  const target = new URL(PATHS[kind].slice(1), base);
  for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
  let res: Response;
  try {
    res = await fetch(target, {
      headers: {
        accept: query.format === 'pdf' ? 'application/pdf' : 'text/csv',
        'user-agent': 'clos-cli',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
    throw new ClosConnectionError(
      timedOut
        ? `no answer from ${target.origin} within ${timeoutMs} ms`
        : `cannot reach ${target.origin}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { url: target.toString(), cause, timedOut },
    );
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (res.ok) return body;
  let envelope: { error?: { code?: string; message?: string; details?: unknown; requestId?: string } } = {};
  try {
    envelope = JSON.parse(body.toString('utf8'));
  } catch {
    // Not the server's envelope (a proxy's page): reported by status below.
  }
  const e = envelope.error;
  throw new ClosApiError({
    status: res.status,
    code: (e?.code ?? (res.status >= 500 ? 'internal_error' : 'invalid_request')) as ErrorCode,
    message: e?.message ?? `the server answered ${res.status}`,
    details: e?.details as never,
    requestId: e?.requestId ?? res.headers.get('x-request-id'),
    route: kind === 'access' ? 'getAccessReport' : 'getSoc2Report',
  });
}

async function runReport(s: Session, kind: Kind, o: ReportOptions) {
  if (o.format === 'pdf' && !o.out) throw usageError('a PDF needs a file: add --out FILE');
  const query: Record<string, string> = { format: o.format };
  if (o.from) query.from = o.from;
  if (o.to) query.to = o.to;

  let body: Buffer;
  if (o.format === 'json') {
    const client = await s.client();
    const report =
      kind === 'access'
        ? await client.getAccessReport({ query: { format: 'json', from: o.from, to: o.to } })
        : await client.getSoc2Report({ query: { format: 'json', from: o.from!, to: o.to! } });
    body = Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
  } else {
    try {
      body = await download(s, kind, query);
    } catch (error) {
      throw toCliError(error);
    }
  }

  if (!o.out) {
    process.stdout.write(body);
    return;
  }
  const file = resolve(s.runtime.cwd, o.out);
  await writeFile(file, body);
  if (s.out.json) s.out.printJson({ report: kind, format: o.format, file, bytes: body.length });
  else
    s.out.line(
      `wrote the ${kind === 'soc2' ? 'SOC 2' : 'access'} report (${o.format}, ${body.length} bytes) to ${file}`,
    );
}

/** `clos report access|soc2`: the compliance reports, as JSON, CSV or PDF (admins only). */
export function registerReportCommands(program: Command, runtime: Runtime): void {
  const report = program
    .command('report')
    .description(
      'compliance reports: access (who has access, and how) and SOC 2 (change-management evidence); admins only',
    );
  const format = () =>
    new Option('--format <format>', 'json, csv or pdf').choices(['json', 'csv', 'pdf']).default('json');
  const out = '--out <file>';
  const outHelp = 'write the report to FILE (required for pdf); without it json and csv go to stdout';

  report
    .command('access')
    .description(
      'every user with role, pods, sign-in method, MFA, sessions and tokens; findings; access changes in the period',
    )
    .option(
      '--from <time>',
      'start of the access-changes period (default: 90 days before --to)',
      timeOption('start'),
    )
    .option('--to <time>', 'end of the period (default: now)', timeOption('end'))
    .addOption(format())
    .option(out, outHelp)
    .action(action<ReportOptions>(runtime, (s, o) => runReport(s, 'access', o)));

  report
    .command('soc2')
    .description(
      'stage transitions with evidence and approvals (segregation of duties flagged), blocks, access changes, token lifecycle and the audit chain, for a period of at most a year',
    )
    .requiredOption(
      '--from <time>',
      'start of the period: a day (2026-01-01) or an ISO date-time',
      timeOption('start'),
    )
    .requiredOption('--to <time>', 'end of the period (a day means its end)', timeOption('end'))
    .addOption(format())
    .option(out, outHelp)
    .action(action<ReportOptions>(runtime, (s, o) => runReport(s, 'soc2', o)));
}
