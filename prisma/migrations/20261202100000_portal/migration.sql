-- AlterEnum
ALTER TYPE "OutboundKind" ADD VALUE 'SIGN_IN';

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "portalRole" TEXT;

-- CreateTable
CREATE TABLE "Portal" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "languages" TEXT[],
    "theme" JSONB NOT NULL,
    "exposure" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Portal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortalSignIn" (
    "id" SERIAL NOT NULL,
    "contactId" INTEGER NOT NULL,
    "portalKey" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "codeAttempts" INTEGER NOT NULL DEFAULT 0,
    "returnTo" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "PortalSignIn_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortalSession" (
    "id" SERIAL NOT NULL,
    "idHash" TEXT NOT NULL,
    "contactId" INTEGER NOT NULL,
    "portalKey" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "accountId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "userAgent" TEXT,

    CONSTRAINT "PortalSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Portal_key_key" ON "Portal"("key");

-- CreateIndex
CREATE UNIQUE INDEX "PortalSignIn_tokenHash_key" ON "PortalSignIn"("tokenHash");

-- CreateIndex
CREATE INDEX "PortalSignIn_contactId_expiresAt_idx" ON "PortalSignIn"("contactId", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "PortalSession_idHash_key" ON "PortalSession"("idHash");

-- CreateIndex
CREATE INDEX "PortalSession_contactId_idx" ON "PortalSession"("contactId");

-- AddForeignKey
ALTER TABLE "PortalSignIn" ADD CONSTRAINT "PortalSignIn_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortalSession" ADD CONSTRAINT "PortalSession_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

