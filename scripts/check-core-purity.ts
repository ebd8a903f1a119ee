/**
 * Keeps packages/core pure: no I/O, no ambient time or randomness, no framework or driver, nothing
 * internal. Reads each source file's syntax tree (comments and string contents cannot trip it). One of
 * the rules of scripts/check-boundaries.ts, which `npm run lint` runs; it also runs on its own:
 *
 *   npx tsx scripts/check-core-purity.ts
 *
 * Exits 1 listing every `file:line: reason`, or 0 printing how many files were checked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface SourceFile {
  /** Path relative to the repository root, e.g. `packages/core/src/stages/gate.ts`. */
  path: string;
  text: string;
}

/**
 * Third-party packages core may import: JSON Schema validation for gate evidence (ajv), and IP address
 * parsing for the outbound address policy (ipaddr.js: pure functions over strings and numbers, no I/O).
 */
const ALLOWED_PACKAGES = [/^ajv$/, /^ajv\/.+/, /^ajv-formats$/, /^ipaddr\.js$/];

const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'crypto',
  'http',
  'os',
  'child_process',
  'net',
  'url',
  'util',
  'events',
  'stream',
  'worker_threads',
  ...builtinModules,
]);

/** Bare specifiers refused by name, with why; anything else not allowed is refused as third-party. */
const FORBIDDEN_PACKAGES: [RegExp, string][] = [
  [/^pg(\/|$)/, 'database driver'],
  [/^@electric-sql\//, 'database engine'],
  [/^drizzle-orm/, 'ORM'],
  [/^fastify/, 'HTTP framework'],
  [/^@fastify\//, 'HTTP framework'],
  [/^undici(\/|$)/, 'HTTP client'],
  [/^@slack\//, 'integration SDK'],
  [/^@octokit\//, 'integration SDK'],
  [/^@linear\//, 'integration SDK'],
  [/^pino(\/|$|-)/, 'logger'],
  [/^@clos\//, 'internal package (core imports nothing internal)'],
];

/** Globals that reach the outside world when called, directly or as `globalThis.x(…)`. */
const FORBIDDEN_CALLS: Record<string, string> = {
  fetch: 'fetch( performs network I/O',
  setTimeout: 'setTimeout( schedules on the real clock',
  setInterval: 'setInterval( schedules on the real clock',
  require: 'require( is CommonJS loading',
};
const GLOBAL_OBJECTS = new Set(['globalThis', 'global', 'window', 'self']);

function specifierProblem(file: string, specifier: string): string | null {
  if (specifier.startsWith('node:')) return `imports Node built-in "${specifier}"`;
  if (specifier.startsWith('/')) return `absolute import "${specifier}" leaves packages/core`;
  if (specifier.startsWith('.')) {
    const coreRoot = coreRootOf(file);
    const target = posix.normalize(posix.join(posix.dirname(toPosix(file)), specifier));
    return target === coreRoot || target.startsWith(`${coreRoot}/`)
      ? null
      : `relative import "${specifier}" leaves packages/core`;
  }
  if (NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0] ?? ''))
    return `imports Node built-in "${specifier}"`;
  for (const [pattern, what] of FORBIDDEN_PACKAGES)
    if (pattern.test(specifier)) return `imports "${specifier}" (${what})`;
  if (ALLOWED_PACKAGES.some((p) => p.test(specifier))) return null;
  return `imports third-party package "${specifier}" (allowed: ajv, ajv/*, ajv-formats, ipaddr.js)`;
}

const toPosix = (p: string) => p.split(sep).join('/').replaceAll('\\', '/');

/** `…/packages/core` for a path inside it; `packages/core` otherwise. */
function coreRootOf(file: string): string {
  const p = toPosix(file);
  const i = p.lastIndexOf('packages/core/');
  return i >= 0 ? p.slice(0, i + 'packages/core'.length) : 'packages/core';
}

/** `name` itself or `globalThis.name` (and the other global objects). */
function globalName(node: ts.Expression): string | null {
  if (ts.isIdentifier(node)) return node.text;
  if (
    ts.isPropertyAccessExpression(node) &&
    ts.isIdentifier(node.expression) &&
    GLOBAL_OBJECTS.has(node.expression.text)
  )
    return node.name.text;
  return null;
}

/** A module a file names: `specifier` null for an `import(…)` whose argument is computed. */
export interface ImportRef {
  specifier: string | null;
  line: number;
}

/** Every module specifier a file names (import, export … from, import =, import types, `import(…)`), with its line. */
export function importsOf(file: SourceFile): ImportRef[] {
  const kind = file.path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, kind);
  const found: ImportRef[] = [];
  const add = (node: ts.Node, specifier: string | null) =>
    found.push({ specifier, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node, node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node, node.moduleReference.expression.text);
    } else if (ts.isImportTypeNode(node)) {
      // `import('x').T` in a type position.
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(node, arg.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      add(node, arg && ts.isStringLiteralLike(arg) ? arg.text : null);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function checkFile(file: SourceFile): string[] {
  const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: ts.Node, reason: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    found.push(`${file.path}:${line}: ${reason}`);
  };
  for (const { specifier, line } of importsOf(file)) {
    const problem =
      specifier === null
        ? 'dynamic import( with a computed specifier cannot be checked'
        : specifierProblem(file.path, specifier);
    if (problem) found.push(`${file.path}:${line}: ${problem}`);
  }

  // Imports are checked above; this walk looks for ambient time, randomness and the host process.
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      if (node.expression.kind !== ts.SyntaxKind.ImportKeyword) {
        const name = globalName(node.expression);
        const reason = name !== null && Object.hasOwn(FORBIDDEN_CALLS, name) ? FORBIDDEN_CALLS[name] : null;
        if (reason) report(node, reason);
      }
    } else if (ts.isPropertyAccessExpression(node)) {
      const owner = globalName(node.expression);
      if (owner === 'Date' && node.name.text === 'now')
        report(node, 'Date.now( reads the wall clock (use Clock)');
      else if (owner === 'Math' && node.name.text === 'random')
        report(node, 'Math.random( is nondeterministic (inject it)');
      else if (owner === 'process') report(node, 'process. reaches the host process');
    } else if (ts.isElementAccessExpression(node) && globalName(node.expression) === 'process') {
      report(node, 'process. reaches the host process');
    } else if (
      ts.isNewExpression(node) &&
      globalName(node.expression) === 'Date' &&
      (node.arguments === undefined || node.arguments.length === 0)
    ) {
      report(node, 'new Date() reads the wall clock (use Clock)');
    } else if (
      ts.isVariableDeclaration(node) &&
      node.initializer !== undefined &&
      globalName(node.initializer) === 'process'
    ) {
      // `const { env } = process`
      report(node, 'process. reaches the host process');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const lineOf = (v: string) => Number(v.slice(file.path.length + 1, v.indexOf(':', file.path.length + 1)));
  return found.sort((x, y) => lineOf(x) - lineOf(y));
}

/** Every purity violation in `files`, as `file:line: reason`, in file then line order. */
export function findViolations(files: SourceFile[]): string[] {
  return files.flatMap(checkFile);
}

/** The non-test TypeScript sources of packages/core/src, with paths relative to `repoRoot`. */
export function loadCoreFiles(repoRoot: string): SourceFile[] {
  const srcDir = posix.join(toPosix(repoRoot), 'packages/core/src');
  const entries = readdirSync(srcDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => posix.join(toPosix(e.parentPath), e.name))
    .sort()
    .map((abs) => ({ path: toPosix(relative(repoRoot, abs)), text: readFileSync(abs, 'utf8') }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  const files = loadCoreFiles(repoRoot);
  const violations = findViolations(files);
  if (violations.length > 0) {
    console.error(`packages/core is not pure (${violations.length} violations):`);
    for (const v of violations) console.error(v);
    process.exit(1);
  }
  console.log(`packages/core is pure (${files.length} files checked)`);
}
