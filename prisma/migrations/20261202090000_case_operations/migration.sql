-- AlterEnum
ALTER TYPE "PostSource" ADD VALUE 'AGENT_DESK';

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "acknowledge" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "mergedIntoId" INTEGER;

-- CreateTable
CREATE TABLE "CaseRelation" (
    "caseId" INTEGER NOT NULL,
    "relatedId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseRelation_pkey" PRIMARY KEY ("caseId","relatedId")
);

-- CreateIndex
CREATE INDEX "CaseRelation_relatedId_idx" ON "CaseRelation"("relatedId");

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_mergedIntoId_fkey" FOREIGN KEY ("mergedIntoId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRelation" ADD CONSTRAINT "CaseRelation_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRelation" ADD CONSTRAINT "CaseRelation_relatedId_fkey" FOREIGN KEY ("relatedId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;


