CREATE TABLE "artifacts" (
	"sha256" text PRIMARY KEY NOT NULL,
	"size" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"name" text PRIMARY KEY NOT NULL,
	"pool" text NOT NULL,
	"public" boolean DEFAULT false NOT NULL,
	"live_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invocations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"latency_ms" double precision NOT NULL,
	"status" integer NOT NULL,
	"protocol" text NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" jsonb
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "versions" (
	"deployment_name" text NOT NULL,
	"version" integer NOT NULL,
	"format" text NOT NULL,
	"artifact_sha256" text NOT NULL,
	"filename" text,
	"config" jsonb NOT NULL,
	"signature" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "versions_deployment_name_version_pk" PRIMARY KEY("deployment_name","version")
);
--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_artifact_sha256_artifacts_sha256_fk" FOREIGN KEY ("artifact_sha256") REFERENCES "public"."artifacts"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invocations_deployment_time_idx" ON "invocations" USING btree ("deployment_name","time");--> statement-breakpoint
CREATE INDEX "tokens_deployment_idx" ON "tokens" USING btree ("deployment_name");