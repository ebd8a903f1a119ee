/**
 * Exit codes are the CLI's (and the GitHub Action's) contract with scripts and CI, so each failure is
 * raised as a `CliError` carrying its code, and only the entry point (`main.ts`) turns it into a
 * process exit.
 */

export const EXIT = {
  /** Done; or the check passed. */
  ok: 0,
  /** The check failed: a gate is unmet, a WIP limit is reached, evidence is invalid, the state refused it. */
  failed: 1,
  /** Usage or input error: bad flags, an unreadable or invalid file, a request the server called invalid. */
  usage: 2,
  /** The server cannot be reached, refused the credentials or the permission, or failed itself. */
  unreachable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Extra lines printed after the message: what is wrong in detail, and what to do next. */
    readonly lines: string[] = [],
    /** With `--json`, printed on stdout instead of the text (the server's own error body). */
    readonly json?: unknown,
  ) {
    super(message);
  }
}

export const usageError = (message: string, lines: string[] = []) => new CliError(message, EXIT.usage, lines);
