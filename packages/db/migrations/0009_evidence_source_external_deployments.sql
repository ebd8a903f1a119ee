ALTER TABLE "deployments" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "source" text;--> statement-breakpoint
-- clos:blocking before 2.0 shipped: no running release to block; the new column is empty
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_external_id_unique" UNIQUE("external_id");