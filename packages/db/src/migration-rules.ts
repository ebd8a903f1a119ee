/**
 * Migrations must not stop the service (docs/postgresql.md, "Migrations without downtime"). During a
 * rolling deploy the previous release keeps reading and writing while the new release's migrations
 * apply, so a migration may only expand the schema: every statement must leave the old code working.
 * Steps that break the old code (contract steps) wait for a later release, once no running release
 * uses what they remove, and say so in a marker comment; statements that hold a lock blocking every
 * writer for as long as they scan a table say why that is acceptable.
 *
 * This is a pure checker over SQL text. It reads statements, not a database: it knows only what the
 * migration file itself says (a table is "new" when the same file creates it), so it errs towards
 * flagging, and a marker with a reason settles the rest. SQL inside function bodies and DO blocks
 * ($$ … $$) is not read.
 */

/** Which marker a finding needs: `-- clos:contract <why>` or `-- clos:blocking <why>`. */
export type MarkerKind = 'contract' | 'blocking';

export type MigrationRule =
  /** DROP TABLE / VIEW / SCHEMA / TYPE / SEQUENCE: the old code still reads it. */
  | 'drop-table'
  /** ALTER TABLE … DROP COLUMN: the old code still names it in every insert and select. */
  | 'drop-column'
  /** RENAME of a table, column, constraint, index, type…; SET SCHEMA: the old code uses the old name. */
  | 'rename'
  /** ALTER COLUMN … TYPE: the old code may write values of the old type; rewrites the table under lock. */
  | 'alter-column-type'
  /** ALTER COLUMN … SET NOT NULL: the old code may insert without the column; scans under lock. */
  | 'set-not-null'
  /** ALTER COLUMN … DROP DEFAULT: the old code may rely on the default. */
  | 'drop-default'
  /** ADD COLUMN … NOT NULL without DEFAULT on an existing table: the old code's inserts omit it. */
  | 'add-required-column'
  /** ADD CONSTRAINT on columns the old code already writes: it may write rows the constraint refuses. */
  | 'constrain-existing-columns'
  /** CREATE INDEX without CONCURRENTLY, or ADD UNIQUE / PRIMARY KEY, on an existing table. */
  | 'blocking-index'
  /** ADD CHECK / FOREIGN KEY without NOT VALID on an existing table: validated by a scan under lock. */
  | 'blocking-validation'
  /** A marker that allows nothing: it sits above the wrong statement, or the statement became safe. */
  | 'unused-marker'
  /** A marker without its reason: the reason is the point (which release stopped using it). */
  | 'marker-without-reason';

const RULE_MARKER: Record<MigrationRule, MarkerKind | null> = {
  'drop-table': 'contract',
  'drop-column': 'contract',
  rename: 'contract',
  'alter-column-type': 'contract',
  'set-not-null': 'contract',
  'drop-default': 'contract',
  'add-required-column': 'contract',
  'constrain-existing-columns': 'contract',
  'blocking-index': 'blocking',
  'blocking-validation': 'blocking',
  'unused-marker': null,
  'marker-without-reason': null,
};

export interface MigrationFinding {
  /** The migration's tag (file name without `.sql`). */
  migration: string;
  /** 1-based line of the statement (or of the marker, for marker findings). */
  line: number;
  rule: MigrationRule;
  /** The marker that would allow it; null for problems with a marker itself. */
  needs: MarkerKind | null;
  /** The statement, whitespace collapsed, cut at 200 characters. */
  statement: string;
  message: string;
  /** The marker's reason, when a marker allowed this finding. */
  reason?: string;
}

export interface MigrationCheck {
  /** Findings no marker allows: each one fails the check. */
  violations: MigrationFinding[];
  /** Findings a marker allowed, with its reason. */
  allowed: MigrationFinding[];
}

interface Marker {
  kind: MarkerKind;
  reason: string;
  line: number;
}

type Token =
  | { type: 'word'; value: string }
  | { type: 'ident'; value: string }
  | { type: 'string' }
  | { type: 'punct'; value: string };

interface Statement {
  tokens: Token[];
  text: string;
  line: number;
  markers: Marker[];
}

const MARKER = /^--\s*clos:(contract|blocking)\b\s*(.*)$/;
const BREAKPOINT = '--> statement-breakpoint';

/**
 * Splits a migration into statements as PostgreSQL sees them: at `;` and at drizzle's
 * `--> statement-breakpoint`, never inside strings, quoted identifiers, comments or dollar-quoted
 * bodies. Marker comments attach to the statement that follows them.
 */
function splitStatements(sql: string): { statements: Statement[]; strayMarkers: Marker[] } {
  const statements: Statement[] = [];
  let tokens: Token[] = [];
  let text = '';
  let start = -1;
  let pending: Marker[] = [];
  let line = 1;
  let i = 0;

  const finish = () => {
    if (tokens.length > 0) {
      statements.push({ tokens, text: text.replace(/\s+/g, ' ').trim(), line: start, markers: pending });
      pending = [];
    }
    tokens = [];
    text = '';
    start = -1;
  };
  const begin = () => {
    if (start < 0) start = line;
  };
  const advance = (to: number) => {
    for (let j = i; j < to; j++) if (sql[j] === '\n') line++;
    i = to;
  };

  while (i < sql.length) {
    const c = sql[i]!;
    if (sql.startsWith(BREAKPOINT, i)) {
      finish();
      advance(i + BREAKPOINT.length);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const comment = sql.slice(i, end < 0 ? sql.length : end).trim();
      const marker = MARKER.exec(comment);
      if (marker) pending.push({ kind: marker[1] as MarkerKind, reason: marker[2]!.trim(), line });
      advance(end < 0 ? sql.length : end);
    } else if (c === '/' && sql[i + 1] === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      let j = i;
      do {
        if (sql.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (sql.startsWith('*/', j)) {
          depth--;
          j += 2;
        } else j++;
      } while (depth > 0 && j < sql.length);
      advance(j);
    } else if (c === ';') {
      finish();
      advance(i + 1);
    } else if (/\s/.test(c)) {
      text += c;
      advance(i + 1);
    } else {
      begin();
      const from = i;
      let to: number;
      if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
        // '' doubles a quote; E'' strings also escape with a backslash.
        const escapes = c !== "'";
        let j = escapes ? i + 2 : i + 1;
        while (j < sql.length) {
          if (escapes && sql[j] === '\\') j += 2;
          else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
          else if (sql[j] === "'") break;
          else j++;
        }
        to = j + 1;
        tokens.push({ type: 'string' });
      } else if (c === '"') {
        let j = i + 1;
        let name = '';
        while (j < sql.length) {
          if (sql[j] === '"' && sql[j + 1] === '"') {
            name += '"';
            j += 2;
          } else if (sql[j] === '"') break;
          else name += sql[j++];
        }
        to = j + 1;
        tokens.push({ type: 'ident', value: name });
      } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64))) {
        const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))![0];
        const close = sql.indexOf(tag, i + tag.length);
        to = close < 0 ? sql.length : close + tag.length;
        tokens.push({ type: 'string' });
      } else if (/[A-Za-z_]/.test(c)) {
        const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 128))![0];
        to = i + word.length;
        tokens.push({ type: 'word', value: word.toLowerCase() });
      } else if (/[0-9]/.test(c)) {
        to = i + /^[0-9.eE]+/.exec(sql.slice(i, i + 64))![0].length;
        tokens.push({ type: 'string' });
      } else {
        to = i + 1;
        tokens.push({ type: 'punct', value: c });
      }
      text += sql.slice(from, to);
      advance(to);
    }
  }
  finish();
  return { statements, strayMarkers: pending };
}

/** A cursor over one statement's tokens. */
class Reader {
  constructor(
    private readonly tokens: Token[],
    public at = 0,
  ) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  /** True (and consumes them) when the next tokens are these keywords. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.tokens[this.at + k];
      if (t?.type !== 'word' || t.value !== words[k]) return false;
    }
    this.at += words.length;
    return true;
  }

  peekWord(offset = 0): string | undefined {
    const t = this.tokens[this.at + offset];
    return t?.type === 'word' ? t.value : undefined;
  }

  /** A possibly schema-qualified name; returns its last part. */
  name(): string | undefined {
    let last: string | undefined;
    do {
      const t = this.tokens[this.at];
      if (t?.type !== 'word' && t?.type !== 'ident') return last;
      last = t.value;
      this.at++;
    } while (this.punct('.'));
    return last;
  }

  punct(value: string): boolean {
    const t = this.tokens[this.at];
    if (t?.type === 'punct' && t.value === value) {
      this.at++;
      return true;
    }
    return false;
  }

  /** Every token left, consumed. */
  rest(): Token[] {
    const out = this.tokens.slice(this.at);
    this.at = this.tokens.length;
    return out;
  }

  /** The tokens up to the next top-level comma (or the end), consumed. */
  untilComma(): Token[] {
    const out: Token[] = [];
    let depth = 0;
    while (!this.done) {
      const t = this.tokens[this.at]!;
      if (t.type === 'punct') {
        if (t.value === '(') depth++;
        else if (t.value === ')') depth--;
        else if (t.value === ',' && depth === 0) break;
      }
      out.push(t);
      this.at++;
    }
    return out;
  }

  /** The tokens inside the parentheses that come next, consumed with them. */
  parenthesised(): Token[] {
    if (!this.punct('(')) return [];
    const out: Token[] = [];
    let depth = 1;
    while (!this.done) {
      const t = this.tokens[this.at++]!;
      if (t.type === 'punct' && t.value === '(') depth++;
      if (t.type === 'punct' && t.value === ')' && --depth === 0) break;
      out.push(t);
    }
    return out;
  }
}

const hasWords = (tokens: Token[], ...words: string[]): boolean =>
  tokens.some((_, k) =>
    words.every((w, n) => tokens[k + n]?.type === 'word' && (tokens[k + n] as { value: string }).value === w),
  );

// Words a CHECK expression may hold that are not column names.
const EXPRESSION_WORDS = new Set(
  'and or not is null true false in between like ilike similar to any all some distinct from case when then else end array cast as collate at time zone interval current_date current_timestamp now'.split(
    ' ',
  ),
);

/** Column names a constraint's expression or column list mentions (not functions, keywords or the table). */
function columnsIn(tokens: Token[], table: string): string[] {
  const out: string[] = [];
  tokens.forEach((t, k) => {
    if (t.type !== 'word' && t.type !== 'ident') return;
    if (t.type === 'word' && EXPRESSION_WORDS.has(t.value)) return;
    const next = tokens[k + 1];
    if (next?.type === 'punct' && (next.value === '(' || next.value === '.')) return;
    const prev = tokens[k - 1];
    if (prev?.type === 'punct' && prev.value === ':') return; // a ::type cast
    if (t.value === table) return;
    out.push(t.value);
  });
  return out;
}

const SERIAL = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);

interface Context {
  /** Tables this migration creates: the old code has never used them, so anything goes. */
  created: Set<string>;
  /** Columns this migration adds, by table: the old code has never written them. */
  added: Map<string, Set<string>>;
}

type Raw = { rule: MigrationRule; message: string };

function alterTableAction(action: Token[], table: string, ctx: Context, out: Raw[]): void {
  const r = new Reader(action);
  if (r.accept('rename') || r.accept('set', 'schema')) {
    out.push({
      rule: 'rename',
      message: `renames in "${table}": the running release still uses the old name`,
    });
    return;
  }
  if (r.accept('drop')) {
    if (r.accept('constraint')) return;
    r.accept('column');
    r.accept('if', 'exists');
    const column = r.name();
    out.push({
      rule: 'drop-column',
      message: `drops column "${table}"."${column}": the running release still selects and inserts it`,
    });
    return;
  }
  if (r.accept('alter')) {
    r.accept('column');
    const column = r.name();
    if (r.accept('type') || r.accept('set', 'data', 'type')) {
      out.push({
        rule: 'alter-column-type',
        message: `changes the type of "${table}"."${column}": the running release writes the old type, and the table is rewritten under an exclusive lock`,
      });
    } else if (r.accept('set', 'not', 'null')) {
      out.push({
        rule: 'set-not-null',
        message: `makes "${table}"."${column}" NOT NULL: the running release may insert without it, and the check scans the table under an exclusive lock`,
      });
    } else if (r.accept('drop', 'default')) {
      out.push({
        rule: 'drop-default',
        message: `drops the default of "${table}"."${column}": the running release may insert relying on it`,
      });
    }
    return;
  }
  if (!r.accept('add')) return;
  const isConstraint = r.accept('constraint');
  if (isConstraint) r.name();
  const kind = r.peekWord();
  if (isConstraint || ['primary', 'unique', 'check', 'foreign', 'exclude'].includes(kind ?? '')) {
    addConstraint(r, table, ctx, out);
    return;
  }
  r.accept('column');
  r.accept('if', 'not', 'exists');
  const column = r.name();
  if (!column) return;
  const columns = ctx.added.get(table) ?? new Set<string>();
  columns.add(column);
  ctx.added.set(table, columns);
  const rest = action.slice(r.at);
  const type = rest[0]?.type === 'word' ? rest[0].value : '';
  const required =
    rest.some(
      (t, k) =>
        t.type === 'word' &&
        t.value === 'not' &&
        rest[k + 1]?.type === 'word' &&
        (rest[k + 1] as { value: string }).value === 'null' &&
        !(rest[k - 1]?.type === 'word' && (rest[k - 1] as { value: string }).value === 'is'),
    ) || hasWords(rest, 'primary', 'key');
  const filled = hasWords(rest, 'default') || hasWords(rest, 'generated') || SERIAL.has(type);
  if (required && !filled) {
    out.push({
      rule: 'add-required-column',
      message: `adds "${table}"."${column}" NOT NULL without a DEFAULT: the running release inserts without it`,
    });
  }
}

function addConstraint(r: Reader, table: string, ctx: Context, out: Raw[]): void {
  const definition = r.rest();
  const d = new Reader(definition);
  const notValid = hasWords(definition, 'not', 'valid');
  let columns: string[] = [];
  let buildsIndex = false;
  let validates = false;
  if (d.accept('primary', 'key') || d.accept('unique')) {
    d.accept('nulls', 'not', 'distinct');
    d.accept('nulls', 'distinct');
    if (d.accept('using', 'index')) return; // the index was built beforehand: attaching it is quick
    buildsIndex = true;
    columns = columnsIn(d.parenthesised(), table);
  } else if (d.accept('foreign', 'key')) {
    validates = !notValid;
    columns = columnsIn(d.parenthesised(), table);
  } else if (d.accept('check')) {
    validates = !notValid;
    columns = columnsIn(d.parenthesised(), table);
  } else if (d.accept('exclude')) {
    buildsIndex = true;
  }
  const added = ctx.added.get(table) ?? new Set<string>();
  const existing = columns.filter((c) => !added.has(c));
  if (existing.length > 0 || columns.length === 0) {
    const which =
      existing.length > 0 ? existing.map((c) => `"${c}"`).join(', ') : 'columns it could not read';
    out.push({
      rule: 'constrain-existing-columns',
      message: `constrains ${which} of "${table}": the running release may write rows the constraint refuses`,
    });
  }
  if (buildsIndex) {
    out.push({
      rule: 'blocking-index',
      message: `builds an index on existing table "${table}", blocking its writers until the migration commits`,
    });
  }
  if (validates) {
    out.push({
      rule: 'blocking-validation',
      message: `validates a constraint on existing table "${table}" by a scan under lock: add it NOT VALID, VALIDATE in a later release`,
    });
  }
}

const DROPPABLE = ['table', 'view', 'schema', 'type', 'sequence', 'domain'];

function analyse(statement: Statement, ctx: Context): Raw[] {
  const out: Raw[] = [];
  const r = new Reader(statement.tokens);
  if (r.accept('create')) {
    r.accept('or', 'replace');
    r.accept('unlogged');
    r.accept('temporary') || r.accept('temp');
    if (r.accept('table')) {
      r.accept('if', 'not', 'exists');
      const table = r.name();
      if (table) ctx.created.add(table);
      return out;
    }
    r.accept('unique');
    if (!r.accept('index')) return out;
    const concurrently = r.accept('concurrently');
    r.accept('if', 'not', 'exists');
    if (r.peekWord() !== 'on') r.name();
    if (!r.accept('on')) return out;
    r.accept('only');
    const table = r.name();
    if (!concurrently && table && !ctx.created.has(table)) {
      out.push({
        rule: 'blocking-index',
        message: `builds an index on existing table "${table}" without CONCURRENTLY, blocking its writers until the migration commits`,
      });
    }
    return out;
  }
  if (r.accept('drop')) {
    r.accept('materialized');
    const kind = r.peekWord();
    if (!kind || !DROPPABLE.includes(kind)) return out;
    r.at++;
    r.accept('if', 'exists');
    const name = r.name();
    if (kind === 'table' && name && ctx.created.has(name)) return out;
    out.push({ rule: 'drop-table', message: `drops ${kind} "${name}": the running release still uses it` });
    return out;
  }
  if (!r.accept('alter')) return out;
  if (r.accept('table')) {
    r.accept('if', 'exists');
    r.accept('only');
    const table = r.name();
    r.punct('*');
    if (!table || ctx.created.has(table)) return out;
    while (!r.done) {
      alterTableAction(r.untilComma(), table, ctx, out);
      r.punct(',');
    }
    return out;
  }
  // ALTER INDEX / SEQUENCE / VIEW / TYPE / FUNCTION / SCHEMA … RENAME or SET SCHEMA.
  if (hasWords(statement.tokens, 'rename') || hasWords(statement.tokens, 'set', 'schema')) {
    out.push({ rule: 'rename', message: 'renames a database object: the running release uses the old name' });
  }
  return out;
}

/** Checks one migration's SQL: each finding is allowed by the marker its rule needs, or is a violation. */
export function checkMigration(migration: string, sql: string): MigrationCheck {
  const check: MigrationCheck = { violations: [], allowed: [] };
  const { statements, strayMarkers } = splitStatements(sql);
  const ctx: Context = { created: new Set(), added: new Map() };
  const markerFinding = (m: Marker, rule: MigrationRule, statement: string, message: string) =>
    check.violations.push({ migration, line: m.line, rule, needs: null, statement, message });

  for (const statement of statements) {
    const shown = statement.text.length > 200 ? `${statement.text.slice(0, 199)}…` : statement.text;
    const findings = analyse(statement, ctx);
    for (const marker of statement.markers) {
      if (!marker.reason) {
        markerFinding(marker, 'marker-without-reason', shown, `clos:${marker.kind} needs a reason after it`);
      } else if (!findings.some((f) => RULE_MARKER[f.rule] === marker.kind)) {
        markerFinding(
          marker,
          'unused-marker',
          shown,
          `clos:${marker.kind} allows nothing in the statement below it`,
        );
      }
    }
    for (const f of findings) {
      const needs = RULE_MARKER[f.rule];
      const marker = statement.markers.find((m) => m.kind === needs && m.reason);
      const finding: MigrationFinding = {
        migration,
        line: statement.line,
        rule: f.rule,
        needs,
        statement: shown,
        message: f.message,
      };
      if (marker) check.allowed.push({ ...finding, reason: marker.reason });
      else check.violations.push(finding);
    }
  }
  for (const marker of strayMarkers) {
    markerFinding(marker, 'unused-marker', '', `clos:${marker.kind} has no statement below it`);
  }
  return check;
}

/** Checks every migration, in order. */
export function checkMigrations(migrations: { tag: string; sql: string }[]): MigrationCheck {
  const all: MigrationCheck = { violations: [], allowed: [] };
  for (const m of migrations) {
    const one = checkMigration(m.tag, m.sql);
    all.violations.push(...one.violations);
    all.allowed.push(...one.allowed);
  }
  return all;
}

/** One line per violation, for a test failure or a script's output. */
export function formatViolations(violations: MigrationFinding[]): string {
  return violations
    .map(
      (v) =>
        `${v.migration}.sql:${v.line} ${v.rule}: ${v.message}${v.needs ? ` (or mark it: -- clos:${v.needs} <why it is safe now>)` : ''}\n    ${v.statement}`,
    )
    .join('\n');
}
