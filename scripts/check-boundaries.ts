/**
 * Keeps the workspace's dependency direction: which package or app may import which internal package,
 * no app importing another app, no relative import reaching into another workspace's files, no import
 * cycle between the files of one workspace, every internal import declared in package.json, and
 * packages/core pure (scripts/check-core-purity.ts). Reads each source file's syntax tree.
 *
 *   npx tsx scripts/check-boundaries.ts [--root DIR]
 *
 * Exits 1 listing every violation, or 0 saying what it checked. It covers the sources that ship: each
 * workspace's `src/`, without tests (`*.test.ts`, `test/`): a test may reach across, as the CLI's tests
 * start the real server.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findViolations as findPurityViolations, importsOf, loadCoreFiles } from './check-core-purity.ts';

/** What one workspace's shipped sources may import. */
export interface Boundary {
  /** The internal packages (`@clos/…`) it may import, by package name. */
  imports: readonly string[];
  /** Imports of another app allowed by exact specifier, each with the reason it is allowed. */
  appImports?: Readonly<Record<string, string>>;
}

/**
 * The table, by package name. Apps import packages; packages never import apps; core imports nothing
 * internal; contract and config describe the wire and the policy file; db, outbound and integrations
 * implement core's ports; workflows run use cases over db; the server composes them all. A new
 * workspace needs a row here (the check fails until it has one), and a new arrow is a decision to make
 * here, in review, rather than an import that slips in.
 */
export const BOUNDARIES: Readonly<Record<string, Boundary>> = {
  // packages, from the bottom up
  '@clos/core': { imports: [] },
  '@clos/contract': { imports: ['@clos/core'] },
  '@clos/config': { imports: ['@clos/contract'] },
  '@clos/db': { imports: ['@clos/core'] },
  '@clos/outbound': { imports: ['@clos/core'] },
  '@clos/workflows': { imports: ['@clos/core', '@clos/db', '@clos/outbound', '@clos/backup'] },
  '@clos/integrations': { imports: ['@clos/core', '@clos/contract', '@clos/outbound', '@clos/workflows'] },
  '@clos/testing': { imports: ['@clos/core', '@clos/contract', '@clos/db'] },
  '@clos/cli-kit': { imports: ['@clos/contract', '@clos/config'] },
  '@clos/audit-signing': { imports: ['@clos/core'] },
  '@clos/backup': { imports: ['@clos/core', '@clos/db'] },
  // The CDK app describes infrastructure; it imports no CLOS code.
  '@clos/deploy-aws': { imports: [] },
  // apps
  '@clos/server': {
    imports: [
      '@clos/core',
      '@clos/contract',
      '@clos/config',
      '@clos/audit-signing',
      '@clos/db',
      '@clos/outbound',
      '@clos/workflows',
      '@clos/integrations',
      '@clos/backup',
    ],
  },
  '@clos/cli': {
    imports: ['@clos/core', '@clos/contract', '@clos/cli-kit', '@clos/audit-signing', '@clos/backup'],
    appImports: {
      '@clos/server/secrets':
        '`clos secrets rotate` re-encrypts in the database with the server’s own code, loaded only by that command',
    },
  },
  '@clos/github-action': { imports: ['@clos/core', '@clos/contract', '@clos/config', '@clos/cli-kit'] },
  '@clos/dashboard': { imports: ['@clos/core', '@clos/contract'] },
};

export interface Workspace {
  /** Directory relative to the repository root, e.g. `packages/core`. */
  dir: string;
  name: string;
  kind: 'app' | 'package';
  /** `@clos/…` names listed in its package.json `dependencies` (and `devDependencies`). */
  declared: readonly string[];
}

export interface SourceFile {
  /** Path relative to the repository root. */
  path: string;
  text: string;
}

export interface Tree {
  workspaces: readonly Workspace[];
  /** The shipped sources of every workspace. */
  files: readonly SourceFile[];
  /** The non-test sources of packages/core, for the purity rule. */
  coreFiles: readonly SourceFile[];
}

const INTERNAL_SCOPE = '@clos/';
const SOURCE_FILE = /\.(ts|tsx|mts)$/;
const TEST_FILE = /\.test\.(ts|tsx|mts)$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '.mts', '/index.ts', '/index.tsx'];

const toPosix = (p: string) => p.split(sep).join('/').replaceAll('\\', '/');

/** `@clos/name` of a specifier `@clos/name` or `@clos/name/sub`; null for anything else. */
function internalPackage(specifier: string): string | null {
  if (!specifier.startsWith(INTERNAL_SCOPE)) return null;
  const name = specifier.slice(INTERNAL_SCOPE.length).split('/')[0];
  return name ? `${INTERNAL_SCOPE}${name}` : null;
}

/** The workspace whose directory holds `path`, if any. */
function workspaceOf(workspaces: readonly Workspace[], path: string): Workspace | undefined {
  return workspaces.find((w) => path === w.dir || path.startsWith(`${w.dir}/`));
}

const list = (names: readonly string[]) => (names.length === 0 ? 'nothing internal' : names.join(', '));

/** Every boundary violation in `tree`, as `file:line: reason` (cycles as `dir: import cycle: a → b → a`). */
export function findBoundaryViolations(
  tree: Tree,
  table: Readonly<Record<string, Boundary>> = BOUNDARIES,
): string[] {
  const found: string[] = [];
  const byName = new Map(tree.workspaces.map((w) => [w.name, w]));
  const paths = new Set(tree.files.map((f) => f.path));

  for (const w of tree.workspaces)
    if (!Object.hasOwn(table, w.name))
      found.push(
        `${w.dir}: ${w.name} is not in the boundary table (BOUNDARIES in scripts/check-boundaries.ts): add a row saying which packages it may import`,
      );

  // Edges between files of the same workspace, for the cycle rule.
  const edges = new Map<string, Set<string>>();

  for (const file of tree.files) {
    const from = workspaceOf(tree.workspaces, file.path);
    if (!from) continue;
    const boundary = table[from.name];
    for (const { specifier, line } of importsOf(file)) {
      if (specifier === null) continue; // a computed `import(…)`: nothing to check statically
      const at = `${file.path}:${line}`;
      if (specifier.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file.path), specifier));
        const into = workspaceOf(tree.workspaces, target);
        if (into && into !== from) {
          found.push(
            into.kind === 'app'
              ? `${at}: relative import "${specifier}" reaches into ${into.dir}, another app: apps import packages, never another app; move what both need into a package`
              : `${at}: relative import "${specifier}" reaches into ${into.dir}'s files; import ${into.name} by its name (if the table allows it)`,
          );
          continue;
        }
        const resolved = RESOLVE_SUFFIXES.map((s) => target + s).find((p) => paths.has(p));
        if (resolved && resolved !== file.path) {
          const set = edges.get(file.path) ?? new Set<string>();
          set.add(resolved);
          edges.set(file.path, set);
        }
        continue;
      }
      const name = internalPackage(specifier);
      if (name === null || name === from.name) continue;
      const target = byName.get(name);
      if (!target) {
        found.push(`${at}: imports "${specifier}", which is no workspace of this repository`);
        continue;
      }
      if (target.kind === 'app') {
        const why = boundary?.appImports?.[specifier];
        if (why === undefined)
          found.push(
            `${at}: imports "${specifier}", another app: ${from.kind === 'app' ? 'apps import packages, never another app' : 'packages never import apps'}; move what both need into a package`,
          );
        else if (!from.declared.includes(name))
          found.push(
            `${at}: imports "${specifier}", which ${from.dir}/package.json does not list in dependencies`,
          );
        continue;
      }
      if (boundary && !boundary.imports.includes(name)) {
        found.push(`${at}: imports "${specifier}"; ${from.name} may import ${list(boundary.imports)}`);
        continue;
      }
      if (!from.declared.includes(name))
        found.push(
          `${at}: imports "${specifier}", which ${from.dir}/package.json does not list in dependencies`,
        );
    }
  }

  for (const cycle of findCycles(edges)) {
    const dir = workspaceOf(tree.workspaces, cycle[0]!)?.dir ?? '.';
    found.push(`${dir}: import cycle: ${cycle.join(' → ')}`);
  }

  found.push(...findPurityViolations([...tree.coreFiles]));
  return found;
}

/**
 * One cycle per strongly connected component of the graph (Tarjan), each the shortest path from the
 * component's first file (in path order) back to itself, written with the start repeated at the end.
 */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;

  // Iterative, so that a long chain of imports cannot overflow the call stack.
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; targets: string[]; i: number }[] = [];
    const open = (node: string) => {
      index.set(node, next);
      low.set(node, next);
      next += 1;
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: [...(edges.get(node) ?? [])].sort(), i: 0 });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      if (frame.i < frame.targets.length) {
        const target = frame.targets[frame.i]!;
        frame.i += 1;
        if (!index.has(target)) open(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = edges.get(frame.node)?.has(frame.node) ?? false;
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }

  return components
    .map((component) => shortestCycle(edges, component[0]!, new Set(component)))
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Breadth-first from `start` within `members` until an edge leads back to `start`. */
function shortestCycle(
  edges: ReadonlyMap<string, ReadonlySet<string>>,
  start: string,
  members: ReadonlySet<string>,
): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i += 1) {
    const node = queue[i]!;
    for (const target of [...(edges.get(node) ?? [])].sort()) {
      if (target === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (members.has(target) && !previous.has(target) && target !== start) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** The workspaces the root package.json's `workspaces` globs (`dir/*`) name, each with its package.json. */
export function loadWorkspaces(repoRoot: string): Workspace[] {
  const rootPkg = JSON.parse(readFileSync(posix.join(toPosix(repoRoot), 'package.json'), 'utf8')) as {
    workspaces?: string[];
  };
  const found: Workspace[] = [];
  for (const pattern of rootPkg.workspaces ?? []) {
    const parent = pattern.replace(/\/\*$/, '');
    const parentAbs = posix.join(toPosix(repoRoot), parent);
    if (!existsSync(parentAbs)) continue;
    for (const entry of readdirSync(parentAbs, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const pkgFile = posix.join(parentAbs, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) =>
        d.startsWith(INTERNAL_SCOPE),
      );
      found.push({
        dir: `${parent}/${entry.name}`,
        name: pkg.name,
        kind: parent === 'apps' ? 'app' : 'package',
        declared,
      });
    }
  }
  return found;
}

/** The shipped sources (`src/`, no tests, no declaration files) of `workspaces`. */
export function loadSourceFiles(repoRoot: string, workspaces: readonly Workspace[]): SourceFile[] {
  const root = toPosix(repoRoot);
  return workspaces.flatMap((w) => {
    const srcDir = posix.join(root, w.dir, 'src');
    if (!existsSync(srcDir)) return [];
    return readdirSync(srcDir, { recursive: true, withFileTypes: true })
      .filter(
        (e) =>
          e.isFile() &&
          SOURCE_FILE.test(e.name) &&
          !TEST_FILE.test(e.name) &&
          !e.name.endsWith('.d.ts') &&
          !toPosix(e.parentPath).split('/').includes('node_modules'),
      )
      .map((e) => posix.join(toPosix(e.parentPath), e.name))
      .sort()
      .map((abs) => ({ path: toPosix(relative(repoRoot, abs)), text: readFileSync(abs, 'utf8') }));
  });
}

/** Everything the check reads, from the repository (or a tree laid out like it) at `repoRoot`. */
export function loadTree(repoRoot: string): Tree {
  const workspaces = loadWorkspaces(repoRoot);
  const coreDir = posix.join(toPosix(repoRoot), 'packages/core/src');
  return {
    workspaces,
    files: loadSourceFiles(repoRoot, workspaces),
    coreFiles: existsSync(coreDir) ? loadCoreFiles(repoRoot) : [],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rootFlag = process.argv.indexOf('--root');
  const repoRoot =
    rootFlag > 0 && process.argv[rootFlag + 1]
      ? process.argv[rootFlag + 1]!
      : fileURLToPath(new URL('..', import.meta.url));
  const tree = loadTree(repoRoot);
  const violations = findBoundaryViolations(tree);
  if (violations.length > 0) {
    console.error(`boundaries broken (${violations.length} violations):`);
    for (const v of violations) console.error(v);
    process.exit(1);
  }
  console.log(
    `boundaries hold: ${tree.workspaces.length} workspaces, ${tree.files.length} files, no cycles; packages/core is pure (${tree.coreFiles.length} files)`,
  );
}
