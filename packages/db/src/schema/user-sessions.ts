import { ROLES } from '@clos/core';
import { boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/**
 * Signed-in browser sessions (SSO). Server-side so that ending one — sign-out, an admin, a
 * deactivation, a role change — takes effect on the next request in every process. The cookie holds
 * a random value; only its SHA-256 is stored.
 */
export const userSessions = pgTable(
  'user_sessions',
  {
    id: uuid('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    mappedRole: text('mapped_role', { enum: ROLES }).notNull(),
    podIds: uuid('pod_ids').array().notNull(),
    mfa: boolean('mfa').notNull(),
    amr: text('amr').array().notNull(),
    acr: text('acr'),
    downgradeReason: text('downgrade_reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
  },
  (t) => [index('user_sessions_user_idx').on(t.userId)],
);

/**
 * Sign-ins under way (authorization code flow): the state, nonce and PKCE verifier the callback
 * checks, keyed by the hash of a random value in a short-lived cookie, so the callback may land on
 * another process than the one that started the sign-in. Each is used once.
 */
export const loginAttempts = pgTable('login_attempts', {
  bindingHash: text('binding_hash').primaryKey(),
  state: text('state').notNull(),
  nonce: text('nonce').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  returnTo: text('return_to').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
