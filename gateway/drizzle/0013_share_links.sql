CREATE TABLE "share_links" (
	"id" uuid PRIMARY KEY NOT NULL,
	"deployment_name" text NOT NULL,
	"hash" text NOT NULL,
	"label" text,
	"rate_per_minute" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "share_links_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
ALTER TABLE "share_links" ADD CONSTRAINT "share_links_deployment_name_deployments_name_fk" FOREIGN KEY ("deployment_name") REFERENCES "public"."deployments"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "share_links_deployment_idx" ON "share_links" USING btree ("deployment_name");