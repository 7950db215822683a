CREATE TABLE "case_fingerprints" (
	"region" text NOT NULL,
	"case_id" uuid NOT NULL,
	"bands" integer[] NOT NULL,
	"signature" integer[] NOT NULL,
	"shingles" integer NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_fingerprints_region_case_id_pk" PRIMARY KEY("region","case_id")
);
--> statement-breakpoint
CREATE TABLE "lexicon_words" (
	"word" text PRIMARY KEY NOT NULL,
	"freq" integer NOT NULL,
	"tag" text DEFAULT 'n' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" uuid
);
--> statement-breakpoint
CREATE TABLE "monthly_topics" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"month" text NOT NULL,
	"title" text NOT NULL,
	"keywords" text[] NOT NULL,
	"case_ids" uuid[] NOT NULL,
	"unit_paths" text[] NOT NULL,
	"note" text,
	"chosen_by" uuid NOT NULL,
	"chosen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "monthly_topics_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "routing_models" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"source" text NOT NULL,
	"model" text NOT NULL,
	"metrics" jsonb NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" uuid,
	CONSTRAINT "routing_models_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "warning_events" (
	"region" text NOT NULL,
	"warning_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"actor_id" uuid,
	"at" timestamp with time zone NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "warning_events_region_warning_id_seq_pk" PRIMARY KEY("region","warning_id","seq")
);
--> statement-breakpoint
CREATE TABLE "warnings" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"level" text NOT NULL,
	"state" text NOT NULL,
	"title" text NOT NULL,
	"detail" text NOT NULL,
	"source_key" text NOT NULL,
	"unit_paths" text[] NOT NULL,
	"case_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"assignee_id" uuid,
	"dispatched_unit_id" uuid,
	"due_at" timestamp with time zone,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"event_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "warnings_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "keywords" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "matter_id" uuid;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "repeat_of_id" uuid;--> statement-breakpoint
CREATE INDEX "case_fingerprints_bands_idx" ON "case_fingerprints" USING gin ("bands");--> statement-breakpoint
CREATE UNIQUE INDEX "monthly_topics_uq" ON "monthly_topics" USING btree ("region","month","title");--> statement-breakpoint
CREATE INDEX "routing_models_active_idx" ON "routing_models" USING btree ("region","active");--> statement-breakpoint
CREATE UNIQUE INDEX "warnings_source_uq" ON "warnings" USING btree ("region","source_key");--> statement-breakpoint
CREATE UNIQUE INDEX "warnings_number_uq" ON "warnings" USING btree ("region","number");--> statement-breakpoint
CREATE INDEX "warnings_state_idx" ON "warnings" USING btree ("region","state","raised_at");--> statement-breakpoint
CREATE INDEX "cases_matter_idx" ON "cases" USING btree ("region","matter_id");