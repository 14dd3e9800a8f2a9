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

export interface OutboxOptions {
  db: Kysely<DipsDB>;
  mailer: Mailer;
  clock: () => number;
  logger: Logger;
  /** the right-hand side of Message-IDs: the service's host name */
  messageIdDomain: string;
  /** how long a mail being sent is left to the instance sending it; a mail whose sender died is sent again after that */
  leaseMs?: number | undefined;
}

/**
 * Mail leaves through an outbox: queued in the same transaction as the change
 * it reports, sent after the commit and retried until the SMTP server accepts
 * it. A crash between the two loses no mail. Delivery is at least once: when
 * the process dies after the SMTP server accepted a mail but before it was
 * marked sent, the mail is sent again once its lease runs out. Every copy of
 * one mail carries the same Message-ID (`<outbox row id@domain>`), so the
 * receiving side can recognise the second copy as the same message.
 */
export class Outbox {
  readonly #db: Kysely<DipsDB>;
  readonly #mailer: Mailer;
  readonly #clock: () => number;
  readonly #logger: Logger;
  readonly #domain: string;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(o: OutboxOptions) {
    this.#db = o.db;
    this.#mailer = o.mailer;
    this.#clock = o.clock;
    this.#logger = o.logger;
    this.#domain = o.messageIdDomain;
    this.#leaseMs = o.leaseMs ?? 60_000;
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
        await this.#mailer.send({
          to: m.mail_to,
          subject: m.subject,
          text: m.body,
          messageId: `<${m.id}@${this.#domain}>`,
        });
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
