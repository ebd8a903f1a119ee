ALTER TABLE "projects" ADD COLUMN "closed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "close_reason" text;