/**
 * What every command handler gets: the output (text or `--json`), the environment, and the API client,
 * created only when a command first asks for it so that offline commands never need a profile.
 */
import { EXIT, type ExitCode, toCliError } from '@clos/cli-kit';
import { type Command, InvalidArgumentError } from 'commander';
import { type ClosClient, connect } from './api.ts';
import { createOutput, type Output } from './output.ts';

export interface Runtime {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set by the handler that ran; read by `main.ts`. */
  exitCode: ExitCode;
}

export interface Globals {
  json?: boolean;
  profile?: string;
}

export interface Session {
  out: Output;
  globals: Globals;
  runtime: Runtime;
  client(): Promise<ClosClient>;
}

// A handler that only prints returns nothing; one whose check can fail returns its exit code.
// biome-ignore lint/suspicious/noConfusingVoidType: `void` is what a handler without `return` produces
type Handler<O> = (session: Session, options: O, command: Command) => Promise<ExitCode | undefined | void>;

/**
 * Wraps a handler as a commander action: builds the session, and turns client errors into `CliError`s
 * (with exit codes) here, once, rather than in every command.
 */
export function action<O>(runtime: Runtime, handler: Handler<O>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.opts() as O;
    const globals = command.optsWithGlobals() as Globals;
    const out = createOutput({ json: Boolean(globals.json), env: runtime.env });
    let client: ClosClient | undefined;
    const session: Session = {
      out,
      globals,
      runtime,
      client: async () => {
        client ??= await connect(globals.profile, runtime.env);
        return client;
      },
    };
    try {
      runtime.exitCode = (await handler(session, options, command)) ?? EXIT.ok;
    } catch (error) {
      throw toCliError(error);
    }
  };
}

// ---------------------------------------------------------------- option parsers (bad values exit 2)

export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Prints where the next page starts; lists return one page at a time. */
export function morePages(out: Output, nextCursor: string | null | undefined): void {
  if (nextCursor && !out.json) out.note(`more: repeat with --cursor ${nextCursor}`);
}
