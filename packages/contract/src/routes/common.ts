import { isUuid, PROJECT_KEY_MAX, PROJECT_KEY_MIN, PROJECT_KEY_PATTERN } from '@clos/core';
import { z } from 'zod';

/** Shared wire pieces for the route tables (api.ts and the feature tables under routes/). */

// PostgreSQL stores timestamps from 4713 BC and JavaScript dates reach ±275760, but year 0 (and any
// year before 1) is not a year PostgreSQL accepts in ISO form: only years 1–9999 cross the wire.
const inStoredRange = (value: string) => {
  const year = new Date(value).getUTCFullYear();
  // Not a date at all: the format check has said so already, once is enough.
  return Number.isNaN(year) || (year >= 1 && year <= 9999);
};

/** An ISO-8601 timestamp with an offset, in years 1–9999. */
export const ts = z.iso
  .datetime({ offset: true })
  .refine(inStoredRange, 'must be a date between years 0001 and 9999');

const isCalendarDate = (value: string) => {
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const t = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  t.setUTCFullYear(y, m - 1, d);
  return y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30), years 0001–9999. */
export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(isCalendarDate, 'must be a date YYYY-MM-DD');

/** RFC 5321 caps an address at 254 characters; longer ones cannot be delivered to, so are refused. */
export const EMAIL_MAX = 254;
export const email = z
  .email('must be an email address')
  .max(EMAIL_MAX, `must be at most ${EMAIL_MAX} characters`);

export const uuid = z.uuid();
export const idParam = z.strictObject({ id: uuid });
/** A new project's key; the same rules as core's `projectKeyProblem`, kept visible in OpenAPI. */
export const projectKey = z
  .string()
  .min(PROJECT_KEY_MIN, `must be ${PROJECT_KEY_MIN}–${PROJECT_KEY_MAX} characters`)
  .max(PROJECT_KEY_MAX, `must be ${PROJECT_KEY_MIN}–${PROJECT_KEY_MAX} characters`)
  .regex(
    PROJECT_KEY_PATTERN,
    'must be lowercase letters and digits in words joined by single hyphens, starting with a letter',
  )
  .refine((key) => !isUuid(key), 'must not look like a UUID')
  .meta({ description: 'a short unique handle accepted wherever the project id is, e.g. `payments`' });
/**
 * A project reference: its id (a UUID) or its key (`payments`). A union, so that OpenAPI (and the
 * fuzzer, which reads it) show both shapes; which project it names is core's `projectByRef`.
 */
export const projectRef = z
  .union([uuid, projectKey], { error: 'must be a project id (UUID) or a project key' })
  .meta({ description: 'the project id (UUID) or its key, e.g. `payments`' });
export const projectRefParam = z.strictObject({ id: projectRef });
export const slugParam = z.strictObject({ slug: z.string().min(1).max(60) });
// `<number>` types the input for callers (the typed client sends numbers); the server still coerces
// the query string's text.
export const listQuery = z.strictObject({
  limit: z.coerce.number<number>().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const nonEmpty = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
