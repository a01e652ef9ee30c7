-- The risk list reads a snapshot (university, year, model, as-of day) instead of one run, and at
-- most one run per cohort is running at a time (db/schema/score-runs.ts, risk-scores.ts).
DROP INDEX "risk_scores_run_rank_idx";--> statement-breakpoint
DROP INDEX "risk_scores_run_band_idx";--> statement-breakpoint
ALTER TABLE "score_runs" ADD COLUMN "snapshot_id" bigint;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD COLUMN "snapshot_id" bigint;--> statement-breakpoint
-- Existing rows: each run was its own snapshot.
UPDATE "score_runs" SET "snapshot_id" = "id" WHERE "status" <> 'pending';--> statement-breakpoint
UPDATE "risk_scores" SET "snapshot_id" = coalesce("run_id", 0);--> statement-breakpoint
ALTER TABLE "risk_scores" ALTER COLUMN "snapshot_id" SET NOT NULL;--> statement-breakpoint
-- Runs that ran side by side before this migration: all but the newest of a cohort are failed.
UPDATE "score_runs" r SET "status" = 'failed', "finished_at" = now(),
  "error" = 'Calcul remplacé par un calcul plus récent de la même cohorte.'
  WHERE r."status" = 'running' AND EXISTS (
    SELECT 1 FROM "score_runs" n WHERE n."status" = 'running' AND n."university_id" = r."university_id"
      AND n."academic_year" = r."academic_year" AND n."id" > r."id");--> statement-breakpoint
CREATE UNIQUE INDEX "score_runs_running_key" ON "score_runs" USING btree ("university_id","academic_year") WHERE "score_runs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "risk_scores_snapshot_desc_idx" ON "risk_scores" USING btree ("snapshot_id","probability" DESC NULLS LAST,"student_id");--> statement-breakpoint
CREATE INDEX "risk_scores_snapshot_asc_idx" ON "risk_scores" USING btree ("snapshot_id","probability","student_id");--> statement-breakpoint
CREATE INDEX "risk_scores_snapshot_band_idx" ON "risk_scores" USING btree ("snapshot_id","band","probability" DESC NULLS LAST,"student_id");
