-- Knowledge base review by mail: who reviews drafts and where "#publish" without portals publishes
-- (one row, written by config apply), and the history of every article step (review asked, published,
-- sent back), which exists for articles without a case as well.

-- CreateTable
CREATE TABLE "KbReviewSetting" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "reviewerAgentIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "reviewerTeamIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "defaultPortals" TEXT[] DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "KbReviewSetting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KbArticleEvent" (
    "id" SERIAL NOT NULL,
    "articleId" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KbArticleEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "KbArticleEvent_articleId_id_idx" ON "KbArticleEvent"("articleId", "id");

-- AddForeignKey
ALTER TABLE "KbArticleEvent" ADD CONSTRAINT "KbArticleEvent_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KbArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
