-- Knowledge base (src/kb). unaccent folds Czech and Polish diacritics for search, pg_trgm serves Chinese
-- n-gram matching and typo tolerance. Both ship in PostgreSQL contrib (Debian postgresql-15).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateEnum
CREATE TYPE "KbArticleStatus" AS ENUM ('DRAFT', 'IN_REVIEW', 'PUBLISHED', 'ARCHIVED');

-- CreateTable
CREATE TABLE "KbArticle" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "translationGroup" TEXT NOT NULL,
    "title" VARCHAR(255) NOT NULL,
    "summary" VARCHAR(1000) NOT NULL DEFAULT '',
    "body" TEXT NOT NULL,
    "status" "KbArticleStatus" NOT NULL DEFAULT 'DRAFT',
    "expiresAt" TIMESTAMP(3),
    "publishedAt" TIMESTAMP(3),
    "authorAgentId" INTEGER,
    "reviewerAgentId" INTEGER,
    "source" TEXT NOT NULL DEFAULT 'file',
    "sourceHash" TEXT,
    "rejectedReason" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "helpfulCount" INTEGER NOT NULL DEFAULT 0,
    "unhelpfulCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "searchVector" tsvector,
    "searchTitle" TEXT NOT NULL DEFAULT '',
    "searchText" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "KbArticle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KbArticlePortal" (
    "articleId" INTEGER NOT NULL,
    "portalKey" TEXT NOT NULL,

    CONSTRAINT "KbArticlePortal_pkey" PRIMARY KEY ("articleId","portalKey")
);

-- CreateTable
CREATE TABLE "KbCategory" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "parentId" INTEGER,
    "names" JSONB NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "KbCategory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KbArticleCategory" (
    "articleId" INTEGER NOT NULL,
    "categoryId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "KbArticleCategory_pkey" PRIMARY KEY ("articleId","categoryId")
);

-- CreateTable
CREATE TABLE "KbArticleCase" (
    "articleId" INTEGER NOT NULL,
    "caseId" INTEGER NOT NULL,

    CONSTRAINT "KbArticleCase_pkey" PRIMARY KEY ("articleId","caseId")
);

-- CreateTable
CREATE TABLE "KbArticleVersion" (
    "id" SERIAL NOT NULL,
    "articleId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "title" VARCHAR(255) NOT NULL,
    "summary" VARCHAR(1000) NOT NULL,
    "body" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "portals" TEXT[],
    "publishedBy" TEXT NOT NULL,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KbArticleVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KbPortalSetting" (
    "portalKey" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "public" BOOLEAN NOT NULL DEFAULT false,
    "fallbackToEn" BOOLEAN NOT NULL DEFAULT false,
    "categories" JSONB NOT NULL,

    CONSTRAINT "KbPortalSetting_pkey" PRIMARY KEY ("portalKey")
);

-- CreateTable
CREATE TABLE "KbSuggestionEvent" (
    "id" SERIAL NOT NULL,
    "portalKey" TEXT NOT NULL,
    "visitId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "articleId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KbSuggestionEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "KbArticle_status_language_idx" ON "KbArticle"("status", "language");

-- CreateIndex
CREATE INDEX "KbArticle_translationGroup_idx" ON "KbArticle"("translationGroup");

-- CreateIndex
CREATE INDEX "KbArticle_searchVector_idx" ON "KbArticle" USING GIN ("searchVector");

-- CreateIndex
CREATE INDEX "KbArticle_searchText_idx" ON "KbArticle" USING GIN ("searchText" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "KbArticle_key_language_key" ON "KbArticle"("key", "language");

-- CreateIndex
CREATE INDEX "KbArticlePortal_portalKey_idx" ON "KbArticlePortal"("portalKey");

-- CreateIndex
CREATE UNIQUE INDEX "KbCategory_key_key" ON "KbCategory"("key");

-- CreateIndex
CREATE INDEX "KbArticleCategory_categoryId_position_idx" ON "KbArticleCategory"("categoryId", "position");

-- CreateIndex
CREATE INDEX "KbArticleCase_caseId_idx" ON "KbArticleCase"("caseId");

-- CreateIndex
CREATE UNIQUE INDEX "KbArticleVersion_articleId_version_key" ON "KbArticleVersion"("articleId", "version");

-- CreateIndex
CREATE INDEX "KbSuggestionEvent_visitId_idx" ON "KbSuggestionEvent"("visitId");

-- CreateIndex
CREATE INDEX "KbSuggestionEvent_portalKey_createdAt_idx" ON "KbSuggestionEvent"("portalKey", "createdAt");

-- AddForeignKey
ALTER TABLE "KbArticle" ADD CONSTRAINT "KbArticle_authorAgentId_fkey" FOREIGN KEY ("authorAgentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbArticle" ADD CONSTRAINT "KbArticle_reviewerAgentId_fkey" FOREIGN KEY ("reviewerAgentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbArticlePortal" ADD CONSTRAINT "KbArticlePortal_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KbArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbCategory" ADD CONSTRAINT "KbCategory_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "KbCategory"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbArticleCategory" ADD CONSTRAINT "KbArticleCategory_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KbArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbArticleCategory" ADD CONSTRAINT "KbArticleCategory_categoryId_fkey" FOREIGN KEY ("categoryId") REFERENCES "KbCategory"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbArticleCase" ADD CONSTRAINT "KbArticleCase_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KbArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbArticleCase" ADD CONSTRAINT "KbArticleCase_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KbArticleVersion" ADD CONSTRAINT "KbArticleVersion_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KbArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;


