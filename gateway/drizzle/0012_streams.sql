CREATE TABLE "stream_bindings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"brokers" jsonb NOT NULL,
	"input_topic" text NOT NULL,
	"output_topic" text NOT NULL,
	"dead_letter_topic" text,
	"group_id" text NOT NULL,
	"format" text NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"consumed" bigint DEFAULT 0 NOT NULL,
	"produced" bigint DEFAULT 0 NOT NULL,
	"dead_lettered" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stream_bindings" ADD CONSTRAINT "stream_bindings_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stream_bindings_deployment" ON "stream_bindings" USING btree ("deployment_name");--> statement-breakpoint
CREATE UNIQUE INDEX "stream_bindings_group_topic" ON "stream_bindings" USING btree ("group_id","input_topic");