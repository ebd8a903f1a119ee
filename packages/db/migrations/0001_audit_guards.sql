-- The chain head starts at the genesis hash; the appender locks this row, which serialises appends.
INSERT INTO "audit_head" ("id", "sequence", "hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000') ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Append-only in the database too: an UPDATE or DELETE on audit_events fails. Someone with enough
-- rights can still disable this trigger, which is what `GET /api/v1/audit/verify` is there to catch.
CREATE OR REPLACE FUNCTION clos_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION clos_audit_append_only();
