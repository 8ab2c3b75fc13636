CREATE TABLE "approvals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"format" text NOT NULL,
	"fields" jsonb NOT NULL,
	"sha256" text NOT NULL,
	"size" bigint NOT NULL,
	"filename" text,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"state" text NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"reason" text,
	"version" integer
);
--> statement-breakpoint
CREATE INDEX "approvals_state_idx" ON "approvals" USING btree ("state","requested_at");