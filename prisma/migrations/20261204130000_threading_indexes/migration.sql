-- Lookups that were sequential scans under EXPLAIN (issue 12): a case's messages, the per-address mail cap, update coalescing.
CREATE INDEX "InboundMessage_caseId_idx" ON "InboundMessage"("caseId");

CREATE INDEX "OutboundMail_recipientContactId_kind_createdAt_idx" ON "OutboundMail"("recipientContactId", "kind", "createdAt");

CREATE INDEX "OutboundMail_caseId_toAddress_idx" ON "OutboundMail"("caseId", "toAddress");
