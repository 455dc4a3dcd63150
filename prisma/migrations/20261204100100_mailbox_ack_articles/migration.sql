-- Knowledge base articles in a new case's acknowledgement, per mailbox (0: none)
ALTER TABLE "Mailbox" ADD COLUMN "ackArticles" INTEGER NOT NULL DEFAULT 0;
