-- Customer attachments that travel with agents' notices
ALTER TABLE "OutboundMail" ADD COLUMN "attachmentIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[];
