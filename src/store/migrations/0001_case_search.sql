ALTER TABLE "cases" ADD COLUMN "search_text" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "cases_search_idx" ON "cases" USING gin (to_tsvector('simple', "search_text"));