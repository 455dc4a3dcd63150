/**
 * parseMessage with a wall-clock budget. mailparser's work (html-to-text above all) is synchronous, so a
 * pathological message — megabytes of table rows or links, dozens of large HTML parts, a deep MIME tree — would
 * block the event loop of an ingest worker for as long as it takes, stalling every other job and the BullMQ lock
 * renewals with it. Here the parse runs in a worker thread that is terminated when the budget runs out, and the
 * caller gets an error starting with "parse budget exceeded" to quarantine the message with.
 *
 * Workers are a small warm pool sized to the cores (parsing is CPU work: more threads than cores only add
 * memory, about 40 MB each), started once and kept for the life of the process; a parse waits for a free worker
 * rather than starting one of its own. A worker runs plain JavaScript bundled once per process by esbuild from
 * parse-worker.ts and its imports (dependencies stay external), so it loads in tens of milliseconds instead of
 * paying tsx's loader and TypeScript transforms in every thread.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { parseMessageLazily as parseMessage } from "./parse-message-lazy.ts";
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
/**
 * Workers in the pool: one core is left to the main thread (ingest's SQL, Redis and the poller run there), at
 * least one worker, at most 4. A parse is milliseconds and ingest does far more besides, so on 2 cores a second
 * thread gained no throughput in the bench but cost about 35 MB of RSS for the life of the process.
 */
export function parsePoolSize(cores: number): number {
  return Math.max(1, Math.min(cores - 1, 4));
}
const POOL_SIZE = parsePoolSize(availableParallelism());
/**
 * A worker's young generation. By default a worker thread gets the main thread's, up to 48 MB, filled by every
 * burst and kept; a parse's allocations are short-lived and small beside that, and 6 MB took about 20 MB off
 * the worker process's peak RSS in the bench at no measurable CPU cost. Big messages are not limited by it:
 * what outlives a young collection moves to the old generation, which keeps V8's default limit.
 */
const PARSE_WORKER_YOUNG_MB = 6;

const WORKER_TS = fileURLToPath(new URL("./parse-worker.ts", import.meta.url));

/**
 * The worker's entry as a plain ES module. Written under node_modules/.cache so that the bundle's bare imports
 * (mailparser …) resolve from the project's node_modules; named by the hash of its contents, so a changed
 * source gets a new file and concurrent processes write identical ones (renamed into place atomically).
 */
async function bundleWorker(): Promise<URL> {
  const { build } = await import("esbuild");
  const out = await build({
    entryPoints: [WORKER_TS],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined) throw new Error("esbuild produced no output");
  const root = path.resolve(path.dirname(WORKER_TS), "../..");
  const dir = path.join(root, "node_modules", ".cache", "mailcase");
  const file = path.join(dir, `parse-worker-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file);
}

/**
 * Fallback entry when bundling is not possible (esbuild missing from an install): worker threads do not inherit
 * module loader hooks on Node 20 (neither the parent's `register()` nor `--import tsx` in `execArgv`), so this
 * small script registers tsx's ESM hooks in the worker itself and then imports the TypeScript entry. The ESM
 * entry of tsx/esm/api is needed: its CommonJS build fails to find its own chunks when required from an eval
 * worker.
 */
const TSX_BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(WORKER_TS).href)}); });`;

let entry: Promise<{ url: URL } | { eval: string }> | null = null;

/**
 * The precompiled build (scripts/build.mjs) writes the worker beside its entry; running from sources, no such
 * file exists next to this module and the worker is bundled at run time.
 */
const PREBUILT_WORKER = new URL("./parse-worker.mjs", import.meta.url);

function workerEntry(): Promise<{ url: URL } | { eval: string }> {
  if (existsSync(fileURLToPath(PREBUILT_WORKER))) entry ??= Promise.resolve({ url: PREBUILT_WORKER });
  entry ??= bundleWorker().then(
    (url) => ({ url }),
    (err: unknown) => {
      process.emitWarning(`parse worker not bundled (${err instanceof Error ? err.message : String(err)}); workers load it through tsx`, { code: "MAILCASE_PARSE_WORKER_TSX" });
      return { eval: TSX_BOOTSTRAP };
    },
  );
  return entry;
}

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
}

type Entry = { url: URL } | { eval: string };

/** Every live worker, busy or not; never more than POOL_SIZE. */
const slots = new Set<Slot>();
const idle: Slot[] = [];
/** Parses waiting for a worker, first come first served. */
const waiters: ((slot: Slot) => void)[] = [];
let nextJobId = 0;
let loadedEntry: Entry | null = null;

function spawn(source: Entry): Slot {
  const limits = { resourceLimits: { maxYoungGenerationSizeMb: PARSE_WORKER_YOUNG_MB } };
  const worker = "url" in source ? new Worker(source.url, limits) : new Worker(source.eval, { eval: true, ...limits });
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
  };
  slots.add(slot);
  const die = (err: Error): void => {
    failStartup(err);
    const job = slot.job;
    slot.job = null;
    if (job) {
      clearTimeout(job.timer);
      // Out of memory or a crash while parsing: the message caused it, so it is the message's error.
      job.reject(new Error(`parse worker died: ${err.message}`));
    }
    if (!slot.dead) kill(slot);
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

/** Takes a worker out of the pool for good; a parse waiting for one gets a fresh worker in its place. */
function kill(slot: Slot): void {
  slot.dead = true;
  slots.delete(slot);
  const at = idle.indexOf(slot);
  if (at >= 0) idle.splice(at, 1);
  void slot.worker.terminate();
  if (waiters.length && loadedEntry && slots.size < POOL_SIZE) waiters.shift()?.(spawn(loadedEntry));
}

/** To the next waiting parse, or back to the pool unref'd, so an idle worker never keeps the process alive. */
function release(slot: Slot): void {
  if (slot.dead) return;
  const waiter = waiters.shift();
  if (waiter) return waiter(slot);
  slot.worker.unref();
  idle.push(slot);
}

async function acquire(): Promise<Slot> {
  const source = (loadedEntry ??= await workerEntry());
  const slot = idle.pop() ?? (slots.size < POOL_SIZE ? spawn(source) : await new Promise<Slot>((resolve) => waiters.push(resolve)));
  slot.worker.ref();
  return slot;
}

/**
 * Starts the pool's workers ahead of the first message (worker start-up), so the first parses of a burst do not
 * wait for them. Failures are left to the first parse to report.
 */
export async function warmParseWorkers(): Promise<void> {
  const source = (loadedEntry ??= await workerEntry());
  const fresh: Slot[] = [];
  while (slots.size < POOL_SIZE) fresh.push(spawn(source));
  await Promise.all(fresh.map(async (slot) => {
    await withTimeout(slot.ready, STARTUP_TIMEOUT_MS, "starting the parse worker").catch(() => undefined);
    if (!slot.dead && !slot.job) release(slot);
  }));
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
  const slot = await acquire();
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
 * the pool unref'd, so they never hold the process open.
 */
export async function closeParseWorkers(): Promise<void> {
  const stopping = idle.splice(0, idle.length);
  await Promise.all(stopping.map(async (slot) => {
    slot.dead = true;
    slots.delete(slot);
    await slot.worker.terminate();
  }));
}
