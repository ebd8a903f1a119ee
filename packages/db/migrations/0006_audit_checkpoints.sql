CREATE TABLE "audit_checkpoints" (
	"sequence" bigint NOT NULL,
	"key_id" text NOT NULL,
	"hash" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"public_key" text NOT NULL,
	"signature" text NOT NULL,
	"exported_at" timestamp with time zone,
	"export_attempts" integer DEFAULT 0 NOT NULL,
	"last_export_error" text,
	"next_export_at" timestamp with time zone,
	CONSTRAINT "audit_checkpoints_key_id_sequence_pk" PRIMARY KEY("key_id","sequence")
);
--> statement-breakpoint
CREATE INDEX "audit_checkpoints_pending_idx" ON "audit_checkpoints" USING btree ("next_export_at") WHERE "audit_checkpoints"."exported_at" is null;
--> statement-breakpoint
-- The chain head only moves forward, onto an event the log holds with that hash: the append path
-- (and any later sealer that moves it several events at once) passes; rewinding it, pointing it at a
-- hash the log does not hold, deleting or truncating it is refused. As with audit_events, an owner
-- can disable this trigger; the signed checkpoints (docs/audit.md) are what expose that.
CREATE OR REPLACE FUNCTION clos_audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'audit_head is append-only: it only moves forward with the log';
  END IF;
  IF NEW.id <> 1 THEN
    RAISE EXCEPTION 'audit_head has one row, id 1';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.sequence <= OLD.sequence THEN
    RAISE EXCEPTION 'audit_head is append-only: it cannot move from sequence % to %', OLD.sequence, NEW.sequence;
  END IF;
  IF NOT (
    (NEW.sequence = 0 AND NEW.hash = '0000000000000000000000000000000000000000000000000000000000000000')
    OR EXISTS (SELECT 1 FROM audit_events e WHERE e.sequence = NEW.sequence AND e.hash = NEW.hash)
  ) THEN
    RAISE EXCEPTION 'audit_head must point at an event of the log: there is no event % with hash %', NEW.sequence, NEW.hash;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON "audit_head" FOR EACH ROW EXECUTE FUNCTION clos_audit_head_guard();
--> statement-breakpoint
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON "audit_head" FOR EACH STATEMENT EXECUTE FUNCTION clos_audit_head_guard();
