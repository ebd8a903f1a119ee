/**
 * The one place the CLI meets the typed HTTP client from `@clos/contract`: building it from the saved
 * profile. Turning its errors into exit codes and messages is `@clos/cli-kit`'s, shared with the
 * GitHub Action.
 */
import { CliError, EXIT } from '@clos/cli-kit';
import { type ClosClient, createClosClient, isClosApiError } from '@clos/contract';
import { resolveConnection } from './profiles.ts';

export type { ClosClient };

const DEFAULT_TIMEOUT_MS = 30_000;

export async function connect(flagProfile: string | undefined, env: NodeJS.ProcessEnv): Promise<ClosClient> {
  const connection = await resolveConnection(flagProfile, env);
  return clientFor(connection.url, connection.token, env);
}

export function clientFor(url: string, token: string | undefined, env: NodeJS.ProcessEnv): ClosClient {
  return createClosClient({ url, token, timeoutMs: timeoutFrom(env), headers: { 'user-agent': 'clos-cli' } });
}

function timeoutFrom(env: NodeJS.ProcessEnv): number {
  if (!env.CLOS_TIMEOUT_MS) return DEFAULT_TIMEOUT_MS;
  const ms = Number(env.CLOS_TIMEOUT_MS);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new CliError(
      `CLOS_TIMEOUT_MS: must be a whole number of milliseconds, got "${env.CLOS_TIMEOUT_MS}"`,
      EXIT.usage,
    );
  return ms;
}

export { isClosApiError as isApiError };
