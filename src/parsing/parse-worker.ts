/**
 * Worker-thread side of parseMessageWithBudget (parse-budget.ts). The parse runs here so that the main thread
 * can terminate it when it overruns its time budget: a synchronous html-to-text or MIME walk can not be
 * interrupted any other way. The worker stays loaded between messages (loading mailparser takes far longer than
 * parsing an ordinary message) and handles one request at a time.
 */
import { parentPort } from "node:worker_threads";
import { parseMessage } from "./parse-message.ts";
import type { ParsedAttachment, ParsedMessage } from "./parsed-message.ts";

export interface ParseRequest {
  id: number;
  /** The raw message, in an ArrayBuffer of its own that was transferred, not copied. */
  raw: Uint8Array;
}

/** Attachment content crosses as a Uint8Array: structured clone does not keep the Buffer class. */
export type WireAttachment = Omit<ParsedAttachment, "content"> & { content: Uint8Array };
export type WireMessage = Omit<ParsedMessage, "attachments"> & { attachments: WireAttachment[] };

export type ParseReply = { id: number; ok: true; message: WireMessage } | { id: number; ok: false; error: string };

/** Everything the worker posts: once `ready` when parse-message.ts is loaded, then one reply per request. */
export type WorkerSignal = { ready: true } | ParseReply;

/**
 * The message with every attachment's bytes in an ArrayBuffer it alone uses, and those ArrayBuffers to transfer.
 * Structured clone copies a view's whole ArrayBuffer, so a small attachment sliced from Node's shared 8 KiB
 * Buffer pool (or from a larger chunk) would drag the rest along; and a pooled ArrayBuffer must never be
 * transferred, as that would detach memory other Buffers in this worker still use. Contents that already own
 * their ArrayBuffer (most large ones) move without a copy.
 */
export function forTransfer(message: ParsedMessage): { message: WireMessage; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const taken = new Set<ArrayBufferLike>();
  const attachments = message.attachments.map((a): WireAttachment => {
    const buffer = a.content.buffer;
    const owns = buffer instanceof ArrayBuffer && a.content.byteOffset === 0 && a.content.byteLength === buffer.byteLength && !taken.has(buffer);
    if (owns) {
      taken.add(buffer);
      transfer.push(buffer);
      return { ...a, content: a.content };
    }
    const copy = new Uint8Array(a.content.byteLength);
    copy.set(a.content);
    transfer.push(copy.buffer);
    return { ...a, content: copy };
  });
  return { message: { ...message, attachments }, transfer };
}

async function handle(request: ParseRequest): Promise<{ reply: ParseReply; transfer: ArrayBuffer[] }> {
  try {
    const raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
    const { message, transfer } = forTransfer(await parseMessage(raw));
    return { reply: { id: request.id, ok: true, message }, transfer };
  } catch (err) {
    // A parse error is the message's fault: reported like parseMessage would throw it, the worker stays usable.
    return { reply: { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) }, transfer: [] };
  }
}

const port = parentPort;
if (port) {
  port.on("message", (request: ParseRequest) => {
    void handle(request).then(({ reply, transfer }) => port.postMessage(reply, transfer));
  });
  port.postMessage({ ready: true } satisfies WorkerSignal);
}
