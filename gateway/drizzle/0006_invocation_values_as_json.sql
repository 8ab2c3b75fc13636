ALTER TABLE "invocations" ALTER COLUMN "input" SET DATA TYPE json USING "input"::json;--> statement-breakpoint
ALTER TABLE "invocations" ALTER COLUMN "output" SET DATA TYPE json USING "output"::json;--> statement-breakpoint
ALTER TABLE "invocations" ALTER COLUMN "answers" SET DATA TYPE json USING "answers"::json;