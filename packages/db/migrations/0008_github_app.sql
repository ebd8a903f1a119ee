CREATE TABLE "inbound_deliveries" (
	"integration" text NOT NULL,
	"delivery_id" text NOT NULL,
	"event" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "inbound_deliveries_integration_delivery_id_pk" PRIMARY KEY("integration","delivery_id")
);
--> statement-breakpoint
CREATE TABLE "wip_queue" (
	"id" uuid PRIMARY KEY NOT NULL,
	"position" bigserial NOT NULL,
	"pod_id" uuid NOT NULL,
	"item_type" text NOT NULL,
	"item_id" varchar(255) NOT NULL,
	"label" varchar(300),
	"url" varchar(2000),
	"enqueued_by" uuid,
	"enqueued_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "key" varchar(40);--> statement-breakpoint
-- Existing projects get a key from their name (lowercase words joined by hyphens, starting with a
-- letter); the second and later projects of one name get a piece of their id appended.
UPDATE "projects" p SET "key" = k."key" FROM (
  SELECT "id",
    CASE WHEN row_number() OVER (PARTITION BY base ORDER BY "created_at", "id") = 1 THEN base
         ELSE base || '-' || left("id"::text, 8) END AS "key"
  FROM (
    SELECT "id", "created_at",
      rtrim(left(CASE WHEN s ~ '^[a-z]' AND length(s) >= 2 THEN s ELSE 'p-' || s END, 30), '-') AS base
    FROM (
      SELECT "id", "created_at",
        coalesce(nullif(trim(both '-' from regexp_replace(lower("name"), '[^a-z0-9]+', '-', 'g')), ''), 'project') AS s
      FROM "projects"
    ) named
  ) based
) k WHERE p."id" = k."id";--> statement-breakpoint
-- clos:contract before 2.0 shipped: no release inserted projects without a key (the UPDATE above gives existing rows theirs)
ALTER TABLE "projects" ALTER COLUMN "key" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "wip_locks" ADD COLUMN "label" varchar(300);--> statement-breakpoint
ALTER TABLE "wip_locks" ADD COLUMN "url" varchar(2000);--> statement-breakpoint
ALTER TABLE "wip_queue" ADD CONSTRAINT "wip_queue_pod_id_pods_id_fk" FOREIGN KEY ("pod_id") REFERENCES "public"."pods"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wip_queue" ADD CONSTRAINT "wip_queue_enqueued_by_users_id_fk" FOREIGN KEY ("enqueued_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "wip_queue_item_uq" ON "wip_queue" USING btree ("pod_id","item_type","item_id");--> statement-breakpoint
CREATE INDEX "wip_queue_line_idx" ON "wip_queue" USING btree ("pod_id","item_type","position");--> statement-breakpoint
-- clos:blocking before 2.0 shipped: no running release to block; projects holds one row per project
CREATE UNIQUE INDEX "projects_key_uq" ON "projects" USING btree ("key");