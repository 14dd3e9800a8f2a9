import { randomInt } from 'node:crypto';
import { isUniqueViolation, type Kysely } from '@honnin/runtime';
import type { Applications } from '../application/applications.ts';
import { ownerOf } from '../application/applications.ts';
import { feeMail, registeredMail } from '../mail/messages.ts';
import type { Outbox } from '../mail/outbox.ts';
import type { ApplicationStatus, DipsDB } from '../store/schema.ts';

const REGISTRATION_CHARS = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** 登録記号: "JU" and ten letters or digits (as printed on registered aircraft). */
export function newRegistrationNumber(): string {
  let s = 'JU';
  for (let i = 0; i < 10; i++) s += REGISTRATION_CHARS[randomInt(REGISTRATION_CHARS.length)];
  return s;
}

/**
 * What staff do after a citizen's application is received: check it and ask
 * for the fee, record the payment, register the aircraft. Each step moves the
 * status from one value to the next once, so a double click changes nothing.
 */
export class Registrations {
  readonly #db: Kysely<DipsDB>;
  readonly #clock: () => number;
  readonly #applications: Applications;
  readonly #outbox: Outbox;
  readonly #publicUrl: string;

  constructor(opts: {
    db: Kysely<DipsDB>;
    clock: () => number;
    applications: Applications;
    outbox: Outbox;
    publicUrl: string;
  }) {
    this.#db = opts.db;
    this.#clock = opts.clock;
    this.#applications = opts.applications;
    this.#outbox = opts.outbox;
    this.#publicUrl = opts.publicUrl;
  }

  async list(status?: ApplicationStatus) {
    let q = this.#db
      .selectFrom('application')
      .select(['id', 'number', 'status', 'owner', 'fee_yen', 'completed_at'])
      .where('status', 'not in', ['draft', 'verifying'])
      .orderBy('completed_at', 'desc')
      .limit(500);
    if (status) q = q.where('status', '=', status);
    return q.execute();
  }

  async evidence(applicationId: string) {
    return this.#db
      .selectFrom('evidence')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('id')
      .execute();
  }

  /** Contents checked: the fee is due and the owner gets the fee mail with a payment number. */
  async review(applicationId: string): Promise<boolean> {
    const a = await this.#applications.forOffice(applicationId);
    const owner = ownerOf(a);
    const count = (await this.#applications.aircraft(a.id)).length;
    const paymentNumber = Array.from({ length: 16 }, () => randomInt(10)).join('');
    const done = await this.#db.transaction().execute(async (trx) => {
      if (
        !(await this.#move(trx, a.id, 'received', 'fee_due', {
          reviewed_at: this.#clock(),
          payment_number: paymentNumber,
        }))
      )
        return false;
      const mail = feeMail({
        number: a.number ?? '',
        feeYen: a.fee_yen ?? 0,
        paymentNumber,
        aircraftCount: count,
        statusUrl: `${this.#publicUrl}/applications/${a.id}`,
      });
      await this.#outbox.enqueue(trx, { key: `fee:${a.id}`, to: owner!.email, ...mail });
      return true;
    });
    if (done) void this.#outbox.kick();
    return done;
  }

  async markPaid(applicationId: string): Promise<boolean> {
    return this.#move(this.#db, applicationId, 'fee_due', 'paid', { paid_at: this.#clock() });
  }

  /** Registers every aircraft of the application: a 登録記号 each, and a mail. */
  async register(applicationId: string): Promise<boolean> {
    const a = await this.#applications.forOffice(applicationId);
    const owner = ownerOf(a);
    for (let tries = 0; ; tries++) {
      try {
        const done = await this.#db.transaction().execute(async (trx) => {
          if (!(await this.#move(trx, a.id, 'paid', 'registered', { registered_at: this.#clock() })))
            return false;
          const aircraft = await trx
            .selectFrom('aircraft')
            .select(['id', 'serial'])
            .where('application_id', '=', a.id)
            .orderBy('position')
            .execute();
          const registrations: { serial: string; registrationNumber: string }[] = [];
          for (const r of aircraft) {
            const registrationNumber = newRegistrationNumber();
            await trx
              .updateTable('aircraft')
              .set({ registration_number: registrationNumber, updated_at: this.#clock() })
              .where('id', '=', r.id)
              .execute();
            registrations.push({ serial: r.serial, registrationNumber });
          }
          await this.#outbox.enqueue(trx, {
            key: `registered:${a.id}`,
            to: owner!.email,
            ...registeredMail({ number: a.number ?? '', registrations }),
          });
          return true;
        });
        if (done) void this.#outbox.kick();
        return done;
      } catch (e) {
        if (isUniqueViolation(e) && tries < 5) continue; // a random 登録記号 collided
        throw e;
      }
    }
  }

  async #move(
    db: Kysely<DipsDB>,
    id: string,
    from: ApplicationStatus,
    to: ApplicationStatus,
    values: { reviewed_at?: number; paid_at?: number; registered_at?: number; payment_number?: string },
  ): Promise<boolean> {
    const r = await db
      .updateTable('application')
      .set({ ...values, status: to, updated_at: this.#clock() })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
