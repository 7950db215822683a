CREATE TABLE "ledger_reviews" (
	"region" text NOT NULL,
	"month" text NOT NULL,
	"case_id" uuid NOT NULL,
	"leader_id" uuid,
	"status" text NOT NULL,
	"progress" text NOT NULL,
	"reviewed_at" timestamp with time zone NOT NULL,
	"reviewed_by" uuid NOT NULL,
	CONSTRAINT "ledger_reviews_region_month_case_id_pk" PRIMARY KEY("region","month","case_id")
);
--> statement-breakpoint
CREATE TABLE "notification_channels" (
	"id" uuid PRIMARY KEY NOT NULL,
	"unit_id" uuid,
	"user_id" uuid,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"target_enc" text NOT NULL,
	"target_mask" text NOT NULL,
	"secret_enc" text,
	"kinds" text[] DEFAULT '{}'::text[] NOT NULL,
	"min_level" text DEFAULT 'info' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" uuid
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"unit_id" uuid,
	"case_id" uuid,
	"kind" text NOT NULL,
	"level" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"read_at" timestamp with time zone,
	CONSTRAINT "notifications_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"notification_id" uuid,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "outbox_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "reception_bookings" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"slot_id" uuid NOT NULL,
	"name_enc" text NOT NULL,
	"name_mask" text NOT NULL,
	"phone_enc" text NOT NULL,
	"phone_mask" text NOT NULL,
	"phone_bidx" text NOT NULL,
	"id_number_enc" text,
	"id_number_bidx" text,
	"matter" text NOT NULL,
	"people_count" integer DEFAULT 1 NOT NULL,
	"status" text NOT NULL,
	"code_hash" text NOT NULL,
	"batch_no" integer,
	"room" text,
	"case_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reception_bookings_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "reception_slots" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"leader_id" uuid NOT NULL,
	"post" text NOT NULL,
	"remit" text NOT NULL,
	"date" text NOT NULL,
	"start_time" text NOT NULL,
	"end_time" text NOT NULL,
	"place" text NOT NULL,
	"room" text,
	"capacity" integer NOT NULL,
	"booked" integer DEFAULT 0 NOT NULL,
	"published" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" uuid NOT NULL,
	CONSTRAINT "reception_slots_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "spot_checks" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"round" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"sampled_by" uuid NOT NULL,
	"verdict" text NOT NULL,
	"visit" jsonb,
	"note" text,
	"checked_at" timestamp with time zone,
	"checked_by" uuid,
	CONSTRAINT "spot_checks_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "supervisions" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"target_unit_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"reply_due_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" uuid NOT NULL,
	"replied_at" timestamp with time zone,
	"reply_text" text,
	"replied_by" uuid,
	"escalated_at" timestamp with time zone,
	"escalated_to_unit_id" uuid,
	CONSTRAINT "supervisions_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "timers" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone,
	"outcome" text,
	CONSTRAINT "timers_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE TABLE "unit_deductions" (
	"region" text NOT NULL,
	"id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"month" text NOT NULL,
	"points" double precision NOT NULL,
	"reason" text NOT NULL,
	"source" text NOT NULL,
	"source_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" uuid NOT NULL,
	CONSTRAINT "unit_deductions_region_id_pk" PRIMARY KEY("region","id")
);
--> statement-breakpoint
CREATE INDEX "notification_channels_unit_idx" ON "notification_channels" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "notification_channels_user_idx" ON "notification_channels" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_dedupe_uq" ON "notifications" USING btree ("region","user_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "notifications_inbox_idx" ON "notifications" USING btree ("region","user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_delivery_uq" ON "outbox" USING btree ("region","notification_id","channel_id");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "reception_bookings_slot_idx" ON "reception_bookings" USING btree ("region","slot_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reception_bookings_person_uq" ON "reception_bookings" USING btree ("region","slot_id","phone_bidx");--> statement-breakpoint
CREATE INDEX "reception_slots_date_idx" ON "reception_slots" USING btree ("region","date");--> statement-breakpoint
CREATE UNIQUE INDEX "spot_checks_case_uq" ON "spot_checks" USING btree ("region","case_id");--> statement-breakpoint
CREATE INDEX "spot_checks_round_idx" ON "spot_checks" USING btree ("region","round");--> statement-breakpoint
CREATE INDEX "supervisions_case_idx" ON "supervisions" USING btree ("region","case_id");--> statement-breakpoint
CREATE INDEX "supervisions_unit_idx" ON "supervisions" USING btree ("region","target_unit_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "timers_subject_uq" ON "timers" USING btree ("region","case_id","kind","ref","due_at");--> statement-breakpoint
CREATE INDEX "timers_due_idx" ON "timers" USING btree ("fire_at") WHERE fired_at is null;--> statement-breakpoint
CREATE INDEX "unit_deductions_month_idx" ON "unit_deductions" USING btree ("region","month","unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "unit_deductions_source_uq" ON "unit_deductions" USING btree ("region","source","source_id");