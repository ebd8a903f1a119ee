ALTER TABLE "deployments" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_external_id_unique" UNIQUE("external_id");