CREATE TYPE "public"."consent_channel" AS ENUM('email', 'sms');--> statement-breakpoint
CREATE TYPE "public"."consent_status" AS ENUM('given', 'withdrawn', 'objected');--> statement-breakpoint
CREATE TABLE "consents" (
	"student_id" bigint NOT NULL,
	"channel" "consent_channel" NOT NULL,
	"status" "consent_status" NOT NULL,
	"source" text NOT NULL,
	"text_version" text,
	"at" timestamp with time zone NOT NULL,
	"import_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consents_student_id_channel_pk" PRIMARY KEY("student_id","channel")
);
--> statement-breakpoint
CREATE TABLE "consent_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"student_id" bigint NOT NULL,
	"channel" "consent_channel" NOT NULL,
	"status" "consent_status" NOT NULL,
	"source" text NOT NULL,
	"text_version" text,
	"at" timestamp with time zone NOT NULL,
	"import_id" uuid,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "key_id" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "email_invalid_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "phone_invalid_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_events" ADD CONSTRAINT "consent_events_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_events" ADD CONSTRAINT "consent_events_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consents_channel_status_idx" ON "consents" USING btree ("channel","status");--> statement-breakpoint
CREATE INDEX "consent_events_student_idx" ON "consent_events" USING btree ("student_id","channel");--> statement-breakpoint
CREATE INDEX "contacts_key_id_idx" ON "contacts" USING btree ("key_id");--> statement-breakpoint
-- The ledger starts from what the contacts files said so far.
INSERT INTO "consent_events" ("student_id", "channel", "status", "source", "at", "import_id")
  SELECT c."student_id", ch."channel"::"consent_channel", 'given', c."consent_source", (c."consent_date"::timestamp AT TIME ZONE 'Europe/Paris'), c."import_id"
  FROM "contacts" c
  CROSS JOIN LATERAL (VALUES ('email', c."consent_email"), ('sms', c."consent_sms")) AS ch("channel", "given")
  WHERE ch."given";--> statement-breakpoint
INSERT INTO "consents" ("student_id", "channel", "status", "source", "text_version", "at", "import_id")
  SELECT "student_id", "channel", "status", "source", "text_version", "at", "import_id" FROM "consent_events";--> statement-breakpoint
-- Append-only: a consent event is evidence; it may only disappear with its student (purge).
CREATE FUNCTION "consent_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'restrict_violation';
END $$;--> statement-breakpoint
CREATE TRIGGER "consent_events_no_update" BEFORE UPDATE ON "consent_events"
  FOR EACH ROW EXECUTE FUNCTION "consent_events_append_only"();
