/**
 * Who sent this mail and what they may do with it: the most important decision of ingest, as a pure function.
 *
 * Agents are recognised by the signed reply (or forwarding) address together with From, never by From alone:
 * From is trivially forged, the token is not. A deactivated agent (removed from the configuration) is no
 * longer an agent: their tokens stop working and their mail is a customer's like anyone else's.
 *
 * Automatic mail (bounces, auto-replies) is never answered: where a human would be told why their mail was
 * refused, an automatic one is only quarantined with the reason, so two robots cannot start a loop.
 */
import type { TokenCheck, TokenVisibility } from "../../threading/reply-token.ts";

export interface RouteAgent {
  id: number;
  email: string;
  aliases: string[];
  active: boolean;
  name: string;
  locale: string;
}

export interface SenderRouteInput {
  /** From's address, lower-cased; null when the message has none. */
  sender: string | null;
  /** From's display name, for addressing a refusal. */
  senderName: string;
  /** The helpdesk's own mailbox addresses, lower-cased. */
  ownAddresses: string[];
  /** Why the message is automatic (bounce, auto-reply …), or null for a human's mail. */
  automaticReason: string | null;
  /** The reply or forwarding token found among the recipients. */
  token: TokenCheck;
  agents: RouteAgent[];
  /** The body starts with `#forward` (an agent trying to forward without their forwarding address). */
  startsWithForward: boolean;
  /** The personal forwarding address of an agent, to tell them where forwards go. */
  forwardAddressOf(agentId: number): string;
}

export type SenderRoute =
  /** Kept with its reason, nobody told. `rejectedOnCase`: a genuine token's case, where the attempt is logged. */
  | { kind: "quarantine"; reason: string; rejectedOnCase: number | null }
  /** Kept with its reason, and the reasons mailed back to `to` (naming no case: the sender is not verified). */
  | { kind: "refuse"; to: string; name: string; locale: string; reasons: string[]; rejectedOnCase: number | null }
  /** An agent's answer or commands on a case, through the reply address issued to them. */
  | { kind: "agent-reply"; agent: RouteAgent; caseId: number; visibility: TokenVisibility }
  /** An agent's answer to a knowledge base review mail (`#publish`, `#reject`), through its review address. */
  | { kind: "kb-review"; agent: RouteAgent; articleId: number }
  /** A customer's mail that an agent forwarded to their personal forwarding address. */
  | { kind: "forwarded"; agent: RouteAgent }
  /** A customer's (or anyone's) own mail: a new case or a post on one. */
  | { kind: "customer"; sender: string };

const ownsAddress = (a: RouteAgent, address: string) => a.email === address || a.aliases.includes(address);

export function routeSender(input: SenderRouteInput): SenderRoute {
  const { sender, token, automaticReason } = input;
  const quarantine = (reason: string, rejectedOnCase: number | null = null): SenderRoute => ({ kind: "quarantine", reason, rejectedOnCase });
  if (!sender) return quarantine("no sender address (From) to file the message under");
  if (input.ownAddresses.includes(sender)) return quarantine(`sent from our own address ${sender}: mail loop refused`);
  if (token.kind === "forged") return quarantine(`reply address token "${token.raw}" has a bad signature`);

  const active = input.agents.filter((a) => a.active);
  const senderAgent = active.find((a) => ownsAddress(a, sender)) ?? null;

  // An agent removed from the configuration is deactivated: the reply and forwarding addresses issued to them
  // stop working. Said plainly to them (the mail names no case), rather than "From does not match".
  const deactivated = (agentId: number) => input.agents.find((a) => a.id === agentId && !a.active && ownsAddress(a, sender)) ?? null;
  if ((token.kind === "valid" || token.kind === "forward") && deactivated(token.kind === "valid" ? token.token.agentId : token.agentId)) {
    const gone = deactivated(token.kind === "valid" ? token.token.agentId : token.agentId)!;
    const why = `agent ${gone.email} is deactivated: the ${token.kind === "valid" ? "reply" : "forwarding"} addresses issued to them no longer work`;
    const rejectedOnCase = token.kind === "valid" ? token.token.caseId : null;
    if (automaticReason !== null) return quarantine(why, rejectedOnCase);
    return { kind: "refuse", to: sender, name: gone.name, locale: gone.locale, reasons: [why], rejectedOnCase };
  }

  if (token.kind === "valid") {
    const agent = active.find((a) => a.id === token.token.agentId);
    const caseId = token.token.caseId;
    if (!agent || !ownsAddress(agent, sender)) {
      const why = `reply address issued to agent #${token.token.agentId} but From is ${sender}`;
      if (automaticReason !== null) return quarantine(why, caseId);
      return {
        kind: "refuse",
        to: sender,
        name: input.senderName || sender,
        locale: senderAgent?.locale ?? "en",
        reasons: [`${why}: a reply address works only from the address of the agent it was sent to`],
        rejectedOnCase: caseId,
      };
    }
    if (automaticReason !== null) return quarantine(`automatic mail (${automaticReason}) on an agent reply address`);
    return { kind: "agent-reply", agent, caseId, visibility: token.token.visibility };
  }

  if (token.kind === "review") {
    // Same rule as a case reply address: the review address works only from the reviewer's own address.
    const agent = active.find((a) => a.id === token.agentId);
    if (!agent || !ownsAddress(agent, sender)) {
      const why = `review address of agent #${token.agentId} used from ${sender}`;
      if (automaticReason !== null) return quarantine(why);
      return { kind: "refuse", to: sender, name: input.senderName || sender, locale: senderAgent?.locale ?? "en", reasons: [`${why}: it works only from the address of the agent it was sent to`], rejectedOnCase: null };
    }
    if (automaticReason !== null) return quarantine(`automatic mail (${automaticReason}) on a review address`);
    return { kind: "kb-review", agent, articleId: token.articleId };
  }

  if (token.kind === "forward") {
    const agent = active.find((a) => a.id === token.agentId);
    if (!agent || !ownsAddress(agent, sender)) {
      const why = `forwarding address of agent #${token.agentId} used from ${sender}`;
      if (automaticReason !== null) return quarantine(why);
      return { kind: "refuse", to: sender, name: input.senderName || sender, locale: "en", reasons: [`${why}: it works only from that agent's own address`], rejectedOnCase: null };
    }
    if (automaticReason !== null) return quarantine(`automatic mail (${automaticReason}) on a forwarding address`);
    return { kind: "forwarded", agent };
  }

  if (senderAgent) {
    const forwardTo = input.forwardAddressOf(senderAgent.id);
    const why = input.startsWithForward
      ? `to file a customer's mail, forward it to your personal forwarding address ${forwardTo}`
      : `mail from agent address ${sender} without a reply token: reply to a notification instead (to file a customer's mail, forward it to ${forwardTo})`;
    if (automaticReason !== null) return quarantine(why);
    return { kind: "refuse", to: senderAgent.email, name: senderAgent.name, locale: senderAgent.locale, reasons: [why], rejectedOnCase: null };
  }
  return { kind: "customer", sender };
}
