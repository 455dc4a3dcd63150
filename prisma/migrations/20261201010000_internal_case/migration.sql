-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "internal" BOOLEAN NOT NULL DEFAULT false;


