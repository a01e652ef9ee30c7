CREATE TYPE "public"."campaign_status" AS ENUM('draft', 'scheduled', 'running', 'paused', 'finished', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."campaign_arm" AS ENUM('treated', 'control');--> statement-breakpoint
CREATE TYPE "public"."message_status" AS ENUM('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped');--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"university_id" uuid NOT NULL,
	"academic_year" text NOT NULL,
	"name" text NOT NULL,
	"channel" "consent_channel" NOT NULL,
	"status" "campaign_status" DEFAULT 'draft' NOT NULL,
	"territory_ids" uuid[] NOT NULL,
	"segment" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"recent_days" integer DEFAULT 30 NOT NULL,
	"control_share" real DEFAULT 0.1 NOT NULL,
	"control_seed" integer NOT NULL,
	"templates" jsonb NOT NULL,
	"send_window" jsonb NOT NULL,
	"rate_per_minute" integer DEFAULT 60 NOT NULL,
	"reminder_days" smallint[] DEFAULT '{3,7}'::smallint[] NOT NULL,
	"capacity_days" integer DEFAULT 10 NOT NULL,
	"capacity_factor" real DEFAULT 1 NOT NULL,
	"callbacks_per_day" integer DEFAULT 2 NOT NULL,
	"failure_threshold" real DEFAULT 0.2 NOT NULL,
	"pause_reason" text,
	"start_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_control_share" CHECK ("campaigns"."control_share" >= 0 AND "campaigns"."control_share" < 1),
	CONSTRAINT "campaigns_rate" CHECK ("campaigns"."rate_per_minute" > 0),
	CONSTRAINT "campaigns_territories" CHECK (cardinality("campaigns"."territory_ids") > 0)
);
--> statement-breakpoint
CREATE TABLE "campaign_approvals" (
	"campaign_id" uuid NOT NULL,
	"mission_locale_id" uuid NOT NULL,
	"approved_by" uuid,
	"approved_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_approvals_campaign_id_mission_locale_id_pk" PRIMARY KEY("campaign_id","mission_locale_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_members" (
	"campaign_id" uuid NOT NULL,
	"student_id" bigint NOT NULL,
	"arm" "campaign_arm" NOT NULL,
	"mission_locale_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_members_campaign_id_student_id_pk" PRIMARY KEY("campaign_id","student_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"student_id" bigint NOT NULL,
	"step" smallint NOT NULL,
	"channel" "consent_channel" NOT NULL,
	"status" "message_status" DEFAULT 'queued' NOT NULL,
	"link_id" uuid,
	"provider_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_at" timestamp with time zone,
	"dispatched_at" timestamp with time zone,
	"dispatches" integer DEFAULT 0 NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_approvals" ADD CONSTRAINT "campaign_approvals_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_approvals" ADD CONSTRAINT "campaign_approvals_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_approvals" ADD CONSTRAINT "campaign_approvals_approved_by_users_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaigns_university_idx" ON "campaigns" USING btree ("university_id","created_at");--> statement-breakpoint
CREATE INDEX "campaigns_active_idx" ON "campaigns" USING btree ("status") WHERE "campaigns"."status" IN ('scheduled', 'running');--> statement-breakpoint
CREATE INDEX "campaign_members_student_idx" ON "campaign_members" USING btree ("student_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_campaign_student_step_key" ON "messages" USING btree ("campaign_id","student_id","step");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_one_pending_invitation_key" ON "messages" USING btree ("student_id") WHERE "messages"."step" = 0 AND "messages"."status" IN ('queued', 'sending');--> statement-breakpoint
CREATE INDEX "messages_pending_idx" ON "messages" USING btree ("campaign_id","status") WHERE "messages"."status" IN ('queued', 'sending');--> statement-breakpoint
CREATE INDEX "messages_student_sent_idx" ON "messages" USING btree ("student_id","sent_at");