-- Approvals: rules from the configuration, held requests, and the fields a pending request locks.
ALTER TYPE "OutboundKind" ADD VALUE 'APPROVAL';

CREATE TYPE "ApprovalStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

ALTER TABLE "Case" ADD COLUMN "heldFields" TEXT[] DEFAULT ARRAY[]::TEXT[];

CREATE TABLE "ApprovalRule" (
    "key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    CONSTRAINT "ApprovalRule_pkey" PRIMARY KEY ("key")
);

CREATE TABLE "ApprovalRequest" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "ruleKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "patch" JSONB NOT NULL,
    "fields" TEXT[],
    "requestedBy" TEXT NOT NULL,
    "requesterAgentId" INTEGER,
    "mode" TEXT NOT NULL,
    "approverIds" INTEGER[],
    "decisions" JSONB NOT NULL DEFAULT '[]',
    "status" "ApprovalStatus" NOT NULL DEFAULT 'PENDING',
    "reason" TEXT,
    "remindAt" TIMESTAMP(3),
    "timeoutAt" TIMESTAMP(3),
    "onTimeout" TEXT NOT NULL DEFAULT 'reject',
    "escalateToIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "escalated" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),
    CONSTRAINT "ApprovalRequest_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "ApprovalRequest_caseId_status_idx" ON "ApprovalRequest"("caseId", "status");
CREATE INDEX "ApprovalRequest_status_timeoutAt_idx" ON "ApprovalRequest"("status", "timeoutAt");
ALTER TABLE "ApprovalRequest" ADD CONSTRAINT "ApprovalRequest_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
