/**
 * Runs the real `clos` executable (bin/clos.js, as npm links it) in a child process, with an
 * environment built from scratch so the developer's own profile and CLOS_* variables never leak in.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLOS_BIN = fileURLToPath(new URL('../bin/clos.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read output loosely; the contract is typed elsewhere
  json<T = Record<string, any>>(): T;
}

export interface CliSandbox {
  home: string;
  /** Variables every run gets (besides PATH, HOME and NO_COLOR); a run's own `env` adds to them. */
  env: Record<string, string>;
  run(
    args: string[],
    options?: { env?: Record<string, string | undefined>; cwd?: string },
  ): Promise<CliResult>;
  cleanup(): Promise<void>;
}

const result = (code: number | null, stdout: string, stderr: string): CliResult => ({
  code,
  stdout,
  stderr,
  json() {
    try {
      return JSON.parse(stdout);
    } catch {
      throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
    }
  },
});

/**
 * `inProcess`: run the CLI's `runCli` in this process, capturing what it writes, instead of starting
 * `bin/clos.js` (about a second of CPU per run through tsx). For tests of what a command sends and
 * prints against a live server; the binary itself, its start-up and exit codes as a process, stays
 * covered by the tests that spawn it (offline.test.ts, server.test.ts).
 */
/**
 * Runs `clos` in this process through `runCli`, capturing what it writes; the client still talks HTTP
 * to whatever server `env` names, as the installed command does. About a second of CPU cheaper per
 * run than a process; the binary itself stays covered by the tests that spawn it.
 */
export async function runInProcess(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CliResult> {
  const { runCli } = await import('../src/program.ts');
  let stdout = '';
  let stderr = '';
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: unknown) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await runCli(args, { env, cwd, exitCode: 0 });
    return result(code, stdout, stderr);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

export async function createSandbox(options: { inProcess?: boolean } = {}): Promise<CliSandbox> {
  const home = await mkdtemp(join(tmpdir(), 'clos-cli-'));
  const sandbox: CliSandbox = {
    home,
    env: {},
    async run(args, runOptions = {}) {
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' };
      for (const [key, value] of Object.entries({ ...sandbox.env, ...runOptions.env }))
        if (value !== undefined) env[key] = value;
        else delete env[key];
      if (options.inProcess) return runInProcess(args, env, runOptions.cwd ?? home);
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLOS_BIN, ...args], {
          cwd: runOptions.cwd ?? home,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
        });
        child.on('error', reject);
        child.on('close', (code) => resolve(result(code, stdout, stderr)));
      });
    },
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
  return sandbox;
}

/** A URL nothing listens on: a port the OS just handed out and took back. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Shown when an exit code is not the expected one, so the failure says why. */
export function explain(result: CliResult): string {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}
