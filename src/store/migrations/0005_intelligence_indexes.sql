CREATE INDEX "cases_grid_received_idx" ON "cases" USING btree ("region","grid_unit_id","received_at");--> statement-breakpoint
CREATE INDEX "cases_root_category_idx" ON "cases" USING btree ("region",left("category_code", 2),"received_at") WHERE "cases"."lead_unit_id" is not null;--> statement-breakpoint
ALTER INDEX "case_fingerprints_bands_idx" SET (fastupdate = false);