import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findViolations, loadCoreFiles } from './check-core-purity.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const FILE = 'packages/core/src/stages/example.ts';

/** Violations of one synthetic file at {@link FILE}. */
const check = (text: string, path = FILE) => findViolations([{ path, text }]);

describe('findViolations: imports', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'node:fs'],
    ["import type { UUID } from 'node:crypto';", 'node:crypto'],
    ["import { EventEmitter } from 'node:events';", 'node:events'],
  ])('refuses node: specifiers: %s', (text, spec) => {
    expect(check(text)).toEqual([`${FILE}:1: imports Node built-in "${spec}"`]);
  });

  it.each([
    'fs',
    'fs/promises',
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
    'stream/web',
    'worker_threads',
  ])('refuses the bare Node built-in "%s"', (spec) => {
    expect(check(`import * as m from '${spec}';`)).toEqual([`${FILE}:1: imports Node built-in "${spec}"`]);
  });

  it.each([
    'pg',
    '@electric-sql/pglite',
    'drizzle-orm',
    'drizzle-orm/pg-core',
    'fastify',
    'fastify-plugin',
    '@fastify/cors',
    'undici',
    '@slack/web-api',
    '@octokit/rest',
    '@linear/sdk',
    'pino',
    '@clos/contract',
    '@clos/db',
  ])('refuses "%s"', (spec) => {
    const found = check(`import { x } from '${spec}';`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${FILE}:1: imports "${spec.replace(/[/.]/g, '\\$&')}" \\(`));
  });

  it('refuses third-party packages that are not on the allowlist', () => {
    expect(check("import _ from 'lodash';")).toEqual([
      `${FILE}:1: imports third-party package "lodash" (allowed: ajv, ajv/*, ajv-formats, ipaddr.js)`,
    ]);
    expect(check("import { z } from 'zod';")).toHaveLength(1);
  });

  it('allows ajv, its subpaths, ajv-formats and ipaddr.js', () => {
    const text = [
      "import type { ErrorObject } from 'ajv';",
      "import { Ajv2020 } from 'ajv/dist/2020.js';",
      "import * as addFormats from 'ajv-formats';",
      "import ipaddr from 'ipaddr.js';",
    ].join('\n');
    expect(check(text)).toEqual([]);
  });

  it('does not allow look-alikes of the allowed packages', () => {
    expect(check("import x from 'ajv-evil';")).toHaveLength(1);
    expect(check("import x from 'ajv-formats/dist/formats.js';")).toHaveLength(1);
    expect(check("import x from 'ipaddr.js/lib/ipaddr.js';")).toHaveLength(1);
    expect(check("import x from 'ipaddrXjs';")).toHaveLength(1);
  });

  it('allows relative imports that stay inside packages/core', () => {
    const text = [
      "import type { Project } from '../entities.ts';",
      "import { ForbiddenError } from '../errors.ts';",
      "export * from './gate.ts';",
      "import pkg from '../../package.json';",
    ].join('\n');
    expect(check(text)).toEqual([]);
  });

  it('refuses relative imports that leave packages/core, with the line', () => {
    const text = [
      "import type { Project } from '../entities.ts';",
      "import { db } from '../../../db/src/index.ts';",
      "import { app } from '../../../../apps/server/src/main.ts';",
    ].join('\n');
    expect(check(text)).toEqual([
      `${FILE}:2: relative import "../../../db/src/index.ts" leaves packages/core`,
      `${FILE}:3: relative import "../../../../apps/server/src/main.ts" leaves packages/core`,
    ]);
  });

  it('resolves relative imports against an absolute file path too', () => {
    const path = '/repo/packages/core/src/a.ts';
    expect(check("import { b } from './b.ts';", path)).toEqual([]);
    expect(check("import { c } from '../../contract/src/c.ts';", path)).toHaveLength(1);
  });

  it('refuses absolute specifiers', () => {
    expect(check("import { x } from '/etc/x.ts';")).toEqual([
      `${FILE}:1: absolute import "/etc/x.ts" leaves packages/core`,
    ]);
  });

  it('checks re-exports, type-only imports, side-effect imports, dynamic imports and import types', () => {
    const text = [
      "export { Pool } from 'pg';",
      "import type { FastifyInstance } from 'fastify';",
      "import 'node:process';",
      "const m = await import('node:fs');",
      "type Logger = import('pino').Logger;",
    ].join('\n');
    const found = check(text);
    expect(found.map((v) => v.split(':')[1])).toEqual(['1', '2', '3', '4', '5']);
  });

  it('refuses dynamic imports whose specifier cannot be read', () => {
    expect(check('const name = "fs";\nconst m = await import(name);')).toEqual([
      `${FILE}:2: dynamic import( with a computed specifier cannot be checked`,
    ]);
  });

  it('reports a multi-line import at the line where it starts', () => {
    const text = ['// header', 'import {', '  readFileSync,', '  writeFileSync,', "} from 'node:fs';"].join(
      '\n',
    );
    expect(check(text)).toEqual([`${FILE}:2: imports Node built-in "node:fs"`]);
  });
});

describe('findViolations: ambient effects', () => {
  it.each([
    ['const t = Date.now();', 'Date.now('],
    ['const t = globalThis.Date.now();', 'Date.now('],
    ['const d = new Date();', 'new Date()'],
    ['const d = new Date;', 'new Date()'],
    ['const r = Math.random();', 'Math.random('],
    ['const e = process.env.DATABASE_URL;', 'process.'],
    ["const e = process['env'];", 'process.'],
    ['const e = globalThis.process.env;', 'process.'],
    ['const { env } = process;', 'process.'],
    ["const res = await fetch('https://example.com');", 'fetch('],
    ["const res = await globalThis.fetch('https://example.com');", 'fetch('],
    ['setTimeout(() => {}, 10);', 'setTimeout('],
    ['const h = setInterval(tick, 1000);', 'setInterval('],
    ["const fs = require('fs');", 'require('],
  ])('catches %s', (text, pattern) => {
    const found = check(text);
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found[0]).toMatch(new RegExp(`^${FILE}:1: `));
    expect(found[0]).toContain(pattern);
  });

  it.each([
    ['new Date(ms)', 'const d = new Date(ms);'],
    ['new Date(iso string)', "const d = new Date('2024-01-01T00:00:00Z');"],
    ['Date methods on a value', 'const t = clock.now().getTime();'],
    ['an injected clock', 'const now = ctx.clock.now();'],
    ['Math other than random', 'const n = Math.round(x * 100) / 100;'],
    ['a method named fetch on a port', 'const p = await repos.fetch(id);'],
    ['a method declaration named fetch', 'interface Repo {\n  fetch(id: string): Promise<void>;\n}'],
    ['a property named process', 'const s = job.process;'],
    ['words in comments', '// Date.now() and process.env and fetch() are forbidden\n/* new Date() */'],
    ['words in strings', 'const m = \'never call Date.now() or require("fs") or Math.random()\';'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
    ['words in templates', 'const m = `process.env is off limits: ${count}`;'],
    ["an import's name in a string", 'const s = "import fs from \'node:fs\'";'],
  ])('allows %s', (_label, text) => {
    expect(check(text)).toEqual([]);
  });

  it('catches effects inside template expressions', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
    expect(check('const m = `at ${Date.now()}`;')).toHaveLength(1);
  });

  it('reports each violation with its own line, across files, in order', () => {
    const found = findViolations([
      { path: 'packages/core/src/a.ts', text: 'const a = 1;\nconst t = Date.now();' },
      { path: 'packages/core/src/b.ts', text: 'export const ok = 1;' },
      { path: 'packages/core/src/c.ts', text: "import 'pg';\n\n\nconst r = Math.random();" },
    ]);
    expect(found).toEqual([
      'packages/core/src/a.ts:2: Date.now( reads the wall clock (use Clock)',
      'packages/core/src/c.ts:1: imports "pg" (database driver)',
      'packages/core/src/c.ts:4: Math.random( is nondeterministic (inject it)',
    ]);
  });

  it('returns nothing for no files', () => {
    expect(findViolations([])).toEqual([]);
  });
});

describe('packages/core/src', () => {
  it('loads every non-test source file of core', () => {
    const files = loadCoreFiles(repoRoot);
    const paths = files.map((f) => f.path);
    expect(paths).toContain('packages/core/src/stages/gate.ts');
    expect(paths).toContain('packages/core/src/index.ts');
    expect(paths.every((p) => p.startsWith('packages/core/src/') && p.endsWith('.ts'))).toBe(true);
    expect(paths.some((p) => p.endsWith('.test.ts'))).toBe(false);
  });

  it('has no purity violations', () => {
    expect(findViolations(loadCoreFiles(repoRoot))).toEqual([]);
  });

  it('the CLI exits 0 and says how many files it checked', () => {
    const count = loadCoreFiles(repoRoot).length;
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/check-core-purity.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`packages/core is pure (${count} files checked)`);
  });
});
