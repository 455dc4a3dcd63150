-- AlterTable
ALTER TABLE "MailboxCursor" ADD COLUMN     "auditGaps" INTEGER,
ADD COLUMN     "auditedAt" TIMESTAMP(3);
