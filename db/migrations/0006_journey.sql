CREATE TYPE "public"."audit_actor_kind" AS ENUM('staff', 'student_link', 'system');--> statement-breakpoint
CREATE TYPE "public"."case_origin" AS ENUM('booking', 'callback', 'self_referral', 'partner_referral');--> statement-breakpoint
CREATE TYPE "public"."case_status" AS ENUM('new', 'in_progress', 'closed');--> statement-breakpoint
CREATE TYPE "public"."appointment_status" AS ENUM('booked', 'cancelled', 'held', 'no_show');--> statement-breakpoint
CREATE TYPE "public"."callback_moment" AS ENUM('matin', 'apres_midi', 'soir');--> statement-breakpoint
CREATE TYPE "public"."suppression_kind" AS ENUM('pseudo_id', 'email', 'phone');--> statement-breakpoint
CREATE TABLE "links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code_hash" text NOT NULL,
	"student_id" bigint NOT NULL,
	"university_id" uuid NOT NULL,
	"mission_locale_id" uuid,
	"declared_commune_insee" text,
	"campaign_id" uuid,
	"message_id" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"opened_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mission_locale_settings" (
	"mission_locale_id" uuid PRIMARY KEY NOT NULL,
	"min_notice_minutes" integer DEFAULT 120 NOT NULL,
	"horizon_days" integer DEFAULT 28 NOT NULL,
	"closed_on_public_holidays" boolean DEFAULT true NOT NULL,
	"public_phone" text,
	"public_email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "availability_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mission_locale_id" uuid NOT NULL,
	"counsellor_id" uuid NOT NULL,
	"site_id" uuid,
	"modality" "site_modality" NOT NULL,
	"weekday" integer NOT NULL,
	"start_time" time NOT NULL,
	"end_time" time NOT NULL,
	"slot_minutes" integer DEFAULT 45 NOT NULL,
	"valid_from" date NOT NULL,
	"valid_to" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "availability_rules_weekday" CHECK ("availability_rules"."weekday" BETWEEN 1 AND 7),
	CONSTRAINT "availability_rules_times" CHECK ("availability_rules"."start_time" < "availability_rules"."end_time"),
	CONSTRAINT "availability_rules_slot_minutes" CHECK ("availability_rules"."slot_minutes" BETWEEN 10 AND 240),
	CONSTRAINT "availability_rules_site_for_in_person" CHECK ("availability_rules"."modality" <> 'in_person' OR "availability_rules"."site_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "availability_exceptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mission_locale_id" uuid NOT NULL,
	"counsellor_id" uuid,
	"site_id" uuid,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "availability_exceptions_range" CHECK ("availability_exceptions"."starts_at" < "availability_exceptions"."ends_at")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mission_locale_id" uuid NOT NULL,
	"origin" "case_origin" NOT NULL,
	"status" "case_status" DEFAULT 'new' NOT NULL,
	"student_id" bigint,
	"link_id" uuid,
	"assignee_id" uuid,
	"due_at" timestamp with time zone,
	"identity_enc" "bytea",
	"minor" boolean DEFAULT false NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "appointments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mission_locale_id" uuid NOT NULL,
	"counsellor_id" uuid NOT NULL,
	"site_id" uuid,
	"rule_id" uuid,
	"link_id" uuid,
	"case_id" uuid,
	"modality" "site_modality" NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"during" "tstzrange" GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED NOT NULL,
	"status" "appointment_status" DEFAULT 'booked' NOT NULL,
	"identity_enc" "bytea" NOT NULL,
	"minor" boolean DEFAULT false NOT NULL,
	"idempotency_key" text NOT NULL,
	"manage_code_hash" text NOT NULL,
	"confirmation_sent_at" timestamp with time zone,
	"reminder_48h_sent_at" timestamp with time zone,
	"reminder_2h_sent_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"replaced_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "appointments_range" CHECK ("appointments"."starts_at" < "appointments"."ends_at")
);
--> statement-breakpoint
CREATE TABLE "callback_requests" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"link_id" uuid,
	"moments" "callback_moment"[] NOT NULL,
	"weekdays_only" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" "suppression_kind" NOT NULL,
	"value_hash" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "actor_kind" "audit_actor_kind" DEFAULT 'staff' NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "actor_link_id" uuid;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_locale_settings" ADD CONSTRAINT "mission_locale_settings_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_rules" ADD CONSTRAINT "availability_rules_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_rules" ADD CONSTRAINT "availability_rules_counsellor_id_users_id_fk" FOREIGN KEY ("counsellor_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_rules" ADD CONSTRAINT "availability_rules_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_exceptions" ADD CONSTRAINT "availability_exceptions_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_exceptions" ADD CONSTRAINT "availability_exceptions_counsellor_id_users_id_fk" FOREIGN KEY ("counsellor_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_exceptions" ADD CONSTRAINT "availability_exceptions_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_mission_locale_id_organisations_id_fk" FOREIGN KEY ("mission_locale_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_counsellor_id_users_id_fk" FOREIGN KEY ("counsellor_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_rule_id_availability_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."availability_rules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "callback_requests" ADD CONSTRAINT "callback_requests_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "callback_requests" ADD CONSTRAINT "callback_requests_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "links_code_hash_key" ON "links" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "links_student_idx" ON "links" USING btree ("student_id");--> statement-breakpoint
CREATE INDEX "links_campaign_idx" ON "links" USING btree ("campaign_id") WHERE "links"."campaign_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "availability_rules_ml_idx" ON "availability_rules" USING btree ("mission_locale_id");--> statement-breakpoint
CREATE INDEX "availability_rules_counsellor_idx" ON "availability_rules" USING btree ("counsellor_id");--> statement-breakpoint
CREATE INDEX "availability_exceptions_ml_idx" ON "availability_exceptions" USING btree ("mission_locale_id","starts_at");--> statement-breakpoint
CREATE INDEX "cases_queue_idx" ON "cases" USING btree ("mission_locale_id","status","due_at");--> statement-breakpoint
CREATE INDEX "cases_link_idx" ON "cases" USING btree ("link_id");--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_idempotency_key" ON "appointments" USING btree ("link_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_manage_code_key" ON "appointments" USING btree ("manage_code_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_one_booked_per_link" ON "appointments" USING btree ("link_id") WHERE "appointments"."status" = 'booked';--> statement-breakpoint
CREATE INDEX "appointments_counsellor_idx" ON "appointments" USING btree ("counsellor_id","starts_at");--> statement-breakpoint
CREATE INDEX "appointments_ml_day_idx" ON "appointments" USING btree ("mission_locale_id","starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "suppressions_kind_hash_key" ON "suppressions" USING btree ("kind","value_hash");