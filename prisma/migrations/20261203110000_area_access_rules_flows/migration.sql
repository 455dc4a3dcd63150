-- Areas carry access, a group names the area its cases are processed in, assignment rules and status flows.
ALTER TABLE "Area" ADD COLUMN "restricted" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "AreaAccess" (
    "id" SERIAL NOT NULL,
    "areaId" INTEGER NOT NULL,
    "agentId" INTEGER,
    "teamId" INTEGER,

    CONSTRAINT "AreaAccess_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "AreaAccess_areaId_agentId_key" ON "AreaAccess"("areaId", "agentId");
CREATE UNIQUE INDEX "AreaAccess_areaId_teamId_key" ON "AreaAccess"("areaId", "teamId");

ALTER TABLE "AreaAccess" ADD CONSTRAINT "AreaAccess_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AreaAccess" ADD CONSTRAINT "AreaAccess_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AreaAccess" ADD CONSTRAINT "AreaAccess_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "GroupResponsibility" ADD COLUMN "caseAreaId" INTEGER;
ALTER TABLE "GroupResponsibility" ADD CONSTRAINT "GroupResponsibility_caseAreaId_fkey" FOREIGN KEY ("caseAreaId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "Settings" ADD COLUMN "assignmentRules" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "Settings" ADD COLUMN "statusFlows" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "Case" ADD COLUMN "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];
