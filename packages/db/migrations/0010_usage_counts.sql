CREATE TABLE "usage_counts" (
	"day" date NOT NULL,
	"metric" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "usage_counts_day_metric_pk" PRIMARY KEY("day","metric")
);
