CREATE TABLE "demo_pulses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"demo_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"score" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "demo_pulses_score_check" CHECK ("demo_pulses"."score" between 1 and 10)
);
--> statement-breakpoint
CREATE TABLE "active_users" (
	"day" date NOT NULL,
	"user_id" uuid NOT NULL,
	"via" text NOT NULL,
	CONSTRAINT "active_users_day_user_id_pk" PRIMARY KEY("day","user_id")
);
--> statement-breakpoint
CREATE TABLE "service_minutes" (
	"minute" timestamp with time zone NOT NULL,
	"instance" text NOT NULL,
	"ready" boolean NOT NULL,
	"requests" integer NOT NULL,
	"errors" integer NOT NULL,
	"duration_buckets" integer[] NOT NULL,
	CONSTRAINT "service_minutes_minute_instance_pk" PRIMARY KEY("minute","instance")
);
--> statement-breakpoint
ALTER TABLE "domain_events" ADD COLUMN "trace_context" text;--> statement-breakpoint
ALTER TABLE "pod_health_snapshots" ADD COLUMN "source" text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE "demo_pulses" ADD CONSTRAINT "demo_pulses_demo_id_weekly_demos_id_fk" FOREIGN KEY ("demo_id") REFERENCES "public"."weekly_demos"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "demo_pulses" ADD CONSTRAINT "demo_pulses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "demo_pulses_demo_user_uq" ON "demo_pulses" USING btree ("demo_id","user_id");--> statement-breakpoint
-- clos:blocking before 2.0 shipped: no running release to block; the column is new and holds its default 'manual'
ALTER TABLE "pod_health_snapshots" ADD CONSTRAINT "pod_health_source_check" CHECK ("pod_health_snapshots"."source" in ('manual', 'computed'));