CREATE TYPE "public"."import_kind" AS ENUM('etudiants', 'assiduite', 'resultats', 'activite_ent', 'contacts', 'devenir');--> statement-breakpoint
CREATE TYPE "public"."import_status" AS ENUM('awaiting_mapping', 'queued', 'processing', 'succeeded', 'failed', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."presence" AS ENUM('present', 'absent_unjustified', 'absent_justified', 'late', 'excused');--> statement-breakpoint
CREATE TYPE "public"."result_outcome" AS ENUM('admitted', 'failed', 'absent_unjustified', 'absent_justified', 'defaulted', 'withdrew', 'pending', 'other');--> statement-breakpoint
CREATE TYPE "public"."outcome_kind" AS ENUM('reinscrit', 'diplome', 'abandon', 'reorientation');--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"kind" "import_kind" NOT NULL,
	"shape" text,
	"status" "import_status" NOT NULL,
	"file_name" text NOT NULL,
	"stored_path" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"encoding" text NOT NULL,
	"delimiter" text,
	"headers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"uploaded_by" uuid,
	"academic_year" text,
	"rows_read" integer DEFAULT 0 NOT NULL,
	"rows_valid" integer DEFAULT 0 NOT NULL,
	"rows_invalid" integer DEFAULT 0 NOT NULL,
	"rows_loaded" integer DEFAULT 0 NOT NULL,
	"rows_changed" integer DEFAULT 0 NOT NULL,
	"students_created" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_errors" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"import_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"column" text NOT NULL,
	"value" text NOT NULL,
	"reason" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_mappings" (
	"organisation_id" uuid NOT NULL,
	"kind" "import_kind" NOT NULL,
	"mapping" jsonb NOT NULL,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_mappings_organisation_id_kind_pk" PRIMARY KEY("organisation_id","kind")
);
--> statement-breakpoint
CREATE TABLE "students" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "students_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"university_id" uuid NOT NULL,
	"pseudo_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "enrolments" (
	"student_id" bigint NOT NULL,
	"academic_year" text NOT NULL,
	"faculty" text,
	"step_code" text,
	"step_label" text,
	"level" text,
	"campus" text,
	"birth_year" integer,
	"grant_holder" boolean,
	"grant_level" text,
	"home_commune_insee" text,
	"home_postcode" text,
	"registration_date" date,
	"admin_status" text,
	"pedagogical_status" text,
	"study_regime" text,
	"oui_si" boolean,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "enrolments_student_id_academic_year_pk" PRIMARY KEY("student_id","academic_year")
);
--> statement-breakpoint
CREATE TABLE "attendance_sessions" (
	"student_id" bigint NOT NULL,
	"course_unit" text NOT NULL,
	"session_date" date NOT NULL,
	"session_type" text DEFAULT '' NOT NULL,
	"session_time" text DEFAULT '' NOT NULL,
	"presence_raw" text NOT NULL,
	"presence" "presence" NOT NULL,
	"justified" boolean,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attendance_sessions_student_id_course_unit_session_date_session_type_session_time_pk" PRIMARY KEY("student_id","course_unit","session_date","session_type","session_time")
);
--> statement-breakpoint
CREATE TABLE "attendance_weeks" (
	"student_id" bigint NOT NULL,
	"week_start" date NOT NULL,
	"course_unit" text DEFAULT '' NOT NULL,
	"sessions_expected" integer NOT NULL,
	"sessions_attended" integer NOT NULL,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attendance_weeks_student_id_week_start_course_unit_pk" PRIMARY KEY("student_id","week_start","course_unit")
);
--> statement-breakpoint
CREATE TABLE "results" (
	"student_id" bigint NOT NULL,
	"academic_year" text NOT NULL,
	"course_unit" text NOT NULL,
	"session" smallint NOT NULL,
	"grade" numeric(5, 2),
	"result_raw" text,
	"result" "result_outcome",
	"ects" numeric(5, 2),
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "results_student_id_academic_year_course_unit_session_pk" PRIMARY KEY("student_id","academic_year","course_unit","session")
);
--> statement-breakpoint
CREATE TABLE "lms_activity" (
	"student_id" bigint NOT NULL,
	"week_start" date NOT NULL,
	"logins" integer NOT NULL,
	"minutes" integer,
	"resources_viewed" integer,
	"assignments_submitted" integer,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lms_activity_student_id_week_start_pk" PRIMARY KEY("student_id","week_start")
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"student_id" bigint PRIMARY KEY NOT NULL,
	"first_name_enc" "bytea",
	"email_enc" "bytea",
	"phone_enc" "bytea",
	"consent_email" boolean DEFAULT false NOT NULL,
	"consent_sms" boolean DEFAULT false NOT NULL,
	"consent_date" date NOT NULL,
	"consent_source" text NOT NULL,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outcomes" (
	"student_id" bigint NOT NULL,
	"academic_year" text NOT NULL,
	"outcome" "outcome_kind" NOT NULL,
	"observed_on" date,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outcomes_student_id_academic_year_pk" PRIMARY KEY("student_id","academic_year")
);
--> statement-breakpoint
CREATE TABLE "student_indicators" (
	"student_id" bigint NOT NULL,
	"academic_year" text DEFAULT '' NOT NULL,
	"source_kind" "import_kind" NOT NULL,
	"name" text NOT NULL,
	"value" double precision,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "student_indicators_student_id_academic_year_source_kind_name_pk" PRIMARY KEY("student_id","academic_year","source_kind","name")
);
--> statement-breakpoint
CREATE TABLE "score_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"university_id" uuid NOT NULL,
	"academic_year" text NOT NULL,
	"import_id" uuid,
	"status" text DEFAULT 'pending' NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_errors" ADD CONSTRAINT "import_errors_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_mappings" ADD CONSTRAINT "import_mappings_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_mappings" ADD CONSTRAINT "import_mappings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "students" ADD CONSTRAINT "students_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolments" ADD CONSTRAINT "enrolments_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolments" ADD CONSTRAINT "enrolments_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_sessions" ADD CONSTRAINT "attendance_sessions_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_weeks" ADD CONSTRAINT "attendance_weeks_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_weeks" ADD CONSTRAINT "attendance_weeks_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lms_activity" ADD CONSTRAINT "lms_activity_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lms_activity" ADD CONSTRAINT "lms_activity_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcomes" ADD CONSTRAINT "outcomes_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcomes" ADD CONSTRAINT "outcomes_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "student_indicators" ADD CONSTRAINT "student_indicators_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_requests" ADD CONSTRAINT "score_requests_university_id_organisations_id_fk" FOREIGN KEY ("university_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_requests" ADD CONSTRAINT "score_requests_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "imports_organisation_created_idx" ON "imports" USING btree ("organisation_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "imports_same_file_key" ON "imports" USING btree ("organisation_id","sha256") WHERE "imports"."status" NOT IN ('failed', 'rejected');--> statement-breakpoint
CREATE INDEX "import_errors_import_idx" ON "import_errors" USING btree ("import_id","line");--> statement-breakpoint
CREATE UNIQUE INDEX "students_university_pseudo_key" ON "students" USING btree ("university_id","pseudo_id");--> statement-breakpoint
CREATE INDEX "score_requests_university_idx" ON "score_requests" USING btree ("university_id","academic_year");--> statement-breakpoint
CREATE UNIQUE INDEX "score_requests_import_key" ON "score_requests" USING btree ("import_id");