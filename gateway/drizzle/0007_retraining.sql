CREATE TABLE "canaries" (
	"deployment_name" text PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"live_version" integer NOT NULL,
	"percent" integer NOT NULL,
	"policy" jsonb NOT NULL,
	"metric" text NOT NULL,
	"status" text NOT NULL,
	"analysis" jsonb,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "retrain_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"trigger" text NOT NULL,
	"trigger_detail" text,
	"status" text NOT NULL,
	"window_from" timestamp with time zone NOT NULL,
	"window_to" timestamp with time zone NOT NULL,
	"training_rows" integer,
	"holdout_rows" integer,
	"parameters" jsonb NOT NULL,
	"live_version" integer NOT NULL,
	"candidate_version" integer,
	"gate" jsonb,
	"decision" text,
	"error" jsonb,
	"log" jsonb NOT NULL,
	"notebook" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" double precision
);
--> statement-breakpoint
CREATE TABLE "retraining_policies" (
	"deployment_name" text PRIMARY KEY NOT NULL,
	"policy" jsonb NOT NULL,
	"last_scheduled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "trainers" (
	"deployment_name" text PRIMARY KEY NOT NULL,
	"artifact_sha256" text NOT NULL,
	"filename" text,
	"parameters" jsonb NOT NULL,
	"training_file_sha256" text,
	"training_filename" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "version_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"detail" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_rules" ADD COLUMN "action" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "stage" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "retrain_run_id" uuid;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "gate" jsonb;--> statement-breakpoint
ALTER TABLE "canaries" ADD CONSTRAINT "canaries_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retrain_runs" ADD CONSTRAINT "retrain_runs_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retraining_policies" ADD CONSTRAINT "retraining_policies_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trainers" ADD CONSTRAINT "trainers_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trainers" ADD CONSTRAINT "trainers_artifact_sha256_artifacts_sha256_fk" FOREIGN KEY ("artifact_sha256") REFERENCES "public"."artifacts"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trainers" ADD CONSTRAINT "trainers_training_file_sha256_artifacts_sha256_fk" FOREIGN KEY ("training_file_sha256") REFERENCES "public"."artifacts"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_events" ADD CONSTRAINT "version_events_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "retrain_runs_deployment_idx" ON "retrain_runs" USING btree ("deployment_name","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "retrain_runs_one_running" ON "retrain_runs" USING btree ("deployment_name") WHERE "retrain_runs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "version_events_deployment_idx" ON "version_events" USING btree ("deployment_name","at");