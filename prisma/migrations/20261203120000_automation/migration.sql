-- Follow-up cadences, agent nudges, resolution mail and satisfaction ratings (issue 13, part B)
ALTER TABLE "Settings" ADD COLUMN "automation" JSONB;
ALTER TABLE "SlaContract" ADD COLUMN "followUp" JSONB;
ALTER TABLE "CustomerGroup" ADD COLUMN "followUp" JSONB;

CREATE TABLE "CaseReminder" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "anchorAt" TIMESTAMP(3) NOT NULL,
    "step" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CaseReminder_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "CaseReminder_caseId_kind_anchorAt_step_key" ON "CaseReminder"("caseId", "kind", "anchorAt", "step");
ALTER TABLE "CaseReminder" ADD CONSTRAINT "CaseReminder_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "SatisfactionRating" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "rating" TEXT NOT NULL,
    "comment" VARCHAR(4000),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "commentedAt" TIMESTAMP(3),
    CONSTRAINT "SatisfactionRating_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "SatisfactionRating_caseId_key" ON "SatisfactionRating"("caseId");
ALTER TABLE "SatisfactionRating" ADD CONSTRAINT "SatisfactionRating_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;
