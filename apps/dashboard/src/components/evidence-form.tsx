import {
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  useEffect,
  useId,
  useMemo,
  useState,
} from 'react';
import {
  compactEvidence,
  evidenceJson,
  type FieldError,
  type FieldModel,
  fieldsOf,
  type JsonSchema,
  validateEvidence,
} from '../lib/evidence-form.ts';
import { parseEvidence } from '../lib/stage-gates.ts';
import { Button } from './ui.tsx';

const INPUT =
  'mt-1 block w-full rounded-lg border bg-white px-3 py-2 text-sm dark:bg-slate-950 aria-[invalid=true]:border-red-600 dark:aria-[invalid=true]:border-red-400';
const BORDER = 'border-slate-300 dark:border-slate-700';
const HELP = 'mt-1 text-xs text-slate-600 dark:text-slate-400';

type Value = unknown;
type Doc = Record<string, unknown>;

const NO_ERRORS: FieldError[] = [];

const isRecord = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const childPath = (base: string, key: string) => (base ? `${base}.${key}` : key);

interface Ctx {
  idFor(path: string): string;
  errorFor(path: string): string | null;
  touch(path: string): void;
}

function RequiredMark({ required }: { required: boolean }) {
  if (!required) return null;
  return (
    <>
      <span aria-hidden="true" className="ml-0.5 text-red-700 dark:text-red-400">
        *
      </span>
      <span className="sr-only"> (required)</span>
    </>
  );
}

function ErrorText({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-1 text-sm font-medium text-red-700 dark:text-red-400">
      <span aria-hidden="true">✗ </span>
      {message}
    </p>
  );
}

/** The ids an input is described by: its help text and its error, when shown. */
function describedBy(id: string, help: boolean, error: string | null): string | undefined {
  const ids = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

/** A scalar input (text, number, tick box, choice): the leaves of the form. */
function ScalarInput({
  field,
  path,
  label,
  value,
  onChange,
  ctx,
}: {
  field: FieldModel;
  path: string;
  label: ReactNode;
  value: Value;
  onChange(v: Value): void;
  ctx: Ctx;
}) {
  const id = ctx.idFor(path);
  const error = ctx.errorFor(path);
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-required': field.required || undefined,
    'aria-describedby': describedBy(id, field.help !== null, error),
    onBlur: () => ctx.touch(path),
  } as const;
  const help = field.help ? (
    <p id={`${id}-help`} className={HELP}>
      {field.help}
    </p>
  ) : null;

  if (field.kind === 'boolean')
    return (
      <div>
        <div className="flex items-start gap-2">
          <input
            type="checkbox"
            {...common}
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
            className="mt-0.5 h-5 w-5 shrink-0 accent-teal-700"
          />
          <label htmlFor={id} className="text-sm font-medium">
            {label}
          </label>
        </div>
        {help}
        <ErrorText id={`${id}-error`} message={error} />
      </div>
    );

  let control: ReactNode;
  if (field.kind === 'select') {
    const index = field.options.indexOf(value as never);
    control = (
      <select
        {...common}
        value={index < 0 ? '' : String(index)}
        onChange={(e) => onChange(e.target.value === '' ? undefined : field.options[Number(e.target.value)])}
        className={`${INPUT} ${BORDER}`}
      >
        <option value="">Choose…</option>
        {field.options.map((o, i) => (
          <option key={String(o)} value={String(i)}>
            {String(o)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'number') {
    control = (
      <input
        type="number"
        inputMode={field.integer ? 'numeric' : 'decimal'}
        step={field.integer ? 1 : 'any'}
        {...common}
        value={typeof value === 'number' ? String(value) : ''}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        className={`${INPUT} ${BORDER}`}
      />
    );
  } else if (field.kind === 'text' && field.input === 'textarea') {
    control = (
      <textarea
        {...common}
        rows={3}
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => onChange(e.target.value)}
        className={`${INPUT} ${BORDER}`}
      />
    );
  } else {
    const input = field.kind === 'text' ? field.input : 'text';
    control = (
      <input
        type={input === 'textarea' ? 'text' : input}
        {...(input === 'url' ? { placeholder: 'https://…', inputMode: 'url' as const } : {})}
        {...common}
        value={typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)}
        onChange={(e) => onChange(e.target.value)}
        className={`${INPUT} ${BORDER}`}
      />
    );
  }
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {control}
      {help}
      <ErrorText id={`${id}-error`} message={error} />
    </div>
  );
}

function FieldInput({
  field,
  path,
  value,
  onChange,
  ctx,
  label,
}: {
  field: FieldModel;
  path: string;
  value: Value;
  onChange(v: Value): void;
  ctx: Ctx;
  /** Overrides the field's own label (an array's rows are "Entry 1", "Entry 2"…). */
  label?: ReactNode;
}) {
  const title = label ?? (
    <>
      {field.label}
      <RequiredMark required={field.required} />
    </>
  );
  if (field.kind === 'object') {
    const doc = isRecord(value) ? value : {};
    return (
      <fieldset className="space-y-3 rounded-lg border border-slate-200 p-3 dark:border-slate-700">
        <legend className="px-1 text-sm font-semibold">{title}</legend>
        {field.help ? <p className={HELP}>{field.help}</p> : null}
        <ErrorText id={`${ctx.idFor(path)}-error`} message={ctx.errorFor(path)} />
        {field.fields.map((f) => (
          <FieldInput
            key={f.key}
            field={f}
            path={childPath(path, f.key)}
            value={doc[f.key]}
            ctx={ctx}
            onChange={(v) => {
              const next = { ...doc };
              if (v === undefined || v === '') delete next[f.key];
              else next[f.key] = v;
              onChange(Object.keys(next).length || field.required ? next : undefined);
            }}
          />
        ))}
      </fieldset>
    );
  }
  if (field.kind === 'array')
    return <ArrayInput field={field} path={path} value={value} onChange={onChange} ctx={ctx} title={title} />;
  if (field.kind === 'unsupported')
    return (
      <div>
        <p className="text-sm font-medium">{title}</p>
        {field.help ? <p className={HELP}>{field.help}</p> : null}
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">
          This field is edited in the JSON tab.
          {value !== undefined ? (
            <code className="ml-1 break-all font-mono text-xs">{JSON.stringify(value)}</code>
          ) : null}
        </p>
        <ErrorText id={`${ctx.idFor(path)}-error`} message={ctx.errorFor(path)} />
      </div>
    );
  return <ScalarInput field={field} path={path} label={title} value={value} onChange={onChange} ctx={ctx} />;
}

function ArrayInput({
  field,
  path,
  value,
  onChange,
  ctx,
  title,
}: {
  field: Extract<FieldModel, { kind: 'array' }>;
  path: string;
  value: Value;
  onChange(v: Value): void;
  ctx: Ctx;
  title: ReactNode;
}) {
  const stored = Array.isArray(value) ? value : [];
  // A list the gate needs filled starts with one empty row, ready to type into.
  const rows = stored.length === 0 && (field.minItems ?? 0) > 0 ? [''] : stored;
  const id = ctx.idFor(path);
  const error = ctx.errorFor(path);
  const blank = field.item.kind === 'object' ? {} : field.item.kind === 'boolean' ? false : '';
  const full = field.maxItems !== null && rows.length >= field.maxItems;
  return (
    <fieldset
      className="space-y-2 rounded-lg border border-slate-200 p-3 dark:border-slate-700"
      aria-describedby={describedBy(id, field.help !== null, error)}
      aria-invalid={error ? true : undefined}
    >
      <legend className="px-1 text-sm font-semibold">{title}</legend>
      {field.help ? (
        <p id={`${id}-help`} className={HELP}>
          {field.help}
        </p>
      ) : null}
      <ol className="space-y-2">
        {rows.map((row, i) => (
          // Rows have no identity of their own: the index is what the server names them by too.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={i} className="flex items-end gap-2">
            <div className="min-w-0 flex-1">
              <FieldInput
                field={field.item}
                path={`${path}.${i}`}
                value={row}
                ctx={ctx}
                label={`${field.label}: entry ${i + 1}`}
                onChange={(v) => {
                  const next = [...rows];
                  next[i] = v === undefined ? '' : v;
                  onChange(next);
                }}
              />
            </div>
            <Button
              variant="secondary"
              aria-label={`Remove entry ${i + 1} of ${field.label}`}
              onClick={() => {
                ctx.touch(path);
                onChange(rows.filter((_, j) => j !== i));
              }}
            >
              Remove
            </Button>
          </li>
        ))}
      </ol>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No entries yet.</p>
      ) : null}
      <Button
        variant="secondary"
        disabled={full}
        onClick={() => onChange([...rows, structuredClone(blank)])}
        aria-label={`Add an entry to ${field.label}`}
      >
        + Add entry
      </Button>
      <ErrorText id={`${id}-error`} message={error} />
    </fieldset>
  );
}

/** Whether the form draws an input (or a group) that an error at `path` can be shown beside. */
function placeable(fields: FieldModel[], path: string): boolean {
  const [head = '', ...rest] = path.split('.');
  const field = fields.find((f) => f.key === head);
  if (!field) return false;
  if (rest.length === 0) return true;
  if (field.kind === 'object') return placeable(field.fields, rest.join('.'));
  if (field.kind === 'array' && /^\d+$/.test(rest[0]!)) {
    if (rest.length === 1) return true;
    return field.item.kind === 'object' && placeable(field.item.fields, rest.slice(1).join('.'));
  }
  return false;
}

/** Each field's label by path, for the summary of problems above the submit button. */
function labelsOf(fields: FieldModel[], base = '', out = new Map<string, string>()): Map<string, string> {
  for (const f of fields) {
    const path = childPath(base, f.key);
    out.set(path, f.label);
    if (f.kind === 'object') labelsOf(f.fields, path, out);
  }
  return out;
}

function labelFor(labels: Map<string, string>, path: string): string {
  if (path === '(root)') return 'The evidence';
  const direct = labels.get(path);
  if (direct) return direct;
  const row = /^(.*)\.(\d+)$/.exec(path);
  if (row && labels.get(row[1]!)) return `${labels.get(row[1]!)}, entry ${Number(row[2]) + 1}`;
  return path;
}

/**
 * The evidence for a gate, as a form drawn from the gate's JSON Schema (titles, descriptions as help,
 * required marks, URL and email inputs, tick boxes, choices, lists with add and remove, nested
 * groups), checked in the browser with the gate's rules and in words; and a JSON tab for people who
 * would rather type the document. Switching tabs keeps what was entered. `serverErrors` (the
 * server's verdict on the last submission) is shown beside each field until that field is edited.
 * Without a schema (the policy not loaded yet), only the JSON tab is offered; the form appears when
 * the schema does.
 */
export function EvidenceForm({
  schema,
  stage,
  initial,
  serverErrors = NO_ERRORS,
  busy = false,
  onSubmit,
  onEdit,
  children,
}: {
  schema: JsonSchema | null;
  stage: string;
  initial: Record<string, unknown> | null;
  serverErrors?: FieldError[];
  busy?: boolean;
  onSubmit(evidence: Record<string, unknown>): void;
  /** Called on the first edit after a submission, so the page can clear its stale messages. */
  onEdit?(): void;
  /** The submission's outcome, shown above the button. */
  children?: ReactNode;
}) {
  const uid = useId();
  const fields = useMemo(() => (schema ? fieldsOf(schema) : []), [schema]);
  const labels = useMemo(() => labelsOf(fields), [fields]);
  const [mode, setMode] = useState<'form' | 'json'>(schema ? 'form' : 'json');
  const [doc, setDoc] = useState<Doc>(() => structuredClone(initial ?? {}));
  const [text, setText] = useState(() =>
    schema ? evidenceJson(schema, initial ?? {}) : JSON.stringify(initial ?? {}, null, 2),
  );
  const [jsonError, setJsonError] = useState<string | null>(null);
  // The policy (and so the schema) may arrive after the form was first drawn, as JSON only: the form
  // is offered then, unless something was typed into the JSON meanwhile (kept as it is). Adjusted
  // while rendering, like the verdict below.
  const [hadSchema, setHadSchema] = useState(Boolean(schema));
  if (schema && !hadSchema) {
    setHadSchema(true);
    if (mode === 'json' && text === JSON.stringify(initial ?? {}, null, 2)) {
      setMode('form');
      setText(evidenceJson(schema, doc));
    }
  }
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [attempted, setAttempted] = useState(false);
  const [edited, setEdited] = useState<Set<string>>(() => new Set());

  // A new verdict from the server replaces what was dismissed by editing (state adjusted while
  // rendering, as React recommends, rather than in an effect that would draw the stale state first).
  const [verdict, setVerdict] = useState(serverErrors);
  if (verdict !== serverErrors) {
    setVerdict(serverErrors);
    setEdited(new Set());
  }

  const clientErrors = useMemo(
    () => (schema ? validateEvidence(schema, compactEvidence(doc)) : []),
    [schema, doc],
  );
  const shownClient = clientErrors.filter(
    (e) => attempted || touched.has(e.path) || [...touched].some((t) => e.path.startsWith(`${t}.`)),
  );
  const shownServer = serverErrors.filter(
    (e) => ![...edited].some((p) => e.path === p || e.path.startsWith(`${p}.`)),
  );
  const errorFor = (path: string): string | null =>
    shownClient.find((e) => e.path === path)?.message ??
    shownServer.find((e) => e.path === path)?.message ??
    null;
  const idFor = (path: string) => `${uid}-f-${path.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  const ctx: Ctx = {
    idFor,
    errorFor,
    touch: (path) => setTouched((t) => (t.has(path) ? t : new Set(t).add(path))),
  };

  const edit = (path: string, next: Doc) => {
    setDoc(next);
    if (edited.size === 0) onEdit?.();
    setEdited((s) => (s.has(path) ? s : new Set(s).add(path)));
  };

  const toJson = () => {
    if (schema) setText(evidenceJson(schema, doc));
    setJsonError(null);
    setMode('json');
  };
  const toForm = () => {
    const parsed = parseEvidence(text);
    if (!parsed.ok) {
      setJsonError(`${parsed.message}. Fix it here before going back to the form.`);
      return;
    }
    setJsonError(null);
    setDoc(parsed.value);
    setMode('form');
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === 'json') {
      const parsed = parseEvidence(text);
      if (!parsed.ok) {
        setJsonError(parsed.message);
        return;
      }
      setJsonError(null);
      setDoc(parsed.value);
      onSubmit(parsed.value);
      return;
    }
    setAttempted(true);
    if (clientErrors.length > 0) {
      const first = clientErrors.find((x) => document.getElementById(idFor(x.path)));
      if (first) document.getElementById(idFor(first.path))?.focus();
      return;
    }
    onSubmit(compactEvidence(doc));
  };

  // Problems no field shows (the document as a whole, a field the form does not draw), and in the
  // JSON tab every problem the server named, since there are no fields there to put them beside.
  const rendered = (path: string) => mode === 'form' && placeable(fields, path);
  const unplaced = [...(mode === 'form' && attempted ? clientErrors : []), ...shownServer].filter(
    (e, i, all) =>
      !rendered(e.path) && all.findIndex((x) => x.path === e.path && x.message === e.message) === i,
  );
  const blocking = mode === 'form' && attempted && clientErrors.length > 0;

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    if (mode === 'form') toJson();
    else toForm();
  };
  useEffect(() => {
    // Keyboard users switching tabs with the arrows land on the tab they switched to.
    const tab = document.getElementById(`${uid}-tab-${mode}`);
    if (tab && document.activeElement?.getAttribute('role') === 'tab') tab.focus();
  }, [mode, uid]);

  const panelProps = schema
    ? { id: `${uid}-panel`, role: 'tabpanel', 'aria-labelledby': `${uid}-tab-${mode}` }
    : { id: `${uid}-panel` };

  const tab = (which: 'form' | 'json', label: string) => (
    <button
      type="button"
      role="tab"
      id={`${uid}-tab-${which}`}
      aria-selected={mode === which}
      aria-controls={`${uid}-panel`}
      tabIndex={mode === which ? 0 : -1}
      onKeyDown={onTabKey}
      onClick={() => (which === mode ? undefined : which === 'json' ? toJson() : toForm())}
      className={`rounded-t-md border-b-2 px-3 py-1.5 text-sm font-medium ${
        mode === which
          ? 'border-teal-700 text-teal-800 dark:border-teal-400 dark:text-teal-300'
          : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'
      }`}
    >
      {label}
    </button>
  );

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label={`Evidence for ${stage}`}>
      {schema ? (
        <div
          role="tablist"
          aria-label="Evidence editor"
          className="flex gap-1 border-b border-slate-200 dark:border-slate-700"
        >
          {tab('form', 'Form')}
          {tab('json', 'JSON')}
        </div>
      ) : null}
      {/* A tabpanel only when there are tabs; a plain group (no role) otherwise. */}
      <div {...panelProps} className="space-y-4">
        {mode === 'form' ? (
          fields.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-300">
              This gate asks for no particular fields.
            </p>
          ) : (
            <>
              <p className="text-xs text-slate-600 dark:text-slate-400">
                Fields marked{' '}
                <span aria-hidden="true" className="text-red-700 dark:text-red-400">
                  *
                </span>
                <span className="sr-only">required</span> are required by the gate.
              </p>
              {fields.map((f) => (
                <FieldInput
                  key={f.key}
                  field={f}
                  path={f.key}
                  value={doc[f.key]}
                  ctx={ctx}
                  onChange={(v) => {
                    const next = { ...doc };
                    if (v === undefined || v === '') delete next[f.key];
                    else next[f.key] = v;
                    edit(f.key, next);
                  }}
                />
              ))}
            </>
          )
        ) : (
          <div>
            <label htmlFor={`${uid}-json`} className="block text-sm font-medium">
              Evidence (JSON)
            </label>
            <textarea
              id={`${uid}-json`}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                if (edited.size === 0) onEdit?.();
                setEdited(new Set(serverErrors.map((x) => x.path)));
              }}
              rows={10}
              spellCheck={false}
              aria-invalid={jsonError ? true : undefined}
              className={`${INPUT} ${BORDER} font-mono`}
            />
          </div>
        )}
      </div>
      {jsonError ? (
        <div
          role="alert"
          className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {jsonError}
        </div>
      ) : null}
      {blocking || unplaced.length > 0 ? (
        <div
          role="alert"
          className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {blocking ? (
            <p className="font-semibold">
              {clientErrors.length === 1 ? 'One field needs' : `${clientErrors.length} fields need`} attention
              before the evidence can be submitted.
            </p>
          ) : null}
          {unplaced.length > 0 ? (
            <ul className="mt-1 list-disc space-y-0.5 pl-5">
              {unplaced.map((e) => (
                <li key={`${e.path}:${e.message}`}>
                  {labelFor(labels, e.path)} {e.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {children}
      <Button type="submit" disabled={busy}>
        {busy ? 'Submitting…' : 'Submit evidence'}
      </Button>
    </form>
  );
}
