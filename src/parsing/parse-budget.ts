/**
 * parseMessage with a wall-clock budget. mailparser's work (html-to-text above all) is synchronous, so a
 * pathological message — megabytes of table rows or links, dozens of large HTML parts, a deep MIME tree — would
 * block the event loop of an ingest worker for as long as it takes, stalling every other job and the BullMQ lock
 * renewals with it. Here the parse runs in a worker thread that is terminated when the budget runs out, and the
 * caller gets an error starting with "parse budget exceeded" to quarantine the message with.
 *
 * Workers are kept warm and reused: starting one costs far more than parsing an ordinary message (tsx's loader
 * plus mailparser's module graph, hundreds of ms), while a warm worker adds about a millisecond. The pool grows
 * to the number of concurrent parses and shrinks again when workers sit idle.
 */
import { Worker } from "node:worker_threads";
import { parseMessage } from "./parse-message.ts";
import type { ParsedMessage } from "./parsed-message.ts";
import type { ParseRequest, WireMessage, WorkerSignal } from "./parse-worker.ts";

export interface ParseBudgetOptions {
  /** Wall-clock time the parse itself may take, from handing the message to a ready worker to its reply. */
  timeoutMs: number;
}

/** Prefix of the error message for an overrun: ingest quarantines with it, operators search for it. */
export const PARSE_BUDGET_EXCEEDED = "parse budget exceeded";

/**
 * How long a worker may take to load. Not part of the budget (a cold start must not quarantine an ordinary
 * message), but bounded so a broken worker setup can not hang ingest.
 */
const STARTUP_TIMEOUT_MS = 30_000;
/** An idle worker is terminated after this long, so a burst of parallel ingests does not pin memory for good. */
const IDLE_TTL_MS = 60_000;

const WORKER_URL = new URL("./parse-worker.ts", import.meta.url);
/**
 * Worker threads do not inherit module loader hooks on Node 20: neither the parent's `register()` (what
 * bin/mailcase.mjs does) nor `--import tsx` in `execArgv` (not run in the worker) gets a .ts entry loaded — both
 * fail with ERR_UNKNOWN_FILE_EXTENSION. So the worker starts from this small script that registers tsx's ESM
 * hooks in the worker itself and then imports the TypeScript entry. tsx is resolved here, from this file, so it
 * works from any cwd and under vitest (whose own transform does not reach worker threads either). The ESM entry
 * of tsx/esm/api is needed: its CommonJS build fails to find its own chunks when required from an eval worker.
 */
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;

interface Job {
  id: number;
  resolve: (message: ParsedMessage) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** Settles when the worker has loaded parse-message.ts (or failed to). */
  ready: Promise<void>;
  job: Job | null;
  dead: boolean;
  idleTimer: NodeJS.Timeout | null;
}

const idle: Slot[] = [];
let nextJobId = 0;

function spawn(): Slot {
  const worker = new Worker(BOOTSTRAP, { eval: true });
  let markReady: () => void = () => undefined;
  let failStartup: (err: Error) => void = () => undefined;
  const slot: Slot = {
    worker,
    ready: new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStartup = reject;
    }),
    job: null,
    dead: false,
    idleTimer: null,
  };
  const die = (err: Error): void => {
    slot.dead = true;
    forget(slot);
    failStartup(err);
    const job = slot.job;
    slot.job = null;
    if (job) {
      clearTimeout(job.timer);
      // Out of memory or a crash while parsing: the message caused it, so it is the message's error.
      job.reject(new Error(`parse worker died: ${err.message}`));
    }
  };
  worker.on("message", (signal: WorkerSignal) => {
    if ("ready" in signal) return markReady();
    const job = slot.job;
    if (!job || job.id !== signal.id) return;
    slot.job = null;
    clearTimeout(job.timer);
    release(slot);
    if (signal.ok) job.resolve(fromWire(signal.message));
    else job.reject(new Error(signal.error));
  });
  worker.on("error", (err: Error) => die(err));
  worker.on("exit", (code: number) => die(new Error(`worker exited with code ${code}`)));
  return slot;
}

function forget(slot: Slot): void {
  const at = idle.indexOf(slot);
  if (at >= 0) idle.splice(at, 1);
  if (slot.idleTimer) clearTimeout(slot.idleTimer);
  slot.idleTimer = null;
}

function kill(slot: Slot): void {
  slot.dead = true;
  forget(slot);
  void slot.worker.terminate();
}

/** Back to the pool, unref'd so an idle worker never keeps the process alive. */
function release(slot: Slot): void {
  if (slot.dead) return;
  slot.worker.unref();
  slot.idleTimer = setTimeout(() => kill(slot), IDLE_TTL_MS);
  slot.idleTimer.unref();
  idle.push(slot);
}

function acquire(): Slot {
  const slot = idle.pop() ?? spawn();
  if (slot.idleTimer) clearTimeout(slot.idleTimer);
  slot.idleTimer = null;
  slot.worker.ref();
  return slot;
}

/** Attachment bytes arrive as Uint8Array; wrapped back into Buffers over the same memory, without a copy. */
function fromWire(message: WireMessage): ParsedMessage {
  return {
    ...message,
    attachments: message.attachments.map((a) => ({ ...a, content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) })),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err instanceof Error ? err : new Error(String(err)))),
    );
  });
}

function run(slot: Slot, raw: Buffer, timeoutMs: number): Promise<ParsedMessage> {
  return new Promise<ParsedMessage>((resolve, reject) => {
    const id = ++nextJobId;
    // A copy in an ArrayBuffer of its own, transferred: the caller's Buffer stays usable, and only the message's
    // bytes cross (cloning a pooled or sliced Buffer would copy its whole backing ArrayBuffer).
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    const timer = setTimeout(() => {
      if (slot.job?.id !== id) return;
      slot.job = null;
      kill(slot);
      reject(new Error(`${PARSE_BUDGET_EXCEEDED}: no result after ${timeoutMs} ms (${raw.byteLength} bytes)`));
    }, timeoutMs);
    slot.job = { id, resolve, reject, timer };
    slot.worker.postMessage({ id, raw: copy } satisfies ParseRequest, [copy.buffer]);
  });
}

let warnedUnguarded = false;

/** Once per process, on stderr via Node's warning channel: the fallback must not go unnoticed by operators. */
function warnUnguarded(err: unknown): void {
  if (warnedUnguarded) return;
  warnedUnguarded = true;
  const reason = err instanceof Error ? err.message : String(err);
  process.emitWarning(`parse worker unavailable (${reason}); parsing in-process without a time budget`, { code: "MAILCASE_PARSE_UNGUARDED" });
}

/**
 * Parses like {@link parseMessage}, in a worker thread that is terminated after `timeoutMs`; the promise then
 * rejects with an error whose message starts with "parse budget exceeded". Errors parseMessage throws come back
 * with the same message. The result equals parseMessage's, attachment contents included (as Buffers).
 *
 * When no worker can be started at all (a broken install, not a property of the message), the message is parsed
 * in-process without the time guard rather than failed: quarantining every inbound message for an
 * infrastructure fault would be worse than losing the guard, and the budget tests catch a broken worker setup.
 */
export async function parseMessageWithBudget(raw: Buffer, opts: ParseBudgetOptions): Promise<ParsedMessage> {
  const slot = acquire();
  try {
    await withTimeout(slot.ready, STARTUP_TIMEOUT_MS, "starting the parse worker");
  } catch (err) {
    kill(slot);
    warnUnguarded(err);
    return parseMessage(raw);
  }
  if (slot.dead) {
    warnUnguarded(new Error("the worker exited right after starting"));
    return parseMessage(raw);
  }
  return run(slot, raw, opts.timeoutMs);
}

/**
 * Terminates the idle workers (graceful shutdown, tests). Parses in flight still finish; their workers go back to
 * the pool unref'd and are reaped after IDLE_TTL_MS, so they never hold the process open.
 */
export async function closeParseWorkers(): Promise<void> {
  const slots = idle.splice(0, idle.length);
  await Promise.all(slots.map(async (slot) => {
    slot.dead = true;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    await slot.worker.terminate();
  }));
}
