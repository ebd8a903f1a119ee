import { ROLES } from '@clos/core';
import { boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  /** Stored lowercased. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ROLES }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  active: boolean('active').notNull().default(true),
  deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
  /** `<issuer> <sub>`: an email can be reassigned at the provider, the subject cannot. */
  oidcSubject: text('oidc_subject').unique(),
  lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
});
