import { prettyJson } from '../lib/runs.ts';

/** A JSON value folded away under a labelled summary: run inputs, step outputs, audit before/after. */
export function JsonDetails({ label, value }: { label: string; value: unknown }) {
  return (
    <details className="group rounded-lg border border-slate-200 dark:border-slate-800">
      <summary className="cursor-pointer select-none px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-teal-600">
        {label}
      </summary>
      <pre className="max-h-96 overflow-auto border-t border-slate-200 bg-slate-50 p-3 text-xs dark:border-slate-800 dark:bg-slate-950">
        {prettyJson(value)}
      </pre>
    </details>
  );
}
