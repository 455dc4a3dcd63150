/** Agents' commands in words: as written (for conflict messages) and as done (for the audit log and replies). Pure. */
import type { CaseTypeChoice } from "../../../kernel/domain-types.ts";
import { statusLabel } from "../../../case/status.ts";
import type { AgentCommand, AgentRef } from "./vocabulary.ts";

/** The command as the agent would write it, for conflict messages. */
export function asWritten(c: AgentCommand): string {
  switch (c.kind) {
    case "visibility":
      return c.visibility === "INTERNAL" ? "#internal" : "#public";
    case "private":
      return `#private ${refText(c.to)}`;
    case "status":
      return `#status ${statusLabel(c.status)}`;
    case "close":
      return c.status === "CLOSED" ? "#close" : "#resolve";
    case "priority":
      return `#priority ${c.priority.toLowerCase()}`;
    case "severity":
      return `#severity ${c.severity.toLowerCase()}`;
    case "type":
      return `#type ${typeLabel(c.caseType)}`;
    case "assign":
      return `#assign ${refText(c.to)}`;
    case "follow":
    case "unfollow":
    case "forward":
      return `#${c.kind}`;
    case "level":
      return `#sla ${c.contract}`;
    case "reason":
      return `#reason ${c.reason}`;
    case "portal":
      return `#portal ${c.visible ? "on" : "off"}`;
    case "verdict":
      return `#${c.verdict}`;
    case "kb":
      return "#kb";
    case "field":
      return `#set ${c.key} ${c.value}`;
    case "product":
      return `#product ${c.code}`;
  }
}

function refText(r: AgentRef): string {
  switch (r.kind) {
    case "self":
      return "me";
    case "key":
      return `@${r.key}`;
    case "email":
      return r.email;
  }
}

function typeLabel(t: CaseTypeChoice): string {
  return t.toLowerCase().replace(/_/g, " ");
}


/** One line per command, past tense, for the case's audit log and the confirmation mailed to the agent. */
export function describeCommands(commands: readonly AgentCommand[]): string[] {
  return commands.map((c) => {
    switch (c.kind) {
      case "visibility":
        return c.visibility === "INTERNAL" ? "posted as an internal note" : "posted publicly";
      case "private":
        return `posted privately to ${refText(c.to)}`;
      case "status":
        return `set the status to ${statusLabel(c.status)}`;
      case "close":
        return `${c.status === "CLOSED" ? "closed" : "resolved"} the case with the solution: ${c.solution.replace(/\s+/g, " ")}`;
      case "priority":
        return `set the priority to ${c.priority.toLowerCase()}`;
      case "severity":
        return `set the severity to ${c.severity.toLowerCase()}`;
      case "type":
        return `set the type to ${typeLabel(c.caseType)}`;
      case "assign":
        return c.to.kind === "self" ? "assigned the case to the sender" : `assigned the case to ${refText(c.to)}`;
      case "follow":
        return "followed the case";
      case "unfollow":
        return "stopped following the case";
      case "forward":
        return "filed the forwarded message as the customer's";
      case "level":
        return `changed the SLA level to ${c.contract}`;
      case "reason":
        return `set the reason to: ${c.reason}`;
      case "portal":
        return c.visible ? "showed the case on the portal" : "hid the case from the portal (internal case)";
      case "verdict":
        return c.verdict === "approve" ? `approved the pending request${c.why ? `: ${c.why}` : ""}` : `rejected the pending request: ${c.why ?? ""}`;
      case "kb":
        return "made the solution a draft knowledge base article";
      case "field":
        return c.value === "" ? `cleared the field ${c.key}` : `set the field ${c.key} to ${c.value}`;
      case "product":
        return c.code.toLowerCase() === "none" ? "removed the product" : `set the product to ${c.code.toUpperCase()}`;
    }
  });
}
