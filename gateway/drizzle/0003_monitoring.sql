CREATE TABLE "alert_rules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"name" text NOT NULL,
	"condition" jsonb NOT NULL,
	"window_minutes" integer NOT NULL,
	"version" integer,
	"webhook_url" text,
	"webhook_secret" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"state" text DEFAULT 'insufficient_data' NOT NULL,
	"last_value" double precision,
	"last_evaluated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"rule_id" uuid NOT NULL,
	"deployment_name" text NOT NULL,
	"rule_name" text NOT NULL,
	"value" double precision,
	"message" text NOT NULL,
	"fired_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "feature_rollups" (
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"feature" text NOT NULL,
	"summary" jsonb NOT NULL,
	CONSTRAINT "feature_rollups_deployment_name_hour_version_feature_pk" PRIMARY KEY("deployment_name","hour","version","feature")
);
--> statement-breakpoint
CREATE TABLE "feedback_staging" (
	"upload_id" uuid NOT NULL,
	"id" text NOT NULL,
	"actual" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "monitoring_settings" (
	"deployment_name" text PRIMARY KEY NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"predicted" jsonb,
	"scores" jsonb,
	"actual" jsonb,
	"first_actual_at" timestamp with time zone,
	"actual_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "quality_rollups" (
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"summary" jsonb,
	"changes" integer DEFAULT 1 NOT NULL,
	"summarized" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "quality_rollups_deployment_name_hour_version_pk" PRIMARY KEY("deployment_name","hour","version")
);
--> statement-breakpoint
CREATE TABLE "reference_profiles" (
	"deployment_name" text PRIMARY KEY NOT NULL,
	"rows" integer NOT NULL,
	"source" text NOT NULL,
	"features" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_rule_id_alert_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."alert_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_settings" ADD CONSTRAINT "monitoring_settings_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reference_profiles" ADD CONSTRAINT "reference_profiles_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_rules_deployment_idx" ON "alert_rules" USING btree ("deployment_name");--> statement-breakpoint
CREATE INDEX "alerts_deployment_idx" ON "alerts" USING btree ("deployment_name","fired_at");--> statement-breakpoint
CREATE INDEX "feedback_staging_upload_idx" ON "feedback_staging" USING btree ("upload_id");--> statement-breakpoint
CREATE INDEX "predictions_deployment_time_idx" ON "predictions" USING btree ("deployment_name","time");