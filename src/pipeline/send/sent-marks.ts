/**
 * Marks claimed outbox rows SENT at the moment their message's final dot goes to the relay.
 *
 * SMTP cannot make the relay's acceptance and our record of it one step. Marking after the relay's "250"
 * (as this code did) leaves a window of a few milliseconds, longer on a busy machine, in which a killed
 * worker has had its mail accepted but not recorded; the claim lapses and the mail goes out again. The
 * crash test found such a duplicate acknowledgement in about half its runs.
 *
 * So the statement is written to PostgreSQL right after the dot is handed to the socket, before the process
 * handles any other I/O, on a connection checked out beforehand and idle (its bytes leave at once, not after a
 * wait in the pool). A process killed after that moment has both in the kernel's socket buffers: PostgreSQL
 * runs the statement and the relay receives the dot. Killed before it, the relay has no dot and discards the
 * message, and the claim's lapse sends it once. What remains:
 * - a kill in the instant between the dot's write and the mark's (no I/O is handled in between) still resends;
 * - a relay that refuses the message after the dot (a content filter's 5xx, a 4xx): the marks are taken back
 *   (`revert`) and the failure is settled as before. Only a process killed between that refusal and the
 *   revert leaves a refused mail marked SENT;
 * - a message larger than the socket's kernel buffer can still have bytes in the process when the dot is
 *   queued; the mark then waits for the socket's drain (transport.ts), so it never precedes the dot.
 */
import type pg from "pg";

const MARK = `UPDATE "OutboundMail" SET status = 'SENT', "sentAt" = $2::timestamptz AT TIME ZONE 'UTC', attempts = attempts + 1, "lastError" = $3
  WHERE id = ANY($1::int[]) AND status = 'SENDING'`;
const REVERT = `UPDATE "OutboundMail" SET status = 'SENDING', "sentAt" = NULL, attempts = attempts - 1
  WHERE id = ANY($1::int[]) AND status = 'SENT'`;

export interface SentMark {
  /** Writes the mark now; called from the final dot's callback. Idempotent. */
  fire(): void;
  /**
   * The relay accepted: the mark is in (written now if the dot's callback never ran). Should its statement have
   * failed, the rows are still SENDING and another connection marks them; rejects only if that fails too.
   */
  confirm(): Promise<void>;
  /** The relay refused or the connection broke: a mark already written is taken back, so the row is SENDING again. */
  revert(): Promise<void>;
  release(): void;
}

/** Checks out a connection for the rows `ids` (claimed SENDING by this sender) before their mail is sent. */
export async function prepareSentMark(pool: pg.Pool, ids: readonly number[], sentAt: Date, note: string | null): Promise<SentMark> {
  const client = await pool.connect();
  let written: Promise<unknown> | null = null;
  let broken: Error | null = null;
  let released = false;
  const write = (): Promise<unknown> =>
    (written ??= client.query({ name: "mailcase_mark_sent", text: MARK, values: [[...ids], sentAt.toISOString(), note] }).catch((err: Error) => {
      broken = err;
      throw err;
    }));
  const release = () => {
    if (released) return;
    released = true;
    client.release(broken ?? undefined);
  };
  return {
    fire() {
      // A rejection is seen by confirm() or revert(); none may go unhandled in between.
      write().catch(() => undefined);
    },
    async confirm() {
      await write().catch(async () => {
        release();
        await pool.query(MARK, [[...ids], sentAt.toISOString(), note]);
      });
    },
    async revert() {
      if (written === null) return;
      await written.catch(() => undefined);
      // After the connection itself failed, another one takes the revert back.
      if (broken) {
        release();
        await pool.query(REVERT, [[...ids]]);
      } else await client.query(REVERT, [[...ids]]);
    },
    release,
  };
}
