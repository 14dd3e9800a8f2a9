import { randomUUID } from 'node:crypto';
import type { Kysely, Logger, Mailer } from '@honnin/runtime';
import type { DipsDB } from '../store/schema.ts';

export interface QueuedMail {
  /** one mail per event: queuing the same key again changes nothing */
  key: string;
  to: string;
  subject: string;
  body: string;
}

/**
 * Mail leaves through an outbox: queued in the same transaction as the change
 * it reports, sent after the commit and retried until the SMTP server accepts
 * it. A crash between the two loses no mail; at worst one is sent twice (when
 * the process dies after the SMTP server accepted it but before it was marked).
 */
export class Outbox {
  readonly #db: Kysely<DipsDB>;
  readonly #mailer: Mailer;
  readonly #clock: () => number;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  /**
   * `leaseMs`: how long a mail being sent is left to the instance sending it; a
   * mail whose sender died is sent again after that.
   */
  constructor(db: Kysely<DipsDB>, mailer: Mailer, clock: () => number, logger: Logger, leaseMs = 60_000) {
    this.#db = db;
    this.#mailer = mailer;
    this.#clock = clock;
    this.#logger = logger;
    this.#leaseMs = leaseMs;
  }

  async enqueue(db: Kysely<DipsDB>, mail: QueuedMail): Promise<void> {
    const now = this.#clock();
    await db
      .insertInto('outbox')
      .values({
        id: randomUUID(),
        dedupe_key: mail.key,
        mail_to: mail.to,
        subject: mail.subject,
        body: mail.body,
        created_at: now,
        next_attempt_at: now,
        attempts: 0,
        sent_at: null,
        last_error: null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }

  /** Sends what is due now (after a commit); overlapping calls run once more instead of twice at once. */
  kick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#flush().catch((e: Error) => this.#logger.warn({ err: e }, 'outbox flush failed'));
      } while (this.#again);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Retries pending mail every few seconds (and at start: what a crash left behind). */
  start(intervalMs = 5000): void {
    this.#timer = setInterval(() => void this.kick(), intervalMs);
    this.#timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async #flush(): Promise<void> {
    const due = await this.#db
      .selectFrom('outbox')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('next_attempt_at', '<=', this.#clock())
      .orderBy('created_at')
      .limit(20)
      .execute();
    for (const m of due) {
      // claim it for a while, so another instance does not send it at the same time
      const claimed = await this.#db
        .updateTable('outbox')
        .set({ next_attempt_at: this.#clock() + this.#leaseMs, attempts: m.attempts + 1 })
        .where('id', '=', m.id)
        .where('next_attempt_at', '=', m.next_attempt_at)
        .where('sent_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      try {
        await this.#mailer.send({ to: m.mail_to, subject: m.subject, text: m.body });
        await this.#db
          .updateTable('outbox')
          .set({ sent_at: this.#clock(), last_error: null })
          .where('id', '=', m.id)
          .execute();
      } catch (e) {
        const backoff = Math.min(3600_000, 5000 * 2 ** m.attempts);
        await this.#db
          .updateTable('outbox')
          .set({ next_attempt_at: this.#clock() + backoff, last_error: (e as Error).message.slice(0, 500) })
          .where('id', '=', m.id)
          .execute();
        this.#logger.warn({ err: e, mail: m.dedupe_key }, 'mail not sent; will retry');
      }
    }
  }
}
