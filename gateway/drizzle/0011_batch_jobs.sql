CREATE TABLE "batch_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"input_kind" text NOT NULL,
	"input_name" text NOT NULL,
	"input_path" text NOT NULL,
	"input_format" text NOT NULL,
	"options" jsonb NOT NULL,
	"output_columns" jsonb,
	"rows_done" bigint DEFAULT 0 NOT NULL,
	"rows_total" bigint,
	"errors" bigint DEFAULT 0 NOT NULL,
	"bytes_done" bigint DEFAULT 0 NOT NULL,
	"bytes_total" bigint,
	"output_bytes" bigint DEFAULT 0 NOT NULL,
	"errors_bytes" bigint DEFAULT 0 NOT NULL,
	"owner" text,
	"lease_until" timestamp with time zone,
	"error" jsonb,
	"schedule_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"resumed_at" timestamp with time zone,
	"resumed_rows" bigint DEFAULT 0 NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "batch_schedules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"cron" text NOT NULL,
	"time_zone" text NOT NULL,
	"input_pattern" text NOT NULL,
	"output_dir" text NOT NULL,
	"options" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_fired_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batch_schedules" ADD CONSTRAINT "batch_schedules_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batch_jobs_deployment_idx" ON "batch_jobs" USING btree ("deployment_name","created_at");--> statement-breakpoint
CREATE INDEX "batch_jobs_state_idx" ON "batch_jobs" USING btree ("state");--> statement-breakpoint
CREATE INDEX "batch_schedules_deployment_idx" ON "batch_schedules" USING btree ("deployment_name");