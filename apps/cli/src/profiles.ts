/**
 * Saved connections (`clos login`): `$XDG_CONFIG_HOME/clos/config.json`, else `~/.config/clos/config.json`.
 * The file holds API tokens, so it is written with mode 0600 in a 0700 directory, and replaced by a
 * rename so that a crash mid-write never leaves half a file.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT, usageError } from '@clos/cli-kit';

export const DEFAULT_PROFILE = 'default';

export interface Profile {
  url: string;
  token?: string;
}

export interface ProfileFile {
  /** The profile used when neither `--profile` nor `CLOS_PROFILE` names one. */
  current?: string;
  profiles: Record<string, Profile>;
}

export function profilesPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'clos', 'config.json');
}

export async function readProfiles(env: NodeJS.ProcessEnv): Promise<ProfileFile> {
  const path = profilesPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw usageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<ProfileFile>;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.profiles !== 'object')
      throw new Error('expected { "profiles": { … } }');
    return { ...parsed, profiles: parsed.profiles ?? {} };
  } catch (error) {
    throw usageError(`${path} is not a valid profile file: ${(error as Error).message}`, [
      'fix or delete it, then run: clos login --url URL --token TOKEN',
    ]);
  }
}

export async function writeProfiles(env: NodeJS.ProcessEnv, file: ProfileFile): Promise<string> {
  const path = profilesPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // The umask can only remove bits, but an explicit chmod also covers a file system that ignores `mode`.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return path;
}

export function profileName(flag: string | undefined, env: NodeJS.ProcessEnv, file: ProfileFile): string {
  return flag || env.CLOS_PROFILE || file.current || DEFAULT_PROFILE;
}

export interface Connection {
  url: string;
  token: string | undefined;
  profile: string;
}

/** `CLOS_URL` and `CLOS_TOKEN` win over the profile, so CI can run without `clos login`. */
export async function resolveConnection(
  flagProfile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Connection> {
  const file = await readProfiles(env);
  const name = profileName(flagProfile, env, file);
  const saved = file.profiles[name];
  if (flagProfile && !saved && !env.CLOS_URL)
    throw new CliError(`no profile named "${flagProfile}" in ${profilesPath(env)}`, EXIT.unreachable, [
      `create it with: clos login --profile ${flagProfile} --url URL --token TOKEN`,
    ]);
  const url = env.CLOS_URL || saved?.url;
  if (!url)
    throw new CliError('no CLOS server configured', EXIT.unreachable, [
      'run: clos login --url http://127.0.0.1:4000 --token TOKEN',
      'or set CLOS_URL and CLOS_TOKEN',
    ]);
  return { url, token: env.CLOS_TOKEN || saved?.token, profile: name };
}
