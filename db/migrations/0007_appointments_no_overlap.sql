-- A counsellor cannot have two booked appointments whose times overlap: the database refuses the
-- second insert (SQLSTATE 23P01, exclusion_violation), whatever the application checked before.
-- btree_gist lets the gist index compare the uuid with `=` next to the range `&&`.
-- Only `booked` rows take part, so cancelling an appointment frees its time at once.
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_no_overlap"
  EXCLUDE USING gist ("counsellor_id" WITH =, "during" WITH &&) WHERE ("status" = 'booked');
