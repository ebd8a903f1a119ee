import type { Project } from '../entities.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import type { Repositories } from '../ports/repositories.ts';

/**
 * Project keys: the short unique handle (`payments`) people type instead of a UUID, in the API, the
 * CLI, the GitHub Action and `clos.config.yaml`. Set once at creation and never changed afterwards,
 * because a key is written down in config files, CI workflows and scripts.
 */

/** Lowercase words of letters and digits joined by single hyphens, starting with a letter. */
export const PROJECT_KEY_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const PROJECT_KEY_MIN = 2;
export const PROJECT_KEY_MAX = 40;

/**
 * The length a derived key is cut to, leaving room for a `-2`… suffix (and, for keys the migration
 * derived, `-<8 hex of the id>`). Also keeps every derived key shorter than a UUID.
 */
export const DERIVED_KEY_MAX = 30;

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a project reference is a UUID (an id) rather than a key. */
export function isUuid(ref: string): boolean {
  return UUID_SHAPE.test(ref);
}

/**
 * Why `key` cannot be a project key, or null when it can. A key shaped like a UUID is refused: a
 * reference is read as an id whenever it looks like one, so such a key could never be used.
 */
export function projectKeyProblem(key: string): string | null {
  if (key.length < PROJECT_KEY_MIN || key.length > PROJECT_KEY_MAX)
    return `must be ${PROJECT_KEY_MIN}–${PROJECT_KEY_MAX} characters`;
  if (!PROJECT_KEY_PATTERN.test(key))
    return 'must be lowercase letters and digits in words joined by single hyphens, starting with a letter (e.g. payments-api)';
  if (isUuid(key)) return 'must not look like a UUID (ids and keys share the same places)';
  return null;
}

/** A well-formed key, or not: the shape a project reference must have when it is not a UUID. */
export function isProjectKey(ref: string): boolean {
  return projectKeyProblem(ref) === null;
}

/**
 * The key a project gets from its name when none is given, by the same rule migration 0008 used
 * for the projects that existed before keys: lowercase, runs of anything but ASCII letters and
 * digits become one hyphen, `p-` in front when it does not start with a letter (or is a single
 * character), at most {@link DERIVED_KEY_MAX} characters; `project` when nothing is left.
 */
export function deriveProjectKey(name: string): string {
  let s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!s) s = 'project';
  // The migration has no length floor; a key has, so a one-character name gets the prefix too.
  if (!/^[a-z]/.test(s) || s.length < PROJECT_KEY_MIN) s = `p-${s}`;
  return s.slice(0, DERIVED_KEY_MAX).replace(/-+$/, '');
}

/** The `n`th candidate for a derived key: the base first, then `base-2`, `base-3`, … */
export function keyCandidate(base: string, n: number): string {
  return n <= 1 ? base : `${base}-${n}`;
}

/**
 * The key a new project gets: the explicit one after checking it (invalid → 400 naming `key`, taken
 * → 409 naming `key`), or the first free candidate derived from the name. Two creations racing for
 * the same free key both pass this check; the unique index turns the loser into a conflict.
 */
export async function chooseProjectKey(
  repos: Repositories,
  input: { name: string; key?: string | null | undefined },
): Promise<string> {
  if (input.key != null) {
    const problem = projectKeyProblem(input.key);
    if (problem) throw new InvalidInputError([{ path: 'key', message: problem }]);
    if (await repos.projects.byKey(input.key))
      throw new ConflictError(`project key "${input.key}" is already taken; choose another key`, {
        key: input.key,
      });
    return input.key;
  }
  const base = deriveProjectKey(input.name);
  for (let n = 1; ; n++) {
    const candidate = keyCandidate(base, n);
    if (!(await repos.projects.byKey(candidate))) return candidate;
  }
}

/**
 * The project a reference names, or null: a UUID is an id, anything else a key. `forUpdate`
 * row-locks it for the rest of the transaction (a key never changes, so reading it unlocked first
 * is safe). A reference that is neither shape names no project and never reaches the database.
 */
export async function findProjectByRef(
  repos: Repositories,
  ref: string,
  forUpdate = false,
): Promise<Project | null> {
  if (isUuid(ref)) return forUpdate ? repos.projects.lockById(ref) : repos.projects.byId(ref);
  if (!isProjectKey(ref)) return null;
  const project = await repos.projects.byKey(ref);
  return project && forUpdate ? repos.projects.lockById(project.id) : project;
}

/** {@link findProjectByRef}, where an unknown reference is a NotFoundError naming it as given. */
export async function projectByRef(repos: Repositories, ref: string, forUpdate = false): Promise<Project> {
  const project = await findProjectByRef(repos, ref, forUpdate);
  if (!project) throw new NotFoundError('project', ref);
  return project;
}
