CREATE TABLE "project_ci_statuses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"status" text NOT NULL,
	"url" text,
	"context" text DEFAULT 'ci' NOT NULL,
	"reported_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "project_ci_statuses_status_check" CHECK ("project_ci_statuses"."status" in ('passed', 'failed', 'running'))
);
--> statement-breakpoint
ALTER TABLE "project_ci_statuses" ADD CONSTRAINT "project_ci_statuses_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_ci_statuses" ADD CONSTRAINT "project_ci_statuses_reported_by_users_id_fk" FOREIGN KEY ("reported_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_ci_statuses_project_idx" ON "project_ci_statuses" USING btree ("project_id","context","created_at");