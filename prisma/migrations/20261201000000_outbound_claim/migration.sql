-- AlterEnum
ALTER TYPE "OutboundStatus" ADD VALUE 'SENDING';

-- AlterTable
ALTER TABLE "OutboundMail" ADD COLUMN     "claimedAt" TIMESTAMP(3);


