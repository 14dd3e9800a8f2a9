import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Kysely, type Selectable } from '@honnin/runtime';
import { PageError } from '../../web/install.ts';
import type { AircraftTable, ApplicationTable, DipsDB } from '../store/schema.ts';
import { type Aircraft, MAX_AIRCRAFT, type Owner, type UserInfo } from './fields.ts';

export type Application = Selectable<ApplicationTable>;
export type AircraftRow = Selectable<AircraftTable>;

export const notFound = () =>
  new PageError(
    'application_not_found',
    { ja: '申請が見つかりません。', en: 'The application was not found.' },
    404,
  );

export function ownerOf(a: Application): Owner | undefined {
  return a.owner ? (JSON.parse(a.owner) as Owner) : undefined;
}
export function userOf(a: Application): UserInfo | undefined {
  return a.user_info ? (JSON.parse(a.user_info) as UserInfo) : undefined;
}

export function aircraftOf(r: AircraftRow): Aircraft {
  return {
    manufacturingType: r.manufacturing_type as Aircraft['manufacturingType'],
    maker: r.maker,
    model: r.model,
    category: r.category as Aircraft['category'],
    serial: r.serial,
    remoteIdType: r.remote_id_type as Aircraft['remoteIdType'],
    remoteIdMaker: r.remote_id_maker ?? undefined,
    remoteIdModel: r.remote_id_model ?? undefined,
    remoteIdSerial: r.remote_id_serial ?? undefined,
    altered: r.altered ? 'yes' : 'no',
  };
}

function aircraftColumns(a: Aircraft) {
  return {
    manufacturing_type: a.manufacturingType,
    maker: a.maker,
    model: a.model,
    category: a.category,
    serial: a.serial,
    remote_id_type: a.remoteIdType,
    remote_id_maker: a.remoteIdMaker ?? null,
    remote_id_model: a.remoteIdModel ?? null,
    remote_id_serial: a.remoteIdSerial ?? null,
    altered: a.altered === 'yes' ? 1 : 0,
  };
}

/**
 * Applications while they are entered (STEP 01–05). Every step is written
 * before the next page is shown, and every write can be repeated safely: the
 * draft is one per account, an added aircraft is keyed by its form.
 */
export class Applications {
  readonly #db: Kysely<DipsDB>;
  readonly #clock: () => number;

  constructor(db: Kysely<DipsDB>, clock: () => number) {
    this.#db = db;
    this.#clock = clock;
  }

  /** The application in progress of the account, or a new draft (prefilled from the account). */
  async startOrResume(accountId: string, owner: Owner): Promise<Application> {
    const open = await this.open(accountId);
    if (open) return open;
    const now = this.#clock();
    const row: Application = {
      id: randomUUID(),
      account_id: accountId,
      number: null,
      status: 'draft',
      method: null,
      owner: JSON.stringify(owner),
      user_info: null,
      stage: null,
      session_id: null,
      mail_token_hash: null,
      mail_token_expires_at: null,
      mail_checked_at: null,
      attempt: 0,
      signed_at: null,
      signed_digest: null,
      signed_sub: null,
      card_info: null,
      fee_yen: null,
      payment_number: null,
      created_at: now,
      updated_at: now,
      submitted_at: null,
      completed_at: null,
      reviewed_at: null,
      paid_at: null,
      registered_at: null,
    };
    try {
      await this.#db.insertInto('application').values(row).execute();
      return row;
    } catch (e) {
      // two tabs pressed "new" together: the unique index keeps one draft
      if (isUniqueViolation(e)) return (await this.open(accountId))!;
      throw e;
    }
  }

  async open(accountId: string): Promise<Application | undefined> {
    return this.#db
      .selectFrom('application')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('status', 'in', ['draft', 'verifying'])
      .executeTakeFirst();
  }

  /**
   * The application `id` when it is the account's; "not found" otherwise — also
   * for another account's, so a citizen learns nothing of it. Every route a
   * citizen reaches asks this way.
   */
  async ownedBy(accountId: string, id: string): Promise<Application> {
    // no account is nobody's owner (never "any owner")
    if (!accountId) throw notFound();
    const row = await this.#db
      .selectFrom('application')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  /**
   * Any account's application: for the staff pages, and for the procedure's
   * steps whose application id the service stored itself (a flow bound to the
   * session), never one taken from a citizen's request.
   */
  async forOffice(id: string): Promise<Application> {
    const row = await this.#db.selectFrom('application').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  async listForAccount(accountId: string): Promise<Application[]> {
    return this.#db
      .selectFrom('application')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at', 'desc')
      .execute();
  }

  async update(
    id: string,
    values: Partial<Pick<Application, 'method' | 'owner' | 'user_info'>>,
  ): Promise<void> {
    await this.#db
      .updateTable('application')
      .set({ ...values, updated_at: this.#clock() })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .execute();
  }

  async aircraft(applicationId: string): Promise<AircraftRow[]> {
    return this.#db
      .selectFrom('aircraft')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('position')
      .execute();
  }

  /** Adds an aircraft; the same form sent twice adds it once. */
  async addAircraft(
    applicationId: string,
    formKey: string,
    a: Aircraft,
  ): Promise<'added' | 'repeated' | 'full'> {
    const existing = await this.aircraft(applicationId);
    if (existing.some((r) => r.form_key === formKey)) return 'repeated';
    if (existing.length >= MAX_AIRCRAFT) return 'full';
    const now = this.#clock();
    try {
      await this.#db
        .insertInto('aircraft')
        .values({
          id: randomUUID(),
          application_id: applicationId,
          form_key: formKey,
          position: (existing.at(-1)?.position ?? 0) + 1,
          ...aircraftColumns(a),
          registration_number: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return 'added';
    } catch (e) {
      if (isUniqueViolation(e)) return 'repeated';
      throw e;
    }
  }

  async updateAircraft(applicationId: string, aircraftId: string, a: Aircraft): Promise<void> {
    await this.#db
      .updateTable('aircraft')
      .set({ ...aircraftColumns(a), updated_at: this.#clock() })
      .where('id', '=', aircraftId)
      .where('application_id', '=', applicationId)
      .execute();
  }

  async removeAircraft(applicationId: string, aircraftId: string): Promise<void> {
    await this.#db
      .deleteFrom('aircraft')
      .where('id', '=', aircraftId)
      .where('application_id', '=', applicationId)
      .execute();
  }
}
