-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MINOR', 'MAJOR', 'CRITICAL', 'BLOCKER');

-- CreateEnum
CREATE TYPE "SlaMetric" AS ENUM ('FIRST_RESPONSE', 'NEXT_RESPONSE', 'RESOLUTION');

-- CreateEnum
CREATE TYPE "SlaEventKind" AS ENUM ('WARNING', 'BREACH');

-- AlterEnum
ALTER TYPE "CaseType" ADD VALUE 'FEATURE_REQUEST';

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "preferences" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "closedAt" TIMESTAMP(3),
ADD COLUMN     "nextResponseDueAt" TIMESTAMP(3),
ADD COLUMN     "parentCaseId" INTEGER,
ADD COLUMN     "reason" TEXT,
ADD COLUMN     "resolvedAt" TIMESTAMP(3),
ADD COLUMN     "severity" "Severity",
ADD COLUMN     "solution" VARCHAR(32000);

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "directoryId" INTEGER;

-- AlterTable
ALTER TABLE "Settings" ADD COLUMN     "caseNumberFormat" TEXT NOT NULL DEFAULT '{prefix}-{n}',
ADD COLUMN     "closedReplyPolicy" TEXT NOT NULL DEFAULT 'new-linked-case',
ADD COLUMN     "slaPausedStatuses" "CaseStatus"[] DEFAULT ARRAY['WAITING_ON_CUSTOMER']::"CaseStatus"[];

-- AlterTable
ALTER TABLE "SlaContract" ADD COLUMN     "calendar" JSONB,
ADD COLUMN     "escalateTo" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "warningShare" DOUBLE PRECISION NOT NULL DEFAULT 0.8;

-- AlterTable
ALTER TABLE "SlaTarget" ADD COLUMN     "nextResponseMinutes" INTEGER;

-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "assignment" TEXT NOT NULL DEFAULT 'none',
ADD COLUMN     "followsCases" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "lastAssignedAgentId" INTEGER,
ADD COLUMN     "leadAgentId" INTEGER;

-- CreateTable
CREATE TABLE "SlaSeverityTarget" (
    "id" SERIAL NOT NULL,
    "contractId" INTEGER NOT NULL,
    "severity" "Severity" NOT NULL,
    "firstResponseMinutes" INTEGER NOT NULL,
    "nextResponseMinutes" INTEGER,
    "resolutionMinutes" INTEGER NOT NULL,

    CONSTRAINT "SlaSeverityTarget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Directory" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Directory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectoryAccess" (
    "id" SERIAL NOT NULL,
    "directoryId" INTEGER NOT NULL,
    "agentId" INTEGER,
    "teamId" INTEGER,

    CONSTRAINT "DirectoryAccess_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlaPause" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "reason" TEXT NOT NULL,

    CONSTRAINT "SlaPause_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlaEvent" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "metric" "SlaMetric" NOT NULL,
    "kind" "SlaEventKind" NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlaEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SlaSeverityTarget_contractId_severity_key" ON "SlaSeverityTarget"("contractId", "severity");

-- CreateIndex
CREATE UNIQUE INDEX "Directory_key_key" ON "Directory"("key");

-- CreateIndex
CREATE UNIQUE INDEX "DirectoryAccess_directoryId_agentId_key" ON "DirectoryAccess"("directoryId", "agentId");

-- CreateIndex
CREATE UNIQUE INDEX "DirectoryAccess_directoryId_teamId_key" ON "DirectoryAccess"("directoryId", "teamId");

-- CreateIndex
CREATE INDEX "SlaPause_caseId_idx" ON "SlaPause"("caseId");

-- CreateIndex
CREATE UNIQUE INDEX "SlaEvent_caseId_metric_kind_dueAt_key" ON "SlaEvent"("caseId", "metric", "kind", "dueAt");

-- AddForeignKey
ALTER TABLE "SlaSeverityTarget" ADD CONSTRAINT "SlaSeverityTarget_contractId_fkey" FOREIGN KEY ("contractId") REFERENCES "SlaContract"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryAccess" ADD CONSTRAINT "DirectoryAccess_directoryId_fkey" FOREIGN KEY ("directoryId") REFERENCES "Directory"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryAccess" ADD CONSTRAINT "DirectoryAccess_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryAccess" ADD CONSTRAINT "DirectoryAccess_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_directoryId_fkey" FOREIGN KEY ("directoryId") REFERENCES "Directory"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_parentCaseId_fkey" FOREIGN KEY ("parentCaseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlaPause" ADD CONSTRAINT "SlaPause_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlaEvent" ADD CONSTRAINT "SlaEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;


