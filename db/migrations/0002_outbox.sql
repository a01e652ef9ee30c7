CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"job_id" text NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"enqueued_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "run" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "notified_run" integer;--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("available_at","id") WHERE "outbox"."enqueued_at" IS NULL;--> statement-breakpoint
CREATE INDEX "outbox_pending_job_idx" ON "outbox" USING btree ("job_id") WHERE "outbox"."enqueued_at" IS NULL;--> statement-breakpoint
CREATE INDEX "imports_unfinished_idx" ON "imports" USING btree ("updated_at") WHERE "imports"."status" IN ('queued', 'processing');