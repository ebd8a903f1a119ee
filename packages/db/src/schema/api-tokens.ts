import { ROLES } from '@clos/core';
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/** Only a SHA-256 of each token is stored; the value is shown once at creation. */
export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  prefix: text('prefix').notNull(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  role: text('role', { enum: ROLES }).notNull(),
  podIds: uuid('pod_ids').array().notNull(),
  /** CIDR ranges the token may be used from; empty: anywhere. */
  allowedCidrs: text('allowed_cidrs').array().notNull().default([]),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
