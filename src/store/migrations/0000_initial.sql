CREATE TABLE "attachments" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"filename" text NOT NULL,
	"mime" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"uploaded_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "attachments_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"data" jsonb NOT NULL,
	"prev_hash" text,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_seal_heads" (
	"region" text NOT NULL,
	"case_id" uuid NOT NULL,
	"seal_id" integer NOT NULL,
	"count" integer NOT NULL,
	"head_hash" text NOT NULL,
	CONSTRAINT "audit_seal_heads_region_case_id_seal_id_pk" PRIMARY KEY("region","case_id","seal_id")
);
--> statement-breakpoint
CREATE TABLE "audit_seals" (
	"id" integer PRIMARY KEY NOT NULL,
	"sealed_at" timestamp with time zone NOT NULL,
	"prev_hash" text,
	"hash" text NOT NULL,
	"case_count" integer NOT NULL,
	"upto_gseq" bigint NOT NULL,
	"audit_log_id" bigint,
	"audit_log_hash" text
);
--> statement-breakpoint
CREATE TABLE "case_counters" (
	"region" text NOT NULL,
	"year" integer NOT NULL,
	"last" integer NOT NULL,
	CONSTRAINT "case_counters_region_year_pk" PRIMARY KEY("region","year")
);
--> statement-breakpoint
CREATE TABLE "case_events" (
	"region" text NOT NULL,
	"case_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"gseq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "case_events_gseq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"actor_id" uuid,
	"actor_role" text,
	"at" timestamp with time zone NOT NULL,
	"data" jsonb NOT NULL,
	"prev_hash" text,
	"hash" text NOT NULL,
	CONSTRAINT "case_events_region_case_id_seq_pk" PRIMARY KEY("region","case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "case_petitioners" (
	"region" text NOT NULL,
	"case_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"name_enc" text NOT NULL,
	"name_mask" text NOT NULL,
	"id_number_enc" text,
	"id_number_mask" text,
	"id_number_bidx" text,
	"phone_enc" text,
	"phone_mask" text,
	"phone_bidx" text,
	"address_enc" text,
	"address_mask" text,
	"representative" boolean DEFAULT false NOT NULL,
	CONSTRAINT "case_petitioners_region_case_id_seq_pk" PRIMARY KEY("region","case_id","seq")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"number" text NOT NULL,
	"query_code_hash" text NOT NULL,
	"channel" text NOT NULL,
	"nature" text NOT NULL,
	"type_12345" text,
	"category_code" text,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"urgency" text NOT NULL,
	"state" text NOT NULL,
	"rule_set_id" text NOT NULL,
	"owner_unit_id" uuid NOT NULL,
	"grid_unit_id" uuid,
	"lead_unit_id" uuid,
	"assist_unit_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"owner_leader_id" uuid,
	"unit_paths" text[] NOT NULL,
	"accused_unit_paths" text[] DEFAULT '{}'::text[] NOT NULL,
	"address_enc" text,
	"address_mask" text,
	"lat" double precision,
	"lng" double precision,
	"flags" text[] DEFAULT '{}'::text[] NOT NULL,
	"confidential" boolean DEFAULT false NOT NULL,
	"petitioner_count" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"next_due_at" timestamp with time zone,
	"next_due_clock" text,
	"parent_case_id" uuid,
	"merged_into_id" uuid,
	"reply_opinion" text,
	"reply_text" text,
	"replied_at" timestamp with time zone,
	"received_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"created_by" uuid,
	"event_count" integer DEFAULT 0 NOT NULL,
	"head_hash" text,
	CONSTRAINT "cases_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "categories" (
	"code" text PRIMARY KEY NOT NULL,
	"parent_code" text,
	"name" text NOT NULL,
	"level" integer NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"region" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"case_id" uuid NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_region_key_pk" PRIMARY KEY("region","key")
);
--> statement-breakpoint
CREATE TABLE "org_units" (
	"id" uuid PRIMARY KEY NOT NULL,
	"parent_id" uuid,
	"kind" text NOT NULL,
	"level" text,
	"name" text NOT NULL,
	"code" text NOT NULL,
	"path" text NOT NULL,
	"depth" integer NOT NULL,
	"region" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"lat" double precision,
	"lng" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"password_hash" text NOT NULL,
	"roles" text[] NOT NULL,
	"unit_id" uuid NOT NULL,
	"scope_unit_id" uuid NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"failed_logins" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "attachments_case_idx" ON "attachments" USING btree ("region","case_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "case_events_gseq_idx" ON "case_events" USING btree ("gseq");--> statement-breakpoint
CREATE INDEX "case_petitioners_id_bidx" ON "case_petitioners" USING btree ("region","id_number_bidx");--> statement-breakpoint
CREATE INDEX "case_petitioners_phone_bidx" ON "case_petitioners" USING btree ("region","phone_bidx");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_number_uq" ON "cases" USING btree ("region","number");--> statement-breakpoint
CREATE INDEX "cases_state_due_idx" ON "cases" USING btree ("region","state","next_due_at");--> statement-breakpoint
CREATE INDEX "cases_lead_idx" ON "cases" USING btree ("region","lead_unit_id","state");--> statement-breakpoint
CREATE INDEX "cases_owner_idx" ON "cases" USING btree ("region","owner_unit_id");--> statement-breakpoint
CREATE INDEX "cases_received_idx" ON "cases" USING btree ("region","received_at");--> statement-breakpoint
CREATE INDEX "categories_parent_idx" ON "categories" USING btree ("parent_code");--> statement-breakpoint
CREATE UNIQUE INDEX "org_units_code_uq" ON "org_units" USING btree ("code");--> statement-breakpoint
CREATE INDEX "org_units_parent_idx" ON "org_units" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "org_units_path_idx" ON "org_units" USING btree ("path" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_uq" ON "users" USING btree ("username");--> statement-breakpoint
CREATE INDEX "users_unit_idx" ON "users" USING btree ("unit_id");