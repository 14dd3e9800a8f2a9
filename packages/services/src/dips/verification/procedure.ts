import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { isUniqueViolation, type Kysely, type Transaction } from '@honnin/runtime';
import { type BasicInfo, differingItems } from '../../relying-party/basic-info.ts';
import { japanDate } from '../../web/i18n.ts';
import { PageError } from '../../web/install.ts';
import type { Accounts } from '../account/accounts.ts';
import {
  type Application,
  type Applications,
  aircraftOf,
  ownerOf,
  userOf,
} from '../application/applications.ts';
import { applicationDocument } from '../application/document.ts';
import { feeYen } from '../application/fields.ts';
import { mailCheckMail } from '../mail/messages.ts';
import type { Outbox } from '../mail/outbox.ts';
import type { DipsDB, VerificationStage } from '../store/schema.ts';

/**
 * The identity verification after 登録申請, as a state machine kept in the
 * application row: mail check → ① precautions → ② signature → (③ the card's
 * 4 items replace the entered ones, sign again) → ④ user authentication within
 * the window → completed. Every transition is one conditional UPDATE, so a
 * repeated request, a reload or a second instance cannot apply it twice.
 */
export interface ProcedureOptions {
  db: Kysely<DipsDB>;
  clock: () => number;
  accounts: Accounts;
  applications: Applications;
  outbox: Outbox;
  /** the service's public base URL (mail links) */
  publicUrl: string;
  /** the 4-digit PIN must be entered this soon after the signature (seeds: 5 minutes) */
  authWindowMs: number;
  mailTokenTtlMs?: number;
}

export const EVIDENCE_METHODS = {
  mail_check: 'email',
  signature: 'jpki_signature',
  user_auth: 'jpki_user_authentication',
} as const;

export interface Evidence {
  step: keyof typeof EVIDENCE_METHODS;
  result: string;
  detail?: string | undefined;
  reference?: string | undefined;
  certificateSerial?: string | undefined;
  documentDigest?: string | undefined;
}

const hashToken = (t: string) => createHash('sha256').update(t).digest('base64url');

// Evidence ids sort in the order the evidence was recorded (time, then a counter), so
// the staff page lists the steps as they happened even within one millisecond.
let counter = 0;
const evidenceId = (at: number) =>
  `${at.toString(16).padStart(12, '0')}-${(counter++ % 0x10000).toString(16).padStart(4, '0')}-${randomUUID()}`;

export const incomplete = () =>
  new PageError('application_incomplete', {
    ja: '入力されていない項目があります。各STEPの入力内容を確認してください。',
    en: 'Some information is missing. Please check each STEP.',
  });

export class Procedure {
  readonly #o: ProcedureOptions;

  constructor(opts: ProcedureOptions) {
    this.#o = opts;
  }

  /** 登録申請: the application is kept and the owner gets a mail with a one-time URL. */
  async submit(app: Application, sessionId: string): Promise<void> {
    if (app.status === 'verifying' && app.session_id === sessionId) return; // pressed twice
    if (app.status !== 'draft') throw incomplete();
    const aircraft = await this.#o.applications.aircraft(app.id);
    const owner = ownerOf(app);
    if (!app.method || !owner || !userOf(app) || aircraft.length === 0) throw incomplete();
    for (let tries = 0; ; tries++) {
      try {
        await this.#o.db.transaction().execute(async (trx) => {
          const now = this.#o.clock();
          const moved = await trx
            .updateTable('application')
            .set({
              status: 'verifying',
              stage: 'mail_check',
              session_id: sessionId,
              number:
                app.number ??
                `${japanDate(now).replace(/-/g, '')}-${String(randomInt(1e6)).padStart(6, '0')}`,
              fee_yen: feeYen(aircraft.length),
              submitted_at: now,
              updated_at: now,
              mail_checked_at: null,
              signed_at: null,
              signed_digest: null,
              signed_sub: null,
              card_info: null,
            })
            .where('id', '=', app.id)
            .where('status', '=', 'draft')
            .executeTakeFirst();
          if (Number(moved.numUpdatedRows) === 1) await this.#sendMailCheck(trx, app.id, owner.email);
        });
        break;
      } catch (e) {
        if (isUniqueViolation(e) && tries < 5) continue; // the random 申請番号 was taken
        throw e;
      }
    }
    void this.#o.outbox.kick();
  }

  /** A new mail (the first one did not arrive). */
  async resendMailCheck(app: Application): Promise<void> {
    const owner = ownerOf(app);
    if (app.stage !== 'mail_check' || !owner) return;
    await this.#o.db.transaction().execute((trx) => this.#sendMailCheck(trx, app.id, owner.email));
    void this.#o.outbox.kick();
  }

  async #sendMailCheck(trx: Transaction<DipsDB>, applicationId: string, email: string): Promise<void> {
    const token = randomBytes(24).toString('base64url');
    const expires = this.#o.clock() + (this.#o.mailTokenTtlMs ?? 60 * 60_000);
    await trx
      .updateTable('application')
      .set({ mail_token_hash: hashToken(token), mail_token_expires_at: expires })
      .where('id', '=', applicationId)
      .execute();
    const mail = mailCheckMail(`${this.#o.publicUrl}/mail-check/${token}`, expires);
    await this.#o.outbox.enqueue(trx, { key: `mail-check:${hashToken(token)}`, to: email, ...mail });
  }

  /** The owner opened the mail's URL. */
  async confirmMail(token: string): Promise<'confirmed' | 'already' | 'invalid' | 'expired'> {
    const app = await this.#o.db
      .selectFrom('application')
      .selectAll()
      .where('mail_token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!app) return 'invalid';
    if (app.mail_checked_at !== null) return 'already';
    if (app.stage !== 'mail_check') return 'invalid';
    if (Number(app.mail_token_expires_at) < this.#o.clock()) return 'expired';
    const done = await this.#o.db.transaction().execute(async (trx) => {
      const r = await this.#move(trx, app.id, ['mail_check'], 'precautions', {
        mail_checked_at: this.#o.clock(),
      });
      if (r)
        await this.#evidence(trx, app.id, {
          step: 'mail_check',
          result: 'ok',
          reference: app.number ?? undefined,
        });
      return r;
    });
    return done ? 'confirmed' : 'already';
  }

  /** ① OK on the precautions. */
  async acceptPrecautions(app: Application): Promise<void> {
    await this.#move(this.#o.db, app.id, ['precautions'], 'sign');
  }

  /**
   * ②/③ starts a signature: a new attempt (older callbacks no longer count) and
   * the document to sign, made from what is stored now.
   */
  async beginSignature(app: Application) {
    if (app.stage !== 'sign' && app.stage !== 'resign') throw stale();
    const owner = ownerOf(app);
    const user = userOf(app);
    const aircraft = (await this.#o.applications.aircraft(app.id)).map(aircraftOf);
    if (!owner || !user || aircraft.length === 0) throw incomplete();
    const attempt = await this.#nextAttempt(app, ['sign', 'resign']);
    return { attempt, ...applicationDocument(app, owner, aircraft, user) };
  }

  /**
   * The platform verified the signature: compare the card's name, address and
   * birth date with the owner's; equal → ④, different → ③.
   */
  async signatureVerified(
    applicationId: string,
    attempt: number,
    r: {
      card: BasicInfo;
      sub: string;
      digestHex: string;
      reference: string;
      certificateSerial?: string | undefined;
    },
  ): Promise<'user_auth' | 'mismatch' | 'stale'> {
    const app = await this.#o.applications.forOffice(applicationId);
    const owner = ownerOf(app);
    if (app.attempt !== attempt || (app.stage !== 'sign' && app.stage !== 'resign') || !owner) return 'stale';
    const differs = differingItems(owner, r.card);
    const evidence = {
      step: 'signature' as const,
      reference: r.reference,
      certificateSerial: r.certificateSerial,
      documentDigest: r.digestHex,
    };
    return this.#o.db.transaction().execute(async (trx) => {
      if (differs.length) {
        const moved = await this.#move(trx, app.id, [app.stage!], 'mismatch', {
          card_info: JSON.stringify(r.card),
          signed_sub: r.sub,
        });
        if (moved)
          await this.#evidence(trx, app.id, {
            ...evidence,
            result: 'basic_info_mismatch',
            detail: differs.join(','),
          });
        return moved ? 'mismatch' : 'stale';
      }
      const moved = await this.#move(trx, app.id, [app.stage!], 'user_auth', {
        signed_at: this.#o.clock(),
        signed_digest: r.digestHex,
        signed_sub: r.sub,
        card_info: null,
      });
      if (moved) await this.#evidence(trx, app.id, { ...evidence, result: 'ok' });
      return moved ? 'user_auth' : 'stale';
    });
  }

  /** ③ OK: the card's 4 items replace the account's and the owner's; then sign again. */
  async overwriteWithCard(app: Application): Promise<void> {
    const owner = ownerOf(app);
    if (app.stage !== 'mismatch' || !app.card_info || !owner) throw stale();
    const card = JSON.parse(app.card_info) as BasicInfo;
    await this.#o.db.transaction().execute(async (trx) => {
      const moved = await this.#move(trx, app.id, ['mismatch'], 'resign', {
        owner: JSON.stringify({
          ...owner,
          name: card.name,
          address: card.address,
          birthDate: card.birthDate,
        }),
        card_info: null,
      });
      if (moved) await this.#o.accounts.replaceBasicInfo(trx, app.account_id, card);
    });
  }

  /** ④ starts: only within the window after the signature; otherwise back to ②. */
  async beginUserAuthentication(app: Application): Promise<{ attempt: number } | 'window_expired'> {
    if (app.stage !== 'user_auth') throw stale();
    if (this.#windowClosed(app)) {
      await this.#windowExpired(app);
      return 'window_expired';
    }
    return { attempt: await this.#nextAttempt(app, ['user_auth']) };
  }

  /** ④ done: within the window and by the same person who signed → the application is received. */
  async userAuthenticated(
    applicationId: string,
    attempt: number,
    r: { sub: string },
  ): Promise<'completed' | 'window_expired' | 'different_person' | 'stale'> {
    const app = await this.#o.applications.forOffice(applicationId);
    if (app.attempt !== attempt || app.stage !== 'user_auth') return 'stale';
    if (this.#windowClosed(app)) {
      await this.#windowExpired(app);
      return 'window_expired';
    }
    if (r.sub !== app.signed_sub) {
      await this.#o.db.transaction().execute(async (trx) => {
        if (await this.#move(trx, app.id, ['user_auth'], 'sign', { signed_at: null })) {
          await this.#evidence(trx, app.id, {
            step: 'user_auth',
            result: 'different_person',
            reference: r.sub,
          });
        }
      });
      return 'different_person';
    }
    return this.#o.db.transaction().execute(async (trx) => {
      const now = this.#o.clock();
      const moved = await this.#move(trx, app.id, ['user_auth'], 'done', {
        status: 'received',
        completed_at: now,
        session_id: null,
        mail_token_hash: null,
      });
      if (!moved) return 'stale';
      await this.#evidence(trx, app.id, { step: 'user_auth', result: 'ok', reference: r.sub });
      await this.#o.accounts.markVerified(trx, app.account_id, r.sub);
      return 'completed';
    });
  }

  /** A signature or authentication that did not succeed: kept as evidence; the citizen may try again. */
  async failed(applicationId: string, attempt: number, e: Evidence): Promise<boolean> {
    const app = await this.#o.applications.forOffice(applicationId);
    if (app.attempt !== attempt) return false;
    await this.#evidence(this.#o.db, applicationId, e);
    return true;
  }

  /**
   * Back to STEP 05 with everything entered kept: when the citizen wants to
   * correct something, or the verification was left (idle timeout, another device).
   */
  async restart(app: Application): Promise<void> {
    await this.#o.db
      .updateTable('application')
      .set({
        status: 'draft',
        stage: null,
        session_id: null,
        mail_token_hash: null,
        card_info: null,
        signed_at: null,
        signed_sub: null,
        attempt: app.attempt + 1,
        updated_at: this.#o.clock(),
      })
      .where('id', '=', app.id)
      .where('status', '=', 'verifying')
      .execute();
  }

  /** Whole milliseconds left for ④, or 0. */
  windowLeftMs(app: Application): number {
    if (app.signed_at === null) return 0;
    return Math.max(0, Number(app.signed_at) + this.#o.authWindowMs - this.#o.clock());
  }

  #windowClosed(app: Application): boolean {
    return this.windowLeftMs(app) <= 0;
  }

  async #windowExpired(app: Application): Promise<void> {
    await this.#o.db.transaction().execute(async (trx) => {
      if (await this.#move(trx, app.id, ['user_auth'], 'sign', { signed_at: null })) {
        await this.#evidence(trx, app.id, { step: 'user_auth', result: 'window_expired' });
      }
    });
  }

  async #nextAttempt(app: Application, stages: VerificationStage[]): Promise<number> {
    const r = await this.#o.db
      .updateTable('application')
      .set({ attempt: app.attempt + 1, updated_at: this.#o.clock() })
      .where('id', '=', app.id)
      .where('attempt', '=', app.attempt)
      .where('stage', 'in', stages)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw stale();
    return app.attempt + 1;
  }

  async #move(
    db: Kysely<DipsDB>,
    id: string,
    from: VerificationStage[],
    to: VerificationStage,
    values: Partial<Omit<Application, 'id'>> = {},
  ): Promise<boolean> {
    const r = await db
      .updateTable('application')
      .set({ ...values, stage: to, updated_at: this.#o.clock() })
      .where('id', '=', id)
      .where('status', '=', 'verifying')
      .where('stage', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async #evidence(db: Kysely<DipsDB>, applicationId: string, e: Evidence): Promise<void> {
    await db
      .insertInto('evidence')
      .values({
        id: evidenceId(this.#o.clock()),
        application_id: applicationId,
        at: this.#o.clock(),
        step: e.step,
        method: EVIDENCE_METHODS[e.step],
        result: e.result,
        detail: e.detail ?? null,
        reference: e.reference ?? null,
        certificate_serial: e.certificateSerial ?? null,
        document_digest: e.documentDigest ?? null,
      })
      .execute();
  }
}

/** The page was from an earlier state of the procedure (back button, a second tab). */
export const stale = () =>
  new PageError(
    'procedure_moved_on',
    {
      ja: '手続きはすでに次の段階に進んでいます。現在の画面を表示します。',
      en: 'The procedure has already moved on. Here is the current page.',
    },
    409,
  );
