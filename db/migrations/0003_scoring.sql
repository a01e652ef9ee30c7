CREATE TYPE "public"."model_kind" AS ENUM('expert', 'logistic');--> statement-breakpoint
CREATE TYPE "public"."model_status" AS ENUM('training', 'trained', 'failed');--> statement-breakpoint
CREATE TYPE "public"."score_run_status" AS ENUM('pending', 'running', 'succeeded', 'failed');--> statement-breakpoint
CREATE TYPE "public"."risk_band" AS ENUM('eleve', 'moyen', 'faible', 'non_evaluable');--> statement-breakpoint
CREATE TABLE "models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" text NOT NULL,
	"kind" "model_kind" NOT NULL,
	"status" "model_status" NOT NULL,
	"university_id" uuid,
	"training_year" text,
	"as_of_date" date,
	"as_of_week" integer,
	"spec" jsonb,
	"metrics" jsonb,
	"group_rates" jsonb,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"training_count" integer,
	"training_positives" integer,
	"error" text,
	"active" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"trained_at" timestamp with time zone,
	"activated_at" timestamp with time zone,
	"activated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "score_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "score_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"university_id" uuid NOT NULL,
	"academic_year" text NOT NULL,
	"as_of" date NOT NULL,
	"trigger" text NOT NULL,
	"status" "score_run_status" DEFAULT 'pending' NOT NULL,
	"model_id" uuid,
	"due_at" timestamp with time zone NOT NULL,
	"batches_total" integer,
	"batches_done" bigint[] DEFAULT '{}' NOT NULL,
	"students" integer,
	"scored" integer DEFAULT 0 NOT NULL,
	"non_evaluable" integer DEFAULT 0 NOT NULL,
	"context" jsonb,
	"error" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "risk_scores" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "risk_scores_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"student_id" bigint NOT NULL,
	"university_id" uuid NOT NULL,
	"academic_year" text NOT NULL,
	"model_id" uuid NOT NULL,
	"model_version" text NOT NULL,
	"as_of" date NOT NULL,
	"run_id" bigint,
	"probability" double precision,
	"band" "risk_band" NOT NULL,
	"rank" integer,
	"coverage" real NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"missing" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"non_evaluable_reason" text,
	"features" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scoring_settings" (
	"university_id" uuid PRIMARY KEY NOT NULL,
	"band_mode" text DEFAULT 'thresholds' NOT NULL,
	"high_threshold" real DEFAULT 0.4 NOT NULL,
	"medium_threshold" real DEFAULT 0.2 NOT NULL,
	"top_n" integer,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_activated_by_users_id_fk" FOREIGN KEY ("activated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_runs" ADD CONSTRAINT "score_runs_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_runs" ADD CONSTRAINT "score_runs_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_run_id_score_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."score_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoring_settings" ADD CONSTRAINT "scoring_settings_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoring_settings" ADD CONSTRAINT "scoring_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "models_version_key" ON "models" USING btree ("version");--> statement-breakpoint
CREATE UNIQUE INDEX "models_active_university_key" ON "models" USING btree ("university_id") WHERE "models"."active";--> statement-breakpoint
CREATE INDEX "models_university_idx" ON "models" USING btree ("university_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "score_runs_pending_key" ON "score_runs" USING btree ("university_id","academic_year") WHERE "score_runs"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "score_runs_cohort_idx" ON "score_runs" USING btree ("university_id","academic_year","finished_at");--> statement-breakpoint
CREATE UNIQUE INDEX "risk_scores_student_model_day_key" ON "risk_scores" USING btree ("student_id","model_id","as_of");--> statement-breakpoint
CREATE INDEX "risk_scores_run_rank_idx" ON "risk_scores" USING btree ("run_id","probability" DESC NULLS LAST,"student_id");--> statement-breakpoint
CREATE INDEX "risk_scores_run_band_idx" ON "risk_scores" USING btree ("run_id","band","probability" DESC NULLS LAST,"student_id");--> statement-breakpoint
CREATE INDEX "risk_scores_student_day_idx" ON "risk_scores" USING btree ("student_id","as_of");