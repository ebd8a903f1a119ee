CREATE TABLE "audit_pending" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"actor_id" uuid,
	"actor_label" text NOT NULL,
	"action" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"reason" text,
	"request_id" text,
	CONSTRAINT "audit_pending_id_unique" UNIQUE("id")
);
--> statement-breakpoint
-- A pending audit row is inserted by its change and deleted by the sealer as it is chained into
-- audit_events; it is never edited.
CREATE OR REPLACE FUNCTION clos_audit_pending_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_pending rows are never updated';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON "audit_pending" FOR EACH ROW EXECUTE FUNCTION clos_audit_pending_no_update();
