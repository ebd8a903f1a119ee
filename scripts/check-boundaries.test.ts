import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BOUNDARIES, findBoundaryViolations, findCycles, loadTree } from './check-boundaries.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The workspaces of a small tree laid out like the repository, each with its declared dependencies. */
const WORKSPACES: Record<string, { name: string; deps: string[] }> = {
  'packages/core': { name: '@clos/core', deps: [] },
  'packages/contract': { name: '@clos/contract', deps: ['@clos/core'] },
  'packages/config': { name: '@clos/config', deps: ['@clos/contract'] },
  'packages/db': { name: '@clos/db', deps: ['@clos/core'] },
  'packages/cli-kit': { name: '@clos/cli-kit', deps: ['@clos/contract', '@clos/config'] },
  'apps/server': { name: '@clos/server', deps: ['@clos/core', '@clos/contract', '@clos/config', '@clos/db'] },
  'apps/cli': { name: '@clos/cli', deps: ['@clos/core', '@clos/contract', '@clos/cli-kit', '@clos/server'] },
  'apps/github-action': { name: '@clos/github-action', deps: ['@clos/contract', '@clos/cli-kit'] },
};

/** A file of each workspace that imports what its row allows: the clean tree passes. */
const CLEAN: Record<string, string> = {
  'packages/core/src/index.ts': "export * from './stages/gate.ts';\n",
  'packages/core/src/stages/gate.ts': 'export const gate = 1;\n',
  'packages/contract/src/index.ts': "import type { gate } from '@clos/core';\nexport type G = typeof gate;\n",
  'packages/config/src/index.ts': "import type { G } from '@clos/contract';\nexport type C = G;\n",
  'packages/db/src/index.ts': "import { gate } from '@clos/core';\nexport const db = gate;\n",
  'packages/cli-kit/src/index.ts': "import type { C } from '@clos/config';\nexport type K = C;\n",
  'apps/server/src/main.ts':
    "import { db } from '@clos/db';\nimport text from '../../../clos.config.example.yaml';\nexport const s = [db, text];\n",
  'apps/cli/src/main.ts': "import type { K } from '@clos/cli-kit';\nexport type M = K;\n",
  'apps/github-action/src/main.ts': "import type { K } from '@clos/cli-kit';\nexport type M = K;\n",
};

const roots: string[] = [];
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes the clean tree, then `files` over it, into a temporary directory; returns its path. */
function plant(
  files: Record<string, string> = {},
  workspaces: Record<string, { name: string; deps: string[] }> = WORKSPACES,
): string {
  const root = mkdtempSync(join(tmpdir(), 'clos-boundaries-'));
  roots.push(root);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('package.json', JSON.stringify({ name: 'clos', workspaces: ['packages/*', 'apps/*'] }));
  for (const [dir, { name, deps }] of Object.entries(workspaces))
    write(
      `${dir}/package.json`,
      JSON.stringify({ name, dependencies: Object.fromEntries(deps.map((d) => [d, '2.0.0-alpha.1'])) }),
    );
  for (const [path, text] of Object.entries({ ...CLEAN, ...files })) write(path, text);
  return root;
}

const check = (files: Record<string, string> = {}, workspaces = WORKSPACES) =>
  findBoundaryViolations(loadTree(plant(files, workspaces)));

describe('findBoundaryViolations', () => {
  it('passes a tree that keeps every rule', () => {
    expect(check()).toEqual([]);
  });

  it('refuses an internal package the table does not allow, naming what is allowed', () => {
    expect(check({ 'packages/db/src/index.ts': "import type { G } from '@clos/contract';\n" })).toEqual([
      'packages/db/src/index.ts:1: imports "@clos/contract"; @clos/db may import @clos/core',
    ]);
  });

  it('refuses any internal import in core, by the table and by the purity rule', () => {
    const found = check({ 'packages/core/src/stages/gate.ts': "import { db } from '@clos/db';\n" });
    expect(found).toEqual([
      'packages/core/src/stages/gate.ts:1: imports "@clos/db"; @clos/core may import nothing internal',
      'packages/core/src/stages/gate.ts:1: imports "@clos/db" (internal package (core imports nothing internal))',
    ]);
  });

  it("keeps core's purity rule: ambient time in core fails the check", () => {
    expect(check({ 'packages/core/src/stages/gate.ts': 'export const t = Date.now();\n' })).toEqual([
      'packages/core/src/stages/gate.ts:1: Date.now( reads the wall clock (use Clock)',
    ]);
  });

  it('refuses an app importing another app by name, subpaths too', () => {
    expect(
      check({
        'apps/github-action/src/main.ts':
          "import { x } from '@clos/cli';\nimport { y } from '@clos/server/config';\n",
      }),
    ).toEqual([
      'apps/github-action/src/main.ts:1: imports "@clos/cli", another app: apps import packages, never another app; move what both need into a package',
      'apps/github-action/src/main.ts:2: imports "@clos/server/config", another app: apps import packages, never another app; move what both need into a package',
    ]);
  });

  it("allows only the table's named app imports, each exactly", () => {
    expect(check({ 'apps/cli/src/main.ts': "const m = await import('@clos/server/secrets');\n" })).toEqual(
      [],
    );
    expect(check({ 'apps/cli/src/main.ts': "import { s } from '@clos/server';\n" })).toEqual([
      'apps/cli/src/main.ts:1: imports "@clos/server", another app: apps import packages, never another app; move what both need into a package',
    ]);
    expect(check({ 'apps/cli/src/main.ts': "import { s } from '@clos/server/src/app.ts';\n" })).toHaveLength(
      1,
    );
  });

  it('refuses a package importing an app', () => {
    expect(check({ 'packages/contract/src/index.ts': "import type { S } from '@clos/server';\n" })).toEqual([
      'packages/contract/src/index.ts:1: imports "@clos/server", another app: packages never import apps; move what both need into a package',
    ]);
  });

  it("refuses a relative import into another app's files", () => {
    expect(
      check({ 'apps/github-action/src/main.ts': "import { EXIT } from '../../cli/src/errors.ts';\n" }),
    ).toEqual([
      'apps/github-action/src/main.ts:1: relative import "../../cli/src/errors.ts" reaches into apps/cli, another app: apps import packages, never another app; move what both need into a package',
    ]);
  });

  it("refuses a relative import into a package's files, even one the table allows", () => {
    expect(
      check({ 'apps/server/src/main.ts': "import { db } from '../../../packages/db/src/index.ts';\n" }),
    ).toEqual([
      'apps/server/src/main.ts:1: relative import "../../../packages/db/src/index.ts" reaches into packages/db\'s files; import @clos/db by its name (if the table allows it)',
    ]);
  });

  it('reports an import cycle inside a package with its path, type-only and re-export edges included', () => {
    const found = check({
      'packages/contract/src/routes.ts':
        "import { a } from './routes/alerts.ts';\nexport const routes = { a };\n",
      'packages/contract/src/routes/alerts.ts':
        "import type { R } from './definition.ts';\nexport const a = 1;\n",
      'packages/contract/src/routes/definition.ts': "export type { routes as R } from '../routes.ts';\n",
    });
    expect(found).toEqual([
      'packages/contract: import cycle: packages/contract/src/routes.ts → packages/contract/src/routes/alerts.ts → packages/contract/src/routes/definition.ts → packages/contract/src/routes.ts',
    ]);
  });

  it('reports a cycle through a directory index and a dynamic import', () => {
    const found = check({
      'apps/server/src/main.ts': "import { b } from './b';\nexport const a = 1;\n",
      'apps/server/src/b/index.ts': "export const b = () => import('../main.ts');\n",
    });
    expect(found).toEqual([
      'apps/server: import cycle: apps/server/src/b/index.ts → apps/server/src/main.ts → apps/server/src/b/index.ts',
    ]);
  });

  it('does not call a diamond a cycle', () => {
    expect(
      check({
        'packages/db/src/index.ts': "import './a.ts';\nimport './b.ts';\n",
        'packages/db/src/a.ts': "import './c.ts';\n",
        'packages/db/src/b.ts': "import './c.ts';\n",
        'packages/db/src/c.ts': 'export {};\n',
      }),
    ).toEqual([]);
  });

  it('refuses an internal import its package.json does not declare', () => {
    const workspaces = { ...WORKSPACES, 'packages/db': { name: '@clos/db', deps: [] } };
    expect(check({}, workspaces)).toEqual([
      'packages/db/src/index.ts:1: imports "@clos/core", which packages/db/package.json does not list in dependencies',
    ]);
  });

  it('refuses an @clos/ package that is no workspace', () => {
    expect(check({ 'apps/server/src/main.ts': "import { x } from '@clos/nope';\n" })).toEqual([
      'apps/server/src/main.ts:1: imports "@clos/nope", which is no workspace of this repository',
    ]);
  });

  it('refuses a workspace the table has no row for', () => {
    const workspaces = { ...WORKSPACES, 'packages/metrics': { name: '@clos/metrics', deps: [] } };
    expect(check({ 'packages/metrics/src/index.ts': 'export {};\n' }, workspaces)).toEqual([
      'packages/metrics: @clos/metrics is not in the boundary table (BOUNDARIES in scripts/check-boundaries.ts): add a row saying which packages it may import',
    ]);
  });

  it('leaves tests alone: an integration test may start the real server', () => {
    expect(
      check({
        'apps/cli/test/server.test.ts': "import { startServer } from '../../server/src/main.ts';\n",
        'apps/cli/src/main.test.ts': "import { db } from '@clos/db';\n",
      }),
    ).toEqual([]);
  });

  it('reads .tsx files', () => {
    const workspaces = {
      ...WORKSPACES,
      'apps/dashboard': { name: '@clos/dashboard', deps: ['@clos/contract'] },
    };
    expect(
      check(
        { 'apps/dashboard/src/app.tsx': "import { db } from '@clos/db';\nexport const A = () => <div />;\n" },
        workspaces,
      ),
    ).toEqual([
      'apps/dashboard/src/app.tsx:1: imports "@clos/db"; @clos/dashboard may import @clos/core, @clos/contract',
    ]);
  });
});

describe('findCycles', () => {
  const graph = (edges: Record<string, string[]>) =>
    new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));

  it('finds one shortest cycle per strongly connected component', () => {
    expect(
      findCycles(
        graph({
          a: ['b'],
          b: ['c', 'a'],
          c: ['a'],
          x: ['y'],
          y: ['z'],
          z: ['x'],
          solo: ['solo'],
          dag: ['a'],
        }),
      ),
    ).toEqual([
      ['a', 'b', 'a'],
      ['solo', 'solo'],
      ['x', 'y', 'z', 'x'],
    ]);
  });

  it('walks a long chain without overflowing the stack', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 20_000; i += 1) edges[`n${i}`] = [`n${i + 1}`];
    edges.n20000 = ['n0'];
    const [cycle] = findCycles(graph(edges));
    expect(cycle).toHaveLength(20_002);
  });
});

describe('the boundary table', () => {
  const apps = ['@clos/server', '@clos/cli', '@clos/github-action', '@clos/dashboard'];

  it('points from apps to packages only, and core imports nothing internal', () => {
    for (const [name, row] of Object.entries(BOUNDARIES)) {
      for (const target of row.imports) {
        expect(apps, `${name} → ${target}`).not.toContain(target);
        expect(Object.keys(BOUNDARIES), `${name} → ${target}`).toContain(target);
      }
    }
    expect(BOUNDARIES['@clos/core']?.imports).toEqual([]);
  });

  it('has no cycle between packages', () => {
    const edges = new Map(Object.entries(BOUNDARIES).map(([name, row]) => [name, new Set(row.imports)]));
    expect(findCycles(edges)).toEqual([]);
  });
});

describe('the repository', () => {
  it('has a row for every workspace and keeps every rule', () => {
    const tree = loadTree(repoRoot);
    expect(tree.workspaces.map((w) => w.name)).toEqual(
      expect.arrayContaining([
        '@clos/core',
        '@clos/contract',
        '@clos/server',
        '@clos/cli',
        '@clos/github-action',
      ]),
    );
    expect(tree.files.some((f) => f.path.endsWith('.test.ts'))).toBe(false);
    expect(findBoundaryViolations(tree)).toEqual([]);
  });

  it('the command exits 0 on the repository and 1 listing violations on a broken tree', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/check-boundaries.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(out).toMatch(
      /^boundaries hold: \d+ workspaces, \d+ files, no cycles; packages\/core is pure \(\d+ files\)\n$/,
    );

    const broken = plant({
      'apps/github-action/src/main.ts': "import { EXIT } from '../../cli/src/errors.ts';\n",
    });
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/check-boundaries.ts', '--root', broken],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('boundaries broken (1 violations):');
    expect(run.stderr).toContain(
      'apps/github-action/src/main.ts:1: relative import "../../cli/src/errors.ts" reaches into apps/cli',
    );
  });
});
