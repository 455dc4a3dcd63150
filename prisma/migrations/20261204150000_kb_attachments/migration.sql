-- Files referenced by knowledge base articles (issue 10)
CREATE TABLE "KbAttachment" (
    "id" SERIAL NOT NULL,
    "articleId" INTEGER NOT NULL,
    "name" VARCHAR(500) NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "content" BYTEA NOT NULL,
    CONSTRAINT "KbAttachment_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "KbAttachment_articleId_name_key" ON "KbAttachment"("articleId", "name");

ALTER TABLE "KbAttachment" ADD CONSTRAINT "KbAttachment_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KbArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
