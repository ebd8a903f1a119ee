import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { Badge, Card, formatDate, Page, QueryState, SelectField, Table } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import {
  figuresOf,
  formatChange,
  formatValue,
  GROUPS,
  metState,
  PERIODS,
  periodQuery,
  type Scorecard as ScorecardData,
  type ScorecardFigure,
  targetText,
} from '../lib/scorecard.ts';

function FigureRow({ figure }: { figure: ScorecardFigure }) {
  const state = metState(figure);
  const change = formatChange(figure.change);
  return (
    <tr className="align-top">
      <th scope="row" className="px-3 py-2 text-left font-medium">
        {figure.label}
        <details className="mt-1 text-xs font-normal text-slate-600 dark:text-slate-300">
          <summary className="cursor-pointer text-teal-700 underline dark:text-teal-400">
            How it’s computed
          </summary>
          <p className="mt-1 max-w-prose">{figure.how}</p>
          {figure.detail?.length ? (
            <ul className="mt-1 space-y-0.5">
              {figure.detail.map((d) => (
                <li key={d.label}>
                  {d.label}: {formatValue(d.value, d.unit)} (previous {formatValue(d.previous, d.unit)})
                </li>
              ))}
            </ul>
          ) : null}
        </details>
      </th>
      <td className="px-3 py-2">{targetText(figure)}</td>
      <td className="px-3 py-2 tabular-nums">
        <span className="font-semibold">{formatValue(figure.value, figure.unit)}</span>
        {change ? <span className="ml-2 text-xs text-slate-500">{change}</span> : null}
        {figure.reason ? <p className="text-xs text-slate-500">{figure.reason}</p> : null}
      </td>
      <td className="px-3 py-2 tabular-nums">{formatValue(figure.previous, figure.unit)}</td>
      <td className="px-3 py-2">
        <Badge tone={state.tone}>
          <span aria-hidden="true">{state.tone === 'green' ? '✓ ' : state.tone === 'red' ? '✗ ' : ''}</span>
          {state.text}
        </Badge>
      </td>
    </tr>
  );
}

function Groups({ card }: { card: ScorecardData }) {
  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-600 dark:text-slate-300">
        This period: {formatDate(card.from)} – {formatDate(card.to)}; last period from{' '}
        {formatDate(card.previousFrom)}.
      </p>
      {GROUPS.map(({ group, title }) => (
        <section key={group} aria-labelledby={`scorecard-${group}`} className="space-y-2">
          <h2 id={`scorecard-${group}`} className="text-lg font-semibold">
            {title}
          </h2>
          <Table
            caption={`${title} figures`}
            head={['Figure', 'Target', 'This period', 'Last period', 'Target met']}
            minWidth="48rem"
          >
            {figuresOf(card, group).map((f) => (
              <FigureRow key={f.key} figure={f} />
            ))}
          </Table>
        </section>
      ))}
    </div>
  );
}

/** The success scorecard (seed §9): every figure against its target, this period and the one before. */
export function Scorecard() {
  const { client } = useSession();
  const [search, setSearch] = useSearchParams();
  const chosen = Number(search.get('days'));
  const days = PERIODS.some((p) => p.days === chosen) ? chosen : 7;
  const query = periodQuery(days, new Date());
  const card = useQuery({
    queryKey: ['scorecard', query],
    queryFn: () => client.getScorecard({ query }),
  });
  return (
    <Page
      title="Scorecard"
      actions={
        <SelectField
          label="Period"
          value={days}
          onChange={(e) => setSearch(new URLSearchParams({ days: e.target.value }), { replace: true })}
        >
          {PERIODS.map((p) => (
            <option key={p.days} value={p.days}>
              {p.label}
            </option>
          ))}
        </SelectField>
      }
    >
      <Card>
        <p className="text-sm">
          The success metrics of the operating model, computed by CLOS from what it records. Each figure is
          compared with the previous period of the same length.
        </p>
      </Card>
      <QueryState
        query={card}
        what="the scorecard"
        isEmpty={(d) => d.figures.length === 0}
        empty="No figures."
      >
        {(d) => <Groups card={d} />}
      </QueryState>
    </Page>
  );
}
