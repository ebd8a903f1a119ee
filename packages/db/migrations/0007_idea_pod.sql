ALTER TABLE "ideas" ADD COLUMN "pod_id" uuid;--> statement-breakpoint
-- clos:blocking before 2.0 shipped: no running release to block, and the new column is empty, so the scan only reads ideas
ALTER TABLE "ideas" ADD CONSTRAINT "ideas_pod_id_pods_id_fk" FOREIGN KEY ("pod_id") REFERENCES "public"."pods"("id") ON DELETE no action ON UPDATE no action;