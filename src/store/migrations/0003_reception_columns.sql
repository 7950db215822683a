-- Leader reception gets real columns for what migration 0002 encoded elsewhere: a slot's status and
-- cancellation (was: capacity 0, the reason and the real capacity in the audit entry that cancelled
-- it), a booking's number (was: the first 32 bits of its id), its kind (was: the code hash 'walk-in'),
-- a walk-in without a phone (was: '' and a placeholder blind index), who cancelled a booking and why,
-- and who received it. Each new column is filled from the old encoding before it is made NOT NULL or
-- indexed, so a database with reception data comes out as if it had been written with these columns.
ALTER TABLE "reception_slots" ADD COLUMN "status" text;--> statement-breakpoint
ALTER TABLE "reception_slots" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "reception_slots" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reception_slots" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
-- A cancelled slot: its audit entry (reception.slot_cancelled) holds the reason and the capacity it had.
UPDATE "reception_slots" s
SET "status" = 'cancelled',
  "capacity" = coalesce((a."data"->>'capacity')::int, s."capacity"),
  "cancel_reason" = a."data"->>'reason',
  "cancelled_at" = a."at"
FROM (
  SELECT DISTINCT ON ("target_id") "target_id", "at", "data" FROM "audit_log"
  WHERE "action" = 'reception.slot_cancelled' AND "target_type" = 'reception_slot'
  ORDER BY "target_id", "id" DESC
) a
WHERE s."capacity" = 0 AND a."target_id" = s."id"::text;--> statement-breakpoint
UPDATE "reception_slots"
SET "status" = CASE WHEN "capacity" = 0 THEN 'cancelled' WHEN "published" THEN 'published' ELSE 'draft' END
WHERE "status" IS NULL;--> statement-breakpoint
-- Last changed by the bureau: the latest audit entry naming the slot (a month's publication lists its ids).
UPDATE "reception_slots" SET "updated_at" = "created_at";--> statement-breakpoint
UPDATE "reception_slots" s
SET "updated_at" = greatest(s."created_at", a."at")
FROM (
  SELECT t."id", max(t."at") AS "at" FROM (
    SELECT "target_id" AS "id", "at" FROM "audit_log"
    WHERE "target_type" = 'reception_slot' AND "target_id" IS NOT NULL
    UNION ALL
    SELECT x."id", l."at" FROM "audit_log" l CROSS JOIN LATERAL jsonb_array_elements_text(l."data"->'ids') AS x("id")
    WHERE l."action" = 'reception.slot_published' AND jsonb_typeof(l."data"->'ids') = 'array'
  ) t
  GROUP BY t."id"
) a
WHERE a."id" = s."id"::text;--> statement-breakpoint
ALTER TABLE "reception_slots" ALTER COLUMN "status" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "reception_slots" ALTER COLUMN "updated_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "reception_slots" DROP COLUMN "published";--> statement-breakpoint
DROP INDEX "reception_bookings_person_uq";--> statement-breakpoint
ALTER TABLE "reception_bookings" ALTER COLUMN "phone_enc" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "reception_bookings" ALTER COLUMN "phone_mask" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "reception_bookings" ALTER COLUMN "phone_bidx" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "reception_bookings" ALTER COLUMN "code_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "reception_bookings" ADD COLUMN "kind" text;--> statement-breakpoint
ALTER TABLE "reception_bookings" ADD COLUMN "number" text;--> statement-breakpoint
ALTER TABLE "reception_bookings" ADD COLUMN "former_number" text;--> statement-breakpoint
ALTER TABLE "reception_bookings" ADD COLUMN "cancelled_by" text;--> statement-breakpoint
ALTER TABLE "reception_bookings" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "reception_bookings" ADD COLUMN "received_by" uuid;--> statement-breakpoint
-- A walk-in had the code hash 'walk-in'; without a phone, '' and the blind index 'none:<id>'.
UPDATE "reception_bookings" SET "kind" = 'walk_in', "code_hash" = NULL WHERE "code_hash" = 'walk-in';--> statement-breakpoint
UPDATE "reception_bookings" SET "phone_enc" = NULL, "phone_mask" = NULL, "phone_bidx" = NULL
WHERE "kind" = 'walk_in' AND ("phone_enc" = '' OR "phone_bidx" = 'none:' || "id"::text);--> statement-breakpoint
-- A booking's number was the value of the first 32 bits (8 hex digits) of its id.
UPDATE "reception_bookings"
SET "kind" = 'booked', "number" = 'YF' || (('x' || left("id"::text, 8))::bit(32)::bigint)::text
WHERE "kind" IS NULL;--> statement-breakpoint
-- Two bookings could draw the same number (the code told them apart). The earliest keeps it; each
-- later one gets a fresh number and keeps the old one as former_number, so its holder's number and
-- code (hashed with the old number) still find it.
DO $$
DECLARE
  r record;
  n text;
BEGIN
  FOR r IN
    SELECT d."region", d."id", d."number" FROM (
      SELECT "region", "id", "number",
        row_number() OVER (PARTITION BY "region", "number" ORDER BY "created_at", "id") AS "rank"
      FROM "reception_bookings" WHERE "number" IS NOT NULL
    ) d
    WHERE d."rank" > 1
  LOOP
    LOOP
      n := 'YF' || (10000000 + floor(random() * 90000000))::bigint::text;
      EXIT WHEN NOT EXISTS (
        SELECT 1 FROM "reception_bookings" WHERE "region" = r."region" AND ("number" = n OR "former_number" = n)
      );
    END LOOP;
    UPDATE "reception_bookings" SET "former_number" = r."number", "number" = n WHERE "region" = r."region" AND "id" = r."id";
  END LOOP;
END $$;--> statement-breakpoint
-- Who cancelled: the bureau for the bookings its slot cancellation listed (with the slot's reason), else the citizen.
UPDATE "reception_bookings" b
SET "cancelled_by" = 'bureau', "cancel_reason" = c."reason"
FROM (
  SELECT DISTINCT ON (x."id") x."id", l."data"->>'reason' AS "reason"
  FROM "audit_log" l CROSS JOIN LATERAL jsonb_array_elements_text(l."data"->'bookingIds') AS x("id")
  WHERE l."action" = 'reception.slot_cancelled' AND l."target_type" = 'reception_slot'
    AND jsonb_typeof(l."data"->'bookingIds') = 'array'
  ORDER BY x."id", l."id" DESC
) c
WHERE b."status" = 'cancelled' AND c."id" = b."id"::text;--> statement-breakpoint
UPDATE "reception_bookings" SET "cancelled_by" = 'citizen' WHERE "status" = 'cancelled' AND "cancelled_by" IS NULL;--> statement-breakpoint
-- Who received the visit: the staff user who registered its case.
UPDATE "reception_bookings" b
SET "received_by" = c."created_by"
FROM "cases" c
WHERE b."status" = 'received' AND c."region" = b."region" AND c."id" = b."case_id";--> statement-breakpoint
ALTER TABLE "reception_bookings" ALTER COLUMN "kind" SET NOT NULL;--> statement-breakpoint
-- A cancelled slot's bookings that still hold a place (received or no-show before it was called off).
UPDATE "reception_slots" s
SET "booked" = (
  SELECT count(*) FROM "reception_bookings" b
  WHERE b."region" = s."region" AND b."slot_id" = s."id" AND b."kind" = 'booked' AND b."status" <> 'cancelled'
)
WHERE s."status" = 'cancelled';--> statement-breakpoint
CREATE UNIQUE INDEX "reception_bookings_number_uq" ON "reception_bookings" USING btree ("region","number");--> statement-breakpoint
CREATE INDEX "reception_bookings_former_number_idx" ON "reception_bookings" USING btree ("region","former_number") WHERE former_number is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "reception_bookings_person_uq" ON "reception_bookings" USING btree ("region","slot_id","phone_bidx") WHERE phone_bidx is not null;
