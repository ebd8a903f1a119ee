import type { Policy } from '@clos/core';
import type { Database } from '@clos/db';

/** Placeholder replaced by the demo seeder. */
export async function seedDemo(_database: Database, _policy: Policy): Promise<Record<string, number> | null> {
  return null;
}
