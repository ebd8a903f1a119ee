import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { TrendsSection } from '../components/trends.tsx';
import { Badge, Button, Card, formatPercent, Page, QueryState } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import {
  type Attention,
  type Better,
  describeChange,
  formatDays,
  formatPoints,
  KIND_TEXT,
  KIND_TONE,
  measuredStages,
  type WeekChange,
} from '../lib/overview.ts';

const TONE_CLASS = {
  good: 'text-green-700 dark:text-green-300',
  bad: 'text-red-700 dark:text-red-300',
  neutral: 'text-slate-600 dark:text-slate-300',
};

/** A figure's change against last week: arrow and delta, coloured by whether it is good news. */
function Change({
  change,
  better,
  format,
}: {
  change: WeekChange;
  better: Better;
  format: (n: number) => string;
}) {
  const t = describeChange(change, better, format);
  return (
    <span className={`text-xs ${TONE_CLASS[t.tone]}`}>
      {t.arrow ? (
        <span aria-hidden="true" className="mr-0.5">
          {t.arrow}
        </span>
      ) : null}
      {t.text}
    </span>
  );
}

/** One headline figure in a compact row: label, this week's value, and its change. */
function Figure({ label, value, children }: { label: string; value: ReactNode; children: ReactNode }) {
  return (
    <li className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-0.5 py-1.5">
      <span className="text-sm text-slate-600 dark:text-slate-300">{label}</span>
      <span className="flex items-baseline gap-2">
        <span className="font-semibold tabular-nums">{value}</span>
        {children}
      </span>
    </li>
  );
}

/** Rows shown before "Show all": the most urgent fit a phone's first screens. */
export const ATTENTION_SHOWN = 8;

function NeedsAttention({ items }: { items: Attention['items'] }) {
  const [all, setAll] = useState(false);
  const shown = all ? items : items.slice(0, ATTENTION_SHOWN);
  return (
    <Card title="Needs attention">
      {items.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-300">
          Nothing needs you right now: no full WIP limits, stuck gates, approvals, low health, ready ideas or
          critical alerts.
        </p>
      ) : (
        <ol
          aria-label="Needs attention, most urgent first"
          className="divide-y divide-slate-200 dark:divide-slate-800"
        >
          {shown.map((item) => (
            <li key={`${item.kind}:${item.subject.id}`}>
              <Link
                to={item.link}
                className="-mx-2 flex flex-col gap-1 rounded-lg px-2 py-2.5 hover:bg-slate-50 focus-visible:bg-slate-50 sm:flex-row sm:items-center sm:gap-3 dark:hover:bg-slate-800 dark:focus-visible:bg-slate-800"
              >
                <span className="flex shrink-0 items-center gap-2 sm:w-40">
                  <span className="w-5 text-right text-xs tabular-nums text-slate-500 dark:text-slate-400">
                    {item.rank}.
                  </span>
                  <Badge tone={KIND_TONE[item.kind]}>{KIND_TEXT[item.kind]}</Badge>
                </span>
                <span className="min-w-0">
                  <span className="block font-medium">{item.title}</span>
                  <span className="block text-sm text-slate-600 dark:text-slate-300">{item.why}</span>
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
      {items.length > shown.length ? (
        <Button variant="secondary" className="mt-3" onClick={() => setAll(true)}>
          Show all {items.length}
        </Button>
      ) : null}
    </Card>
  );
}

const count = (n: number) => String(n);

function Figures({ figures }: { figures: Attention['figures'] }) {
  const stages = measuredStages(figures);
  return (
    <div className="grid gap-4 md:grid-cols-3">
      <Card title="Throughput">
        <ul className="divide-y divide-slate-100 dark:divide-slate-800">
          <Figure label="Moved through a gate" value={figures.throughput.advanced.thisWeek}>
            <Change change={figures.throughput.advanced} better="up" format={count} />
          </Figure>
          <Figure label="Shipped" value={figures.throughput.shipped.thisWeek}>
            <Change change={figures.throughput.shipped} better="up" format={count} />
          </Figure>
        </ul>
        <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
          Projects in the last {figures.windowDays} days, against the {figures.windowDays} before.
        </p>
      </Card>
      <Card title="Cycle time per stage">
        {stages.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-300">
            No project left a stage in the last two weeks yet.
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {stages.map((s) => (
              <Figure key={s.stage} label={s.stage} value={formatDays(s.thisWeek)}>
                <Change change={s} better="down" format={(n) => formatDays(n)} />
              </Figure>
            ))}
          </ul>
        )}
        <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">Median days of stays that ended.</p>
      </Card>
      <Card title="WIP utilisation">
        <ul className="divide-y divide-slate-100 dark:divide-slate-800">
          {figures.wip.map((w) => (
            <Figure
              key={w.itemType}
              label={w.itemType}
              value={
                <>
                  {formatPercent(w.utilisation.thisWeek)}{' '}
                  <span className="text-xs font-normal text-slate-500 dark:text-slate-400">
                    {w.used}/{w.limit}
                  </span>
                </>
              }
            >
              <Change change={w.utilisation} better="neither" format={formatPoints} />
            </Figure>
          ))}
        </ul>
        <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
          <Link to="/wip" className="underline">
            Slots used of the limits
          </Link>{' '}
          over every pod, per item type.
        </p>
      </Card>
    </div>
  );
}

/** What to do first on an empty installation, in the order it has to happen. */
function GettingStarted({ empty }: { empty: Attention['empty'] }) {
  const link = 'font-medium text-teal-800 underline dark:text-teal-300';
  return (
    <Card title="Get started">
      <ol className="list-decimal space-y-3 pl-5 text-sm">
        <li className={empty.pods ? '' : 'text-slate-500 line-through dark:text-slate-400'}>
          {empty.pods ? null : <span className="sr-only">Done: </span>}
          <Link to="/pods" className={link}>
            Register a pod
          </Link>
          , or declare your pods, members and WIP limits under <code>pods:</code> in{' '}
          <code>clos.config.yaml</code> (see <code>docs/configuration.md</code>, section <code>pods</code>)
          and restart the server.
        </li>
        <li>
          <Link to="/projects" className={link}>
            Create a project
          </Link>{' '}
          in a pod: it starts in the first stage, and its gate says what evidence and approvals the next one
          needs (<code>docs/stage-gates.md</code>). Or submit an{' '}
          <Link to="/ideas" className={link}>
            idea
          </Link>{' '}
          and promote it once it is scored.
        </li>
        <li>
          Come back here: this page lists what needs you each morning, ranked by urgency. The{' '}
          <a href="/api/docs" className={link}>
            API reference
          </a>{' '}
          covers the CLI and CI integrations.
        </li>
      </ol>
    </Card>
  );
}

/** The overview: what needs the reader today, this week's figures against last week, and the trends. */
export function Overview() {
  const { client } = useSession();
  const query = useQuery({
    queryKey: ['dashboard', 'attention'],
    queryFn: () => client.getDashboardAttention({}),
  });

  return (
    <Page title="Overview">
      <QueryState query={query} what="the overview">
        {(a) => {
          const starting = a.empty.pods || a.empty.projects;
          return (
            <div className="space-y-6">
              {starting ? <GettingStarted empty={a.empty} /> : null}
              {starting && a.items.length === 0 ? null : <NeedsAttention items={a.items} />}
              {a.empty.projects ? null : <Figures figures={a.figures} />}
            </div>
          );
        }}
      </QueryState>
      <TrendsSection />
    </Page>
  );
}
