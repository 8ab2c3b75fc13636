ALTER TABLE "invocations" ADD COLUMN "ignored_fields" jsonb;--> statement-breakpoint
ALTER TABLE "invocations" ADD COLUMN "truncated" text;