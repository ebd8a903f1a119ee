import { ClosApiError } from '@clos/contract/client';
import type { UseQueryResult } from '@tanstack/react-query';
import type {
  ButtonHTMLAttributes,
  CSSProperties,
  InputHTMLAttributes,
  ReactNode,
  SelectHTMLAttributes,
  TextareaHTMLAttributes,
} from 'react';
import { useEffect, useId, useRef } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../lib/api.ts';

/**
 * Whether TanStack Query should try a failed query again: a 4xx answer (refused, not found, invalid)
 * is the same on every try, so a bad id shows "not found" at once; a 5xx, a timeout or a network
 * failure may pass, so those are tried twice more.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ClosApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

/** A view's frame: its title (the page's one <h1>), optional actions, and its content. */
export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="mx-auto w-full max-w-7xl space-y-6 p-4 sm:p-6" aria-labelledby="page-title">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 id="page-title" className="text-2xl font-semibold tracking-tight">
          {title}
        </h1>
        {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function Card({
  title,
  children,
  className = '',
}: {
  title?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section
      className={`rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900 ${className}`}
    >
      {title ? <h2 className="mb-3 text-base font-semibold">{title}</h2> : null}
      {children}
    </section>
  );
}

/** One headline figure, optionally linking to its detail. */
export function Stat({
  label,
  value,
  hint,
  href,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  href?: string;
}) {
  const body = (
    <>
      <div className="text-sm text-slate-500 dark:text-slate-400">{label}</div>
      <div className="mt-1 text-3xl font-semibold tabular-nums">{value}</div>
      {hint ? <div className="mt-1 text-xs text-slate-500 dark:text-slate-400">{hint}</div> : null}
    </>
  );
  const cls =
    'block rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900';
  // A router link: following a figure keeps the app (and its live stream) instead of reloading the page.
  return href ? (
    <Link to={href} className={`${cls} hover:border-teal-500 focus-visible:border-teal-500`}>
      {body}
    </Link>
  ) : (
    <div className={cls}>{body}</div>
  );
}

type Variant = 'primary' | 'secondary' | 'danger';
const VARIANTS: Record<Variant, string> = {
  primary: 'bg-teal-700 text-white hover:bg-teal-800 disabled:bg-teal-700/50',
  secondary:
    'border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700',
  danger: 'bg-red-700 text-white hover:bg-red-800 disabled:bg-red-700/50',
};

export function Button({
  variant = 'primary',
  className = '',
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex min-h-10 items-center justify-center gap-2 rounded-lg px-3 py-2 text-sm font-medium disabled:cursor-not-allowed ${VARIANTS[variant]} ${className}`}
    />
  );
}

const FIELD =
  'mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950';

/** A labelled input: every control has a visible label tied to it. */
export function TextField({
  label,
  hint,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input id={id} {...props} className={FIELD} aria-describedby={hint ? `${id}-hint` : undefined} />
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function TextArea({
  label,
  ...props
}: TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <textarea id={id} {...props} className={FIELD} />
    </div>
  );
}

export function SelectField({
  label,
  children,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; children: ReactNode }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <select id={id} {...props} className={FIELD}>
        {children}
      </select>
    </div>
  );
}

export function Badge({
  children,
  tone = 'slate',
}: {
  children: ReactNode;
  tone?: 'slate' | 'green' | 'amber' | 'red' | 'teal';
}) {
  const tones = {
    slate: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200',
    green: 'bg-green-100 text-green-800 dark:bg-green-900/50 dark:text-green-200',
    amber: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
    red: 'bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-200',
    teal: 'bg-teal-100 text-teal-800 dark:bg-teal-900/50 dark:text-teal-200',
  };
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>
      {children}
    </span>
  );
}

/** A failed action or load, with the server's message. `role="alert"` so screen readers announce it. */
export function ErrorNote({ error, title = 'That did not work' }: { error: unknown; title?: string }) {
  return (
    <div
      role="alert"
      className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
    >
      <strong className="font-semibold">{title}.</strong> {errorMessage(error)}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p role="status" aria-live="polite" className="animate-pulse text-sm text-slate-500">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700">
      {children}
    </p>
  );
}

/**
 * The three states every loaded view has: loading, failed (with the server's message and a retry),
 * and loaded — where `isEmpty` decides between the content and `empty`.
 */
export function QueryState<T>({
  query,
  children,
  isEmpty,
  empty,
  what,
}: {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  what?: string;
}) {
  if (query.isPending) return <Loading what={what ? `Loading ${what}` : 'Loading'} />;
  if (query.isError)
    return (
      <div className="space-y-2">
        <ErrorNote error={query.error} title={what ? `Could not load ${what}` : 'Could not load this'} />
        <Button variant="secondary" onClick={() => void query.refetch()}>
          Try again
        </Button>
      </div>
    );
  if (isEmpty?.(query.data)) return <Empty>{empty ?? 'Nothing here yet.'}</Empty>;
  return <>{children(query.data)}</>;
}

export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatPercent(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)} %`;
}

/**
 * Gives every body cell of the tables under `root` a `data-label`: its column's heading. Below 640 px
 * the styles draw each row as a card and each cell with that label before it (styles.css), so a
 * phone reads a table top to bottom instead of scrolling it sideways. Idempotent and cheap: only
 * changed labels are written.
 */
export function labelTableCells(root: ParentNode): void {
  // Plain element lookups rather than `tHead.rows`/`cells`: the same code runs in test DOMs too.
  const span = (cell: Element) => Math.max(1, Number(cell.getAttribute('colspan')) || 1);
  for (const table of root.querySelectorAll('table')) {
    reachScrollFrame(table);
    const headRows = table.querySelectorAll(':scope > thead > tr');
    const headRow = headRows[headRows.length - 1];
    if (!headRow) continue;
    // Column positions, spans included, so a cell after a wide heading still gets its own label.
    const labels: string[] = [];
    for (const th of headRow.children) {
      const text = (th.getAttribute('aria-label') ?? th.textContent ?? '').trim();
      for (let i = 0; i < span(th); i++) labels.push(text);
    }
    for (const row of table.querySelectorAll(':scope > tbody > tr')) {
      let column = 0;
      for (const cell of row.children) {
        const label = span(cell) > 1 ? '' : (labels[column] ?? '');
        column += span(cell);
        if (label && cell.getAttribute('data-label') !== label) cell.setAttribute('data-label', label);
        else if (!label && cell.hasAttribute('data-label')) cell.removeAttribute('data-label');
      }
    }
  }
}

const FRAME_MARK = 'data-scroll-frame';

/**
 * A table wider than its frame scrolls inside it: the frame must then be reachable by keyboard (a
 * focusable, named region) or its hidden columns are out of a keyboard user's reach (WCAG 2.1.1;
 * axe's `scrollable-region-focusable`). A frame that does not scroll stays out of the tab order.
 * Only what was added here is taken away again.
 */
function reachScrollFrame(table: HTMLTableElement): void {
  const frame = table.parentElement;
  if (!frame || frame.tagName === 'BODY') return;
  const overflow = getComputedStyle(frame).overflowX;
  const scrolls = (overflow === 'auto' || overflow === 'scroll') && frame.scrollWidth > frame.clientWidth;
  const marked = frame.hasAttribute(FRAME_MARK);
  if (scrolls && !marked && !frame.hasAttribute('tabindex')) {
    const caption = table.querySelector(':scope > caption')?.textContent?.trim();
    frame.setAttribute(FRAME_MARK, '');
    frame.setAttribute('tabindex', '0');
    frame.setAttribute('role', 'region');
    frame.setAttribute('aria-label', caption ? `${caption} (scrolls sideways)` : 'Table (scrolls sideways)');
  } else if (!scrolls && marked) {
    for (const name of [FRAME_MARK, 'tabindex', 'role', 'aria-label']) frame.removeAttribute(name);
  }
}

/**
 * Keeps the cell labels of every table under `root` current as views render and refresh (a table in
 * any view becomes cards on a phone without that view doing anything), and the frames of tables that
 * scroll sideways reachable by keyboard. Returns a function that stops.
 */
export function observeTableLabels(root: HTMLElement): () => void {
  let scheduled = false;
  const run = () => {
    scheduled = false;
    labelTableCells(root);
  };
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(run);
  });
  labelTableCells(root);
  // Attribute changes are left out: the labels written here would otherwise wake the observer again.
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  // A turned phone or a resized window decides anew which tables scroll.
  const onResize = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(run);
  };
  window.addEventListener('resize', onResize);
  return () => {
    observer.disconnect();
    window.removeEventListener('resize', onResize);
  };
}

/**
 * A data table: a caption (for screen readers, and shown when `showCaption`), column headings and
 * rows of `<td>`s. Wide screens scroll it inside its frame; below 640 px each row is a card whose
 * cells carry their column's heading.
 */
export function Table({
  caption,
  head,
  children,
  showCaption = false,
  minWidth = '40rem',
}: {
  caption: string;
  head: ReactNode[];
  children: ReactNode;
  showCaption?: boolean;
  minWidth?: string;
}) {
  const ref = useRef<HTMLTableElement>(null);
  useEffect(() => {
    if (ref.current) labelTableCells(ref.current.parentElement ?? ref.current);
  });
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm sm:overflow-x-auto dark:border-slate-800 dark:bg-slate-900">
      {/* The width as a variable, not an inline `min-width`, so the phone styles can drop it. */}
      <table
        ref={ref}
        className="w-full min-w-(--table-min) text-sm"
        style={{ '--table-min': minWidth } as CSSProperties}
      >
        <caption className={showCaption ? 'p-3 text-left font-semibold' : 'sr-only'}>{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600 dark:bg-slate-800/60 dark:text-slate-300">
          <tr>
            {head.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: headings are fixed per table
              <th key={i} scope="col" className="px-3 py-2 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">{children}</tbody>
      </table>
    </div>
  );
}
