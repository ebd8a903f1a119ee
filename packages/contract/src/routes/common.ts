import { z } from 'zod';

/** Shared wire pieces for the feature route tables. */
export const ts = z.iso.datetime({ offset: true });
export const uuid = z.uuid();
export const idParam = z.strictObject({ id: uuid });
export const slugParam = z.strictObject({ slug: z.string().min(1).max(60) });
export const listQuery = z.strictObject({
  limit: z.coerce.number<number>().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
