import { type Command, InvalidArgumentError } from 'commander';
import { action, type Runtime } from '../context.ts';

interface ScorecardOptions {
  from?: string;
  to?: string;
}

/** A day (`2026-03-02`, its 00:00 UTC) or an ISO date-time with an offset, as the API takes it. */
function instant(value: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/i.test(iso) && !Number.isNaN(Date.parse(iso))) return iso;
  throw new InvalidArgumentError('must be a day (2026-03-02) or an ISO date-time with an offset');
}

const UNITS: Record<string, string> = {
  '%': ' %',
  ms: ' ms',
  minutes: ' min',
  days: ' d',
  'per day': '/day',
  'per week': '/wk',
};
const shown = (value: number | null, unit: string) =>
  value === null ? '—' : `${Number(value.toFixed(3))}${UNITS[unit] ?? ''}`;

export function registerScorecardCommand(program: Command, runtime: Runtime): void {
  program
    .command('scorecard')
    .description('the success scorecard: every figure against its target, this period and the one before')
    .option(
      '--from <when>',
      'start of the period (a day or an ISO date-time); default 7 days before --to',
      instant,
    )
    .option('--to <when>', 'end of the period, excluded; default today 00:00 UTC', instant)
    .action(
      action<ScorecardOptions>(runtime, async (s, o) => {
        const query = { ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) };
        const card = await (await s.client()).getScorecard({ query });
        if (s.out.json) return s.out.printJson(card);
        s.out.line(`${card.from} – ${card.to} (previous from ${card.previousFrom})`);
        s.out.table(card.figures, [
          { header: 'GROUP', value: (f) => f.group },
          { header: 'FIGURE', value: (f) => f.label },
          { header: 'TARGET', value: (f) => f.target?.text ?? '—' },
          { header: 'THIS PERIOD', value: (f) => shown(f.value, f.unit) },
          { header: 'LAST PERIOD', value: (f) => shown(f.previous, f.unit) },
          { header: 'MET', value: (f) => (f.met === null ? '—' : f.met ? 'yes' : 'no') },
        ]);
      }),
    );
}
