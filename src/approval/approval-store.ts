/** The configured approval rules as stored by `config apply` (validated there, parsed again for their types). */
import type { DbOrTx } from "../db/client.ts";
import { ApprovalRuleSchema, type ApprovalRule } from "./approval-rules.ts";

export async function loadApprovalRules(db: DbOrTx): Promise<ApprovalRule[]> {
  const rows = await db.approvalRule.findMany({ orderBy: { position: "asc" } });
  return rows.map((r) => ApprovalRuleSchema.parse(r.definition));
}
