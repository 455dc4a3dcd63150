-- The name as the sender wrote it, for display only (filename is the safe name used to store, mail and download)
ALTER TABLE "PostAttachment" ADD COLUMN "originalFilename" TEXT;
