-- AlterTable
ALTER TABLE "Portal" ADD COLUMN     "selfRegistration" JSONB;
