CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"status" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"outputs" jsonb,
	"error" jsonb,
	"cold" boolean,
	"duration_ms" double precision,
	"callback_url" text,
	"callback_status" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "runs_deployment_idx" ON "runs" USING btree ("deployment_name","created_at");