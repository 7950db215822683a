CREATE TABLE "case_facts" (
	"region" text NOT NULL,
	"case_id" uuid NOT NULL,
	"scopes" uuid[] NOT NULL,
	"items" text[] NOT NULL,
	"event_count" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_facts_region_case_id_pk" PRIMARY KEY("region","case_id")
);
--> statement-breakpoint
CREATE TABLE "cockpit_daily" (
	"region" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"day" text NOT NULL,
	"metric" text NOT NULL,
	"dim" text NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "cockpit_daily_region_unit_id_metric_day_dim_pk" PRIMARY KEY("region","unit_id","metric","day","dim")
);
--> statement-breakpoint
CREATE TABLE "cockpit_stock" (
	"region" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"dim" text NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "cockpit_stock_region_unit_id_metric_dim_pk" PRIMARY KEY("region","unit_id","metric","dim")
);
--> statement-breakpoint
CREATE TABLE "org_unit_shapes" (
	"unit_id" uuid PRIMARY KEY NOT NULL,
	"geometry" jsonb NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollup_queue" (
	"region" text NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "rollup_queue_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"case_id" uuid NOT NULL,
	CONSTRAINT "rollup_queue_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE INDEX "rollup_queue_id_idx" ON "rollup_queue" USING btree ("id");