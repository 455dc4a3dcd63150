-- AlterEnum
ALTER TYPE "CaseOrigin" ADD VALUE 'IMPORT';

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "externalId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Case_externalId_key" ON "Case"("externalId");


