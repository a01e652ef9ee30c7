ALTER TABLE "campaigns" ADD COLUMN "next_send_at" timestamp with time zone;--> statement-breakpoint
-- Links written before these keys existed may name a campaign or a message that is gone: forget those names first.
UPDATE "links" SET "campaign_id" = NULL WHERE "campaign_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "campaigns" c WHERE c."id" = "links"."campaign_id");--> statement-breakpoint
UPDATE "links" SET "message_id" = NULL WHERE "message_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "messages" m WHERE m."id" = "links"."message_id");--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Written here only, not in db/schema/links.ts (the two schema files would import each other): see the comment there.
ALTER TABLE "links" ADD CONSTRAINT "links_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;
