ALTER TABLE "alerts" ADD COLUMN "acknowledged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "acknowledged_by" uuid;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "acknowledged_by_label" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "snoozed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "snoozed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "snoozed_by" uuid;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "snoozed_by_label" text;--> statement-breakpoint
-- clos:blocking before 2.0 shipped: no running release to block; the checked columns are new and empty
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_acknowledged_check" CHECK (("alerts"."acknowledged_at" is null) = ("alerts"."acknowledged_by_label" is null));--> statement-breakpoint
-- clos:blocking before 2.0 shipped: no running release to block; the checked columns are new and empty
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_snooze_check" CHECK (("alerts"."snoozed_until" is null) = ("alerts"."snoozed_at" is null) and ("alerts"."snoozed_until" is null) = ("alerts"."snoozed_by_label" is null));