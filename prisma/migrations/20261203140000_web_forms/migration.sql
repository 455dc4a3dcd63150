-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "notifyPreference" TEXT NOT NULL DEFAULT 'all';

-- CreateTable
CREATE TABLE "WebForm" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "WebForm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebFormRequest" (
    "id" SERIAL NOT NULL,
    "formKey" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "tokenHash" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "lang" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "confirmedAt" TIMESTAMP(3),
    "caseId" INTEGER,

    CONSTRAINT "WebFormRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "WebForm_key_key" ON "WebForm"("key");

-- CreateIndex
CREATE UNIQUE INDEX "WebFormRequest_tokenHash_key" ON "WebFormRequest"("tokenHash");

-- CreateIndex
CREATE INDEX "WebFormRequest_email_createdAt_idx" ON "WebFormRequest"("email", "createdAt");
