ALTER TABLE "campaigns" ADD COLUMN "next_send_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "paced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "accepted_at" timestamp with time zone;--> statement-breakpoint
-- Links written before these keys existed may name a campaign or a message that is gone: forget those names first.
UPDATE "links" SET "campaign_id" = NULL WHERE "campaign_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "campaigns" c WHERE c."id" = "links"."campaign_id");--> statement-breakpoint
UPDATE "links" SET "message_id" = NULL WHERE "message_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "messages" m WHERE m."id" = "links"."message_id");--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Written here only, not in db/schema/links.ts (the two schema files would import each other): see the comment there.
ALTER TABLE "links" ADD CONSTRAINT "links_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_campaign_accepted_idx" ON "messages" USING btree ("campaign_id","accepted_at") WHERE "messages"."accepted_at" IS NOT NULL;--> statement-breakpoint
-- The rate's hard limit (docs/campaigns.md#sending-guarantees): a send may call the provider only while
-- fewer than p_per_second of the campaign's sends are in flight or were accepted in the last second.
-- Serialised on the campaign row; plpgsql reads after the lock with a fresh snapshot, so two callers
-- cannot both take the last token. Returns whether the token was taken (then messages.paced_at is set).
CREATE FUNCTION campaign_take_send_token(p_campaign uuid, p_message uuid, p_per_second integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_busy integer;
BEGIN
  PERFORM 1 FROM campaigns WHERE id = p_campaign FOR UPDATE;
  SELECT (SELECT count(*) FROM messages WHERE campaign_id = p_campaign AND status = 'sending' AND paced_at IS NOT NULL AND id <> p_message)
       + (SELECT count(*) FROM messages WHERE campaign_id = p_campaign AND accepted_at > clock_timestamp() - interval '1 second')
    INTO v_busy;
  IF v_busy >= p_per_second THEN
    RETURN false;
  END IF;
  UPDATE messages SET paced_at = clock_timestamp() WHERE id = p_message;
  RETURN true;
END $$;
