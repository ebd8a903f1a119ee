/**
 * The GitHub Actions runner's side of the protocol, written out rather than taken from `@actions/core`
 * (which would bring its HTTP and OIDC dependencies into the bundle for four small functions): inputs
 * arrive as `INPUT_<NAME>` variables, workflow commands (`::add-mask::`, `::error::`) go to stdout,
 * outputs and the job summary are appended to the files named by `GITHUB_OUTPUT` and
 * `GITHUB_STEP_SUMMARY`. Formats: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

export type Env = Readonly<Record<string, string | undefined>>;

/** The variable the runner sets for an input: upper-cased, spaces to underscores, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** An input's value, trimmed as `@actions/core` does; empty or unset is `undefined`. */
export function getInput(env: Env, name: string): string | undefined {
  const value = env[inputVariable(name)]?.trim();
  return value ? value : undefined;
}

// A workflow command's message may not contain raw line breaks, and `%` starts an escape.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command line, e.g. `::error title=CLOS::message` (with its line break). */
export function workflowCommand(
  name: string,
  message: string,
  properties: Record<string, string> = {},
): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`;
}

/**
 * `name=value` for one line; the heredoc form `name<<DELIMITER … DELIMITER` for a value with line
 * breaks. The delimiter is random so that no value can end the heredoc early and inject an output.
 */
export function formatOutput(
  name: string,
  value: string,
  delimiter = `ghadelimiter_${randomUUID()}`,
): string {
  if (!/[\r\n]/.test(value)) return `${name}=${value}${EOL}`;
  if (value.includes(delimiter) || name.includes(delimiter))
    throw new Error(`output ${name}: the value contains the delimiter ${delimiter}`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

/**
 * Appends outputs to `$GITHUB_OUTPUT`. Outside a runner (the variable unset, e.g. running the bundle by
 * hand) there is nowhere to put them, and the job log already shows the result.
 */
export function setOutputs(env: Env, outputs: Record<string, string>): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  appendFileSync(
    file,
    Object.entries(outputs)
      .map(([name, value]) => formatOutput(name, value))
      .join(''),
    'utf8',
  );
}

/** Appends Markdown to `$GITHUB_STEP_SUMMARY` (shown on the run's page); skipped outside a runner. */
export function appendSummary(env: Env, markdown: string): void {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  appendFileSync(file, markdown.endsWith(EOL) ? markdown : `${markdown}${EOL}`, 'utf8');
}
