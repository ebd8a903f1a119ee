CREATE TABLE "import_records" (
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"imported_at" timestamp with time zone NOT NULL,
	CONSTRAINT "import_records_entity_type_check" CHECK ("import_records"."entity_type" in ('project', 'idea'))
);
--> statement-breakpoint
CREATE TABLE "linear_issues" (
	"linear_id" text PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"template_index" integer,
	"identifier" text NOT NULL,
	"title" text NOT NULL,
	"url" text,
	"state_type" text NOT NULL,
	"state_name" text NOT NULL,
	"removed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "linear_issues_state_type_check" CHECK ("linear_issues"."state_type" in ('triage', 'backlog', 'unstarted', 'started', 'completed', 'canceled'))
);
--> statement-breakpoint
CREATE TABLE "linear_projects" (
	"project_id" uuid PRIMARY KEY NOT NULL,
	"linear_id" text NOT NULL,
	"team_key" text NOT NULL,
	"name" text NOT NULL,
	"url" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "linear_projects_linear_id_unique" UNIQUE("linear_id")
);
--> statement-breakpoint
ALTER TABLE "linear_issues" ADD CONSTRAINT "linear_issues_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "linear_projects" ADD CONSTRAINT "linear_projects_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "import_records_source_uq" ON "import_records" USING btree ("source","external_id","entity_type");--> statement-breakpoint
CREATE INDEX "linear_issues_project_stage_idx" ON "linear_issues" USING btree ("project_id","stage");--> statement-breakpoint
CREATE UNIQUE INDEX "linear_issues_template_uq" ON "linear_issues" USING btree ("project_id","stage","template_index") WHERE "linear_issues"."template_index" is not null;