ALTER TABLE "contacts" DROP COLUMN "consent_email";--> statement-breakpoint
ALTER TABLE "contacts" DROP COLUMN "consent_sms";--> statement-breakpoint
ALTER TABLE "contacts" DROP COLUMN "consent_date";--> statement-breakpoint
ALTER TABLE "contacts" DROP COLUMN "consent_source";