-- A logged call's values (a 1,000-row batch is 100-200 KB of JSON) are no longer compressed with
-- pglz, which cost more CPU than scoring them (about 2.5 ms a call in PGlite). A server built
-- with lz4 compresses them with it (a tenth of the cost); one without (PGlite) keeps them out of
-- line uncompressed. Rows already stored stay as they are.
DO $$
BEGIN
  ALTER TABLE "invocations" ALTER COLUMN "input" SET COMPRESSION lz4;
  ALTER TABLE "invocations" ALTER COLUMN "output" SET COMPRESSION lz4;
  ALTER TABLE "invocations" ALTER COLUMN "answers" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  ALTER TABLE "invocations" ALTER COLUMN "input" SET STORAGE EXTERNAL;
  ALTER TABLE "invocations" ALTER COLUMN "output" SET STORAGE EXTERNAL;
  ALTER TABLE "invocations" ALTER COLUMN "answers" SET STORAGE EXTERNAL;
END
$$;
