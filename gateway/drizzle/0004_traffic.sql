ALTER TABLE "deployments" ADD COLUMN "traffic" jsonb;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "sticky_header" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "shadow_version" integer;