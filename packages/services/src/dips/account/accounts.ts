import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Kysely, type Selectable } from '@honnin/runtime';
import type { BasicInfo } from '../../relying-party/basic-info.ts';
import type { Owner } from '../application/fields.ts';
import type { AccountTable, DipsDB } from '../store/schema.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export type Account = Selectable<AccountTable>;

/** DIPS accounts: the applicant's own details, which applications start from. */
export class Accounts {
  readonly #db: Kysely<DipsDB>;
  readonly #clock: () => number;

  constructor(db: Kysely<DipsDB>, clock: () => number) {
    this.#db = db;
    this.#clock = clock;
  }

  /**
   * Creates an account. The same signup form sent again (a retry after a lost
   * answer) returns the account it already created instead of failing.
   */
  async create(
    signupKey: string,
    details: Owner,
    password: string,
  ): Promise<{ account: Account } | { taken: true }> {
    const earlier = await this.#bySignupKey(signupKey, details.email, password);
    if (earlier) return earlier;
    const now = this.#clock();
    const row: Account = {
      id: randomUUID(),
      email: details.email,
      password_hash: await hashPassword(password),
      signup_key: signupKey,
      name: details.name,
      reading: details.reading,
      postcode: details.postcode,
      address: details.address,
      birth_date: details.birthDate,
      phone: details.phone,
      sex: null,
      platform_sub: null,
      identity_verified_at: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#db.insertInto('account').values(row).execute();
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // this very form won a race with itself — or the e-mail belongs to another account
      return (await this.#bySignupKey(signupKey, details.email, password)) ?? { taken: true };
    }
    return { account: row };
  }

  async #bySignupKey(signupKey: string, email: string, password: string) {
    const earlier = await this.#db
      .selectFrom('account')
      .selectAll()
      .where('signup_key', '=', signupKey)
      .executeTakeFirst();
    if (!earlier) return undefined;
    return earlier.email === email && (await verifyPassword(password, earlier.password_hash))
      ? { account: earlier }
      : { taken: true as const };
  }

  async authenticate(email: string, password: string): Promise<Account | undefined> {
    const row = await this.get({ email: email.trim().toLowerCase() });
    // hash anyway so an unknown e-mail takes as long as a wrong password
    const ok = await verifyPassword(password, row?.password_hash ?? (await DUMMY));
    return row && ok ? row : undefined;
  }

  async get(by: { id: string } | { email: string }): Promise<Account | undefined> {
    const q = this.#db.selectFrom('account').selectAll();
    return ('id' in by ? q.where('id', '=', by.id) : q.where('email', '=', by.email)).executeTakeFirst();
  }

  /** The card's name, address, birth date and sex replace the account's (seed ③). */
  async replaceBasicInfo(db: Kysely<DipsDB>, accountId: string, card: BasicInfo): Promise<void> {
    await db
      .updateTable('account')
      .set({
        name: card.name,
        address: card.address,
        birth_date: card.birthDate,
        sex: card.sex,
        updated_at: this.#clock(),
      })
      .where('id', '=', accountId)
      .execute();
  }

  /** Remembers that the card verified this account (its pairwise subject at the platform). */
  async markVerified(db: Kysely<DipsDB>, accountId: string, sub: string): Promise<void> {
    const now = this.#clock();
    await db
      .updateTable('account')
      .set({ platform_sub: sub, identity_verified_at: now, updated_at: now })
      .where('id', '=', accountId)
      .execute();
  }
}

const DUMMY = hashPassword('not a password of anyone');
