import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { JsonDetails } from '../components/json-details.tsx';
import { Badge, Card, formatDate, Page, QueryState } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { runDurationText, statusTone, type WorkflowRunDetail, type WorkflowStep } from '../lib/runs.ts';

function Step({ step }: { step: WorkflowStep }) {
  return (
    <li className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-xs tabular-nums text-slate-500">#{step.position + 1}</span>
        <h3 className="font-medium">{step.name}</h3>
        <Badge tone={statusTone(step.status)}>{step.status}</Badge>
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-xs text-slate-500">Attempts</dt>
          <dd className="tabular-nums">{step.attempts}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Started</dt>
          <dd>{formatDate(step.startedAt)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Finished</dt>
          <dd>{formatDate(step.finishedAt)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Duration</dt>
          <dd className="tabular-nums">{runDurationText(step)}</dd>
        </div>
      </dl>
      {step.error ? (
        <pre className="mt-2 whitespace-pre-wrap break-words rounded-md bg-red-50 p-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-200">
          <span className="sr-only">Error: </span>
          {step.error}
        </pre>
      ) : null}
      {step.output !== undefined && step.output !== null ? (
        <div className="mt-2">
          <JsonDetails label={`Output of ${step.name}`} value={step.output} />
        </div>
      ) : null}
    </li>
  );
}

function RunBody({ run }: { run: WorkflowRunDetail }) {
  const steps = [...run.steps].sort((a, b) => a.position - b.position);
  return (
    <>
      <Card>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
          <div>
            <dt className="text-xs text-slate-500">Status</dt>
            <dd>
              <Badge tone={statusTone(run.status)}>{run.status}</Badge>
            </dd>
          </div>
          <div className="sm:col-span-1 lg:col-span-3">
            <dt className="text-xs text-slate-500">Key</dt>
            <dd className="break-all font-mono text-xs">{run.key}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Attempts</dt>
            <dd className="tabular-nums">{run.attempts}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Scheduled for</dt>
            <dd>{formatDate(run.scheduledFor)}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Created</dt>
            <dd>{formatDate(run.createdAt)}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Started</dt>
            <dd>{formatDate(run.startedAt)}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Finished</dt>
            <dd>{formatDate(run.finishedAt)}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Duration</dt>
            <dd className="tabular-nums">{runDurationText(run)}</dd>
          </div>
        </dl>
        {run.error ? (
          <div
            role="note"
            className="mt-3 rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
          >
            <strong className="font-semibold">Run error:</strong>{' '}
            <span className="whitespace-pre-wrap break-words">{run.error}</span>
          </div>
        ) : null}
        <div className="mt-3 grid gap-2 md:grid-cols-2">
          <JsonDetails label="Input" value={run.input} />
          <JsonDetails label="Output" value={run.output} />
        </div>
      </Card>
      <Card title={`Steps (${steps.length})`}>
        {steps.length === 0 ? (
          <p className="text-sm text-slate-500">No step has started yet.</p>
        ) : (
          <ol className="space-y-2">
            {steps.map((s) => (
              <Step key={s.id} step={s} />
            ))}
          </ol>
        )}
      </Card>
    </>
  );
}

/** One workflow run: its steps with status, attempts, timing, errors, and the run's input and output. */
export function RunDetail() {
  const { id = '' } = useParams();
  const { client } = useSession();
  const run = useQuery({
    queryKey: ['runs', id],
    queryFn: () => client.getWorkflowRun({ params: { id } }),
  });
  return (
    <Page
      title={run.data ? `Workflow run: ${run.data.workflow}` : 'Workflow run'}
      actions={
        <Link to="/runs" className="text-sm text-teal-700 underline dark:text-teal-400">
          All runs
        </Link>
      }
    >
      <QueryState query={run} what="the run">
        {(r) => <RunBody run={r} />}
      </QueryState>
    </Page>
  );
}
