/**
 * Reads `clos.config.yaml` with the server's own loader, `@clos/config` (same lookup, same YAML and
 * schema rules, same `file:line:col: path: message` problems), so `clos config validate`,
 * `clos validate --offline` and the GitHub Action agree with what the server accepts at start-up,
 * without a server running.
 */
import { relative } from 'node:path';
import { BUILT_IN_CONFIG_PATH, loadConfigFile } from '@clos/config';
import type { ClosConfig } from '@clos/contract';

/** The `source` reported when no file is given and ./clos.config.yaml does not exist. */
export const BUILT_IN_SOURCE = 'the built-in default policy';

export type LoadedConfig =
  | { ok: true; config: ClosConfig; source: string }
  | { ok: false; source: string; problems: string[]; unreadable?: boolean };

/** `path` if given; else `./clos.config.yaml` if it exists; else the built-in default model. */
export async function loadConfig(path: string | undefined, cwd: string): Promise<LoadedConfig> {
  const found = await loadConfigFile(path, { cwd });
  // Name files as the user would: relative to where they ran clos.
  const source =
    found.source === BUILT_IN_CONFIG_PATH ? BUILT_IN_SOURCE : relative(cwd, found.source) || found.source;
  const loaded = { ...found, source };
  if (loaded.ok) return loaded;
  // A file that cannot be read is an input error (exit 2); a file that reads but is wrong fails the check (exit 1).
  const unreadable =
    loaded.problems.length === 1 && /: (file not found|cannot read\b)/.test(loaded.problems[0]!);
  return { ...loaded, unreadable };
}
