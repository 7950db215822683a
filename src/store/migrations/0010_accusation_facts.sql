CREATE TABLE "accusation_facts" (
	"region" text NOT NULL,
	"case_id" uuid NOT NULL,
	"accused_unit_paths" text[] NOT NULL,
	"scopes" uuid[] NOT NULL,
	"handling_scopes" uuid[],
	"items" text[] NOT NULL,
	CONSTRAINT "accusation_facts_region_case_id_pk" PRIMARY KEY("region","case_id")
);
--> statement-breakpoint
DROP INDEX "cases_accused_idx";--> statement-breakpoint
CREATE INDEX "accusation_facts_accused_idx" ON "accusation_facts" USING gin ("accused_unit_paths");--> statement-breakpoint
-- the accusations already folded (later ones are written by the rollup worker)
INSERT INTO "accusation_facts" ("region", "case_id", "accused_unit_paths", "scopes", "handling_scopes", "items")
SELECT cf."region", cf."case_id", c."accused_unit_paths", cf."scopes", cf."handling_scopes", cf."items"
FROM "case_facts" cf JOIN "cases" c ON c."region" = cf."region" AND c."id" = cf."case_id"
WHERE cardinality(c."accused_unit_paths") > 0;
--> statement-breakpoint
-- cockpit_daily's key carries the value (0009), so a counter update is never HOT and the pages of recent
-- days stop being all-visible: vacuum it early, so reads stay index-only and the key does not bloat.
ALTER TABLE "cockpit_daily" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
--> statement-breakpoint
-- The app's reads are short index range scans: JIT compilation (100+ ms) only pays off for long analytic
-- queries, and a misestimated cockpit read crossing jit_above_cost spent more on it than on the scan. Set
-- for the database (new sessions); a role that may not alter it keeps the server's setting.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'jit left as configured: %', SQLERRM;
END $$;
