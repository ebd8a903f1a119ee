/**
 * The policy file `validate` checks evidence against, read by the CLI's loader (`@clos/cli-kit`, over
 * the server's own `@clos/config`: same lookup, same YAML and schema rules, same located problems). One
 * case differs in the bundle: `@clos/config` finds the built-in default, `clos.config.example.yaml`,
 * relative to its own source file, which is not where `dist/index.js` runs from. So that file is
 * bundled as text and parsed with the server's own parser, giving the very model a server without a
 * policy file runs.
 */
import { isAbsolute, relative } from 'node:path';
import { BUILT_IN_SOURCE, type LoadedConfig, loadConfig } from '@clos/cli-kit';
import { parseConfigYaml } from '@clos/config';
import BUILT_IN_YAML from '../../../clos.config.example.yaml';

/** How the built-in default is named in messages, the summary and the `details` output. */
export const BUILT_IN_LABEL = 'the built-in default policy (clos.config.example.yaml)';

/** `path` if given; else `./clos.config.yaml` in `cwd` if it exists; else the built-in default. */
export async function loadPolicy(path: string | undefined, cwd: string): Promise<LoadedConfig> {
  const loaded = await loadConfig(path, cwd);
  if (loaded.source === BUILT_IN_SOURCE)
    return { ...parseConfigYaml(BUILT_IN_YAML, 'clos.config.example.yaml'), source: BUILT_IN_LABEL };
  // The loader names the file by its absolute path; in the workspace, the path in the repository reads better.
  const inWorkspace = relative(cwd, loaded.source);
  return inWorkspace && !inWorkspace.startsWith('..') && !isAbsolute(inWorkspace)
    ? { ...loaded, source: inWorkspace }
    : loaded;
}
