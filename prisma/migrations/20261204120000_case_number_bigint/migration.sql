-- Case numbers become 64-bit: the CRM we follow allows up to 16 digits (issue 13).
-- Prisma's own diff says SET DATA TYPE BIGSERIAL, which PostgreSQL rejects, so the column and its sequence
-- are altered separately. The sequence stops at 2^53 - 1 (9007199254740991), the largest integer JavaScript
-- holds exactly: the application keeps case numbers as JS numbers, and the database refuses to allocate one
-- it could not represent instead of handing out a number that would be rounded.
ALTER TABLE "Case" ALTER COLUMN "number" SET DATA TYPE BIGINT;
ALTER SEQUENCE "Case_number_seq" AS BIGINT MAXVALUE 9007199254740991;
