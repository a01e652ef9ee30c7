CREATE TYPE "public"."case_outcome" AS ENUM('first_reception', 'pacea', 'cej', 'training', 'employment', 'partner_referral', 'out_of_scope', 'no_follow_up');--> statement-breakpoint
CREATE TYPE "public"."case_event_kind" AS ENUM('opened', 'claim', 'assign', 'note', 'contact_attempt', 'status', 'outcome', 'appointment', 'reminders', 'follow_up');--> statement-breakpoint
CREATE TYPE "public"."case_verdict" AS ENUM('false_alarm', 'already_reoriented');--> statement-breakpoint
ALTER TYPE "public"."case_status" ADD VALUE 'appointment_booked';--> statement-breakpoint
ALTER TYPE "public"."case_status" ADD VALUE 'contacted_no_reply';--> statement-breakpoint
ALTER TYPE "public"."case_status" ADD VALUE 'unreachable';--> statement-breakpoint
ALTER TYPE "public"."case_status" ADD VALUE 'wrong_contact';--> statement-breakpoint
ALTER TYPE "public"."case_status" ADD VALUE 'already_followed';--> statement-breakpoint
ALTER TYPE "public"."case_status" ADD VALUE 'new_project';--> statement-breakpoint
ALTER TYPE "public"."case_status" ADD VALUE 'other';--> statement-breakpoint
CREATE TABLE "case_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"actor_user_id" uuid,
	"kind" "case_event_kind" NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"note_enc" "bytea",
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"university_id" uuid NOT NULL,
	"pseudo_id" text NOT NULL,
	"verdict" "case_verdict" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mission_locale_settings" ADD COLUMN "callback_due_working_days" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "mission_locale_settings" ADD COLUMN "booking_ack_working_days" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "outcome" "case_outcome";--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "closed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "reminders_paused" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "attendance_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "no_show_follow_up_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_feedback" ADD CONSTRAINT "model_feedback_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_events_case_idx" ON "case_events" USING btree ("case_id","at");--> statement-breakpoint
CREATE INDEX "model_feedback_student_idx" ON "model_feedback" USING btree ("university_id","pseudo_id");--> statement-breakpoint
CREATE INDEX "cases_assignee_idx" ON "cases" USING btree ("assignee_id");