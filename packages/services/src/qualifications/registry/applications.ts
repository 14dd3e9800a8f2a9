import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { BasicInfo } from '@honnin/jpki/profile';
import { HonninError, isUniqueViolation, type Storage, type Transaction } from '@honnin/runtime';
import { canonicalJson } from '../../relying-party/canonical-json.ts';
import { type ChangeItems, qualification } from '../catalogue.ts';
import type { QualificationsDB } from '../store/schema.ts';
import type { Certificates } from './certificates.ts';

export type ApplicationKind = 'initial' | 'change';
export type ApplicationStatus = 'draft' | 'payment_pending' | 'submitted' | 'approved' | 'rejected';

export interface Attachment {
  id: string;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
}

export interface Application {
  id: string;
  holderId: string;
  qualificationId: string;
  kind: ApplicationKind;
  status: ApplicationStatus;
  basicInfo: BasicInfo | null;
  registrationNumber: string | null;
  registrationDate: string | null;
  changes: ChangeItems | null;
  consentAt: number | null;
  documentDigest: string | null;
  fee: number;
  paymentId: string | null;
  paidAt: number | null;
  submittedAt: number | null;
  decidedAt: number | null;
  decisionNote: string | null;
  createdAt: number;
  attachments: Attachment[];
}

export interface Registration {
  id: string;
  holderId: string;
  qualificationId: string;
  registrationNumber: string;
  registrationDate: string;
  holderName: string;
  details: Partial<ChangeItems>;
  createdAt: number;
}

/** What attachments may be: PDF or images of the documents, each at most 5 MiB, at most 5 per application. */
export const ATTACHMENT_TYPES: Record<string, string> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
};
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_ATTACHMENTS = 5;

/** The first bytes each accepted type starts with: the declared type must match the content. */
const MAGIC: Record<string, number[]> = {
  'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d],
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
};

export class ApplicationError extends HonninError {}
const conflict = (code: string, message: string) => new ApplicationError(code, message, { status: 409 });
const notDraft = () => conflict('application_not_draft', 'the application has already been submitted');

/** Sniffs the content; returns the media type when it is one we accept. */
export function attachmentType(content: Uint8Array): string | undefined {
  for (const [type, magic] of Object.entries(MAGIC)) {
    if (magic.every((b, i) => content[i] === b)) return type;
  }
  return undefined;
}

const newUserCode = () => randomBytes(6).toString('hex').toUpperCase();
const json = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));
/** A holder's columns from the 4 items a card gave. */
const holderItems = (info: BasicInfo) => ({
  name: info.name,
  address: info.address,
  birth_date: info.birthDate,
  sex: info.sex,
});

/**
 * Holders, their applications (初期設定申請 and 書換交付) and the registrations
 * the managing body approves. An application is built step by step as a draft
 * (so back, reload and a new login lose nothing), signed by the holder, paid
 * when it carries a fee, then decided by staff.
 */
export class Applications {
  readonly #storage: Storage<QualificationsDB>;
  readonly #certificates: Certificates;
  readonly #now: () => Date;

  constructor(
    storage: Storage<QualificationsDB>,
    certificates: Certificates,
    opts: { now?: () => Date } = {},
  ) {
    this.#storage = storage;
    this.#certificates = certificates;
    this.#now = opts.now ?? (() => new Date());
  }

  get #db() {
    return this.#storage.db;
  }

  /** The holder for a platform subject, created on first login. */
  async holderFor(sub: string, info: BasicInfo | undefined): Promise<string> {
    const now = this.#now().getTime();
    const found = await this.#db.selectFrom('holder').select('id').where('sub', '=', sub).executeTakeFirst();
    if (found) {
      if (info) {
        await this.#db
          .updateTable('holder')
          .set({ ...holderItems(info), updated_at: now })
          .where('id', '=', found.id)
          .execute();
      }
      return found.id;
    }
    const id = newUserCode();
    try {
      await this.#db
        .insertInto('holder')
        .values({
          id,
          sub,
          name: info?.name ?? '',
          address: info?.address ?? '',
          birth_date: info?.birthDate ?? '',
          sex: info?.sex ?? '9',
          created_at: now,
          updated_at: now,
        })
        .execute();
      return id;
    } catch (e) {
      // a concurrent first login of the same subject
      if (isUniqueViolation(e)) return this.holderFor(sub, info);
      throw e;
    }
  }

  /** Starts (or resumes) a draft. A change needs a registration; an initial registration must not have one. */
  async startDraft(holderId: string, qualificationId: string, kind: ApplicationKind): Promise<Application> {
    const q = qualification(qualificationId);
    const reg = await this.registrationOf(holderId, qualificationId);
    if (kind === 'initial' && reg) {
      throw conflict('application_already_registered', `${q.name} is already registered`);
    }
    if (kind === 'change' && !reg) {
      throw conflict('application_not_registered', `${q.name} is not registered yet`);
    }
    const open = await this.#db
      .selectFrom('application')
      .select('id')
      .where('holder_id', '=', holderId)
      .where('qualification_id', '=', qualificationId)
      .where('kind', '=', kind)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (open) return this.get(holderId, open.id);
    const now = this.#now().getTime();
    const id = randomUUID();
    await this.#db
      .insertInto('application')
      .values({
        id,
        holder_id: holderId,
        qualification_id: qualificationId,
        kind,
        status: 'draft',
        basic_info: null,
        registration_number: reg?.registrationNumber ?? null,
        registration_date: reg?.registrationDate ?? null,
        changes: null,
        consent_at: null,
        document_digest: null,
        signature: null,
        sign_certificate: null,
        signature_verification: null,
        fee: kind === 'change' ? q.changeFee : 0,
        payment_id: null,
        paid_at: null,
        submitted_at: null,
        decided_at: null,
        decision_note: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return this.get(holderId, id);
  }

  /** An application of this holder (anyone else's id is "not found"). */
  async get(holderId: string | null, id: string): Promise<Application> {
    let q = this.#db.selectFrom('application').selectAll().where('id', '=', id);
    if (holderId !== null) q = q.where('holder_id', '=', holderId);
    const row = await q.executeTakeFirst();
    if (!row) throw new ApplicationError('application_unknown', `no application ${id}`, { status: 404 });
    const attachments = await this.#db
      .selectFrom('attachment')
      .select(['id', 'file_name', 'media_type', 'size', 'sha256'])
      .where('application_id', '=', id)
      .orderBy('created_at')
      .execute();
    return {
      id: row.id,
      holderId: row.holder_id,
      qualificationId: row.qualification_id,
      kind: row.kind as ApplicationKind,
      status: row.status as ApplicationStatus,
      basicInfo: json<BasicInfo>(row.basic_info),
      registrationNumber: row.registration_number,
      registrationDate: row.registration_date,
      changes: json<ChangeItems>(row.changes),
      consentAt: row.consent_at === null ? null : Number(row.consent_at),
      documentDigest: row.document_digest,
      fee: Number(row.fee),
      paymentId: row.payment_id,
      paidAt: row.paid_at === null ? null : Number(row.paid_at),
      submittedAt: row.submitted_at === null ? null : Number(row.submitted_at),
      decidedAt: row.decided_at === null ? null : Number(row.decided_at),
      decisionNote: row.decision_note,
      createdAt: Number(row.created_at),
      attachments: attachments.map((a) => ({
        id: a.id,
        fileName: a.file_name,
        mediaType: a.media_type,
        size: Number(a.size),
        sha256: a.sha256,
      })),
    };
  }

  async #updateDraft(
    holderId: string,
    id: string,
    set: Partial<QualificationsDB['application']>,
  ): Promise<Application> {
    const res = await this.#db
      .updateTable('application')
      .set({ ...set, updated_at: this.#now().getTime() })
      .where('id', '=', id)
      .where('holder_id', '=', holderId)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      await this.get(holderId, id); // 404 when it is not theirs
      throw notDraft();
    }
    return this.get(holderId, id);
  }

  /** The 4 items read from the card (券面事項入力補助) for this application. */
  setBasicInfo(holderId: string, id: string, info: BasicInfo) {
    return this.#updateDraft(holderId, id, {
      basic_info: JSON.stringify({
        name: info.name,
        address: info.address,
        birthDate: info.birthDate,
        sex: info.sex,
      }),
      consent_at: null,
    });
  }

  setRegistration(holderId: string, id: string, registrationNumber: string, registrationDate: string) {
    return this.#updateDraft(holderId, id, {
      registration_number: registrationNumber,
      registration_date: registrationDate,
      consent_at: null,
    });
  }

  setChanges(holderId: string, id: string, changes: ChangeItems) {
    return this.#updateDraft(holderId, id, { changes: JSON.stringify(changes), consent_at: null });
  }

  async addAttachment(
    holderId: string,
    id: string,
    file: { fileName: string; declaredType: string; content: Uint8Array },
  ): Promise<Application> {
    const app = await this.get(holderId, id);
    if (app.status !== 'draft') {
      throw notDraft();
    }
    if (app.attachments.length >= MAX_ATTACHMENTS) {
      throw new ApplicationError('attachment_too_many', `at most ${MAX_ATTACHMENTS} files`, { status: 400 });
    }
    if (file.content.length === 0) throw new ApplicationError('attachment_empty', 'the file is empty');
    if (file.content.length > MAX_ATTACHMENT_BYTES) {
      throw new ApplicationError('attachment_too_large', 'the file is larger than 5 MiB', { status: 413 });
    }
    const sniffed = attachmentType(file.content);
    if (!sniffed || !(file.declaredType in ATTACHMENT_TYPES) || sniffed !== file.declaredType) {
      throw new ApplicationError('attachment_type', 'only PDF, JPEG or PNG files are accepted', {
        status: 415,
      });
    }
    const name = file.fileName.replace(/[\\/\u0000-\u001f]/g, '_').slice(-120) || 'file';
    await this.#db
      .insertInto('attachment')
      .values({
        id: randomUUID(),
        application_id: id,
        file_name: name,
        media_type: sniffed,
        size: file.content.length,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        content: file.content,
        created_at: this.#now().getTime(),
      })
      .execute();
    return this.#updateDraft(holderId, id, { consent_at: null });
  }

  async removeAttachment(holderId: string, id: string, attachmentId: string): Promise<Application> {
    await this.#updateDraft(holderId, id, { consent_at: null });
    await this.#db
      .deleteFrom('attachment')
      .where('id', '=', attachmentId)
      .where('application_id', '=', id)
      .execute();
    return this.get(holderId, id);
  }

  async attachmentContent(
    holderId: string | null,
    id: string,
    attachmentId: string,
  ): Promise<{ fileName: string; mediaType: string; content: Uint8Array }> {
    await this.get(holderId, id);
    const row = await this.#db
      .selectFrom('attachment')
      .select(['file_name', 'media_type', 'content'])
      .where('id', '=', attachmentId)
      .where('application_id', '=', id)
      .executeTakeFirst();
    if (!row) throw new ApplicationError('attachment_unknown', 'no such attachment', { status: 404 });
    return { fileName: row.file_name, mediaType: row.media_type, content: new Uint8Array(row.content) };
  }

  /** What is missing before the holder may consent and sign; empty when complete. */
  missing(app: Application): string[] {
    const out: string[] = [];
    if (!app.basicInfo) out.push('basicInfo');
    if (!app.registrationNumber || !app.registrationDate) out.push('registration');
    if (app.kind === 'change' && !app.changes) out.push('changes');
    if (app.attachments.length === 0) out.push('attachments');
    return out;
  }

  async consent(holderId: string, id: string): Promise<Application> {
    const app = await this.get(holderId, id);
    const missing = this.missing(app);
    if (missing.length) {
      throw conflict('application_incomplete', `missing: ${missing.join(', ')}`);
    }
    return this.#updateDraft(holderId, id, { consent_at: this.#now().getTime() });
  }

  /**
   * The document the holder signs: the application's content with the hashes
   * of its attachments, as canonical JSON. Its SHA-256 goes to the platform's
   * signing API.
   */
  document(app: Application): { text: string; digest: Buffer } {
    const q = qualification(app.qualificationId);
    const doc = {
      applicationId: app.id,
      attachments: app.attachments.map((a) => ({ fileName: a.fileName, sha256: a.sha256 })),
      basicInfo: app.basicInfo,
      changes: app.changes,
      kind: app.kind,
      qualification: { id: q.id, name: q.name },
      registrationDate: app.registrationDate,
      registrationNumber: app.registrationNumber,
    };
    const text = canonicalJson(doc);
    return { text, digest: createHash('sha256').update(text).digest() };
  }

  /**
   * Files the signed application. The identity platform verified the
   * signature over `document(app).digest` (its result is kept); a fee moves
   * the application to payment, otherwise to review.
   */
  async submitSigned(
    holderId: string,
    id: string,
    signed: {
      digest: Buffer;
      verification: Record<string, unknown>;
      signature?: Uint8Array | undefined;
      certificate?: Uint8Array | undefined;
    },
  ): Promise<Application> {
    const app = await this.get(holderId, id);
    if (app.status !== 'draft') return app; // already filed (a reload of the callback)
    if (!app.consentAt) {
      throw conflict('application_no_consent', 'consent is required before signing');
    }
    if (!this.document(app).digest.equals(signed.digest)) {
      throw conflict('application_changed', 'the application changed after it was signed');
    }
    const now = this.#now().getTime();
    return this.#updateDraft(holderId, id, {
      document_digest: signed.digest.toString('hex'),
      signature: signed.signature?.length ? signed.signature : null,
      sign_certificate: signed.certificate?.length ? signed.certificate : null,
      signature_verification: JSON.stringify(signed.verification),
      status: app.fee > 0 ? 'payment_pending' : 'submitted',
      submitted_at: now,
    });
  }

  /** Records the payment reference before the holder goes to the provider. */
  async setPayment(holderId: string, id: string, paymentId: string): Promise<void> {
    await this.#db
      .updateTable('application')
      .set({ payment_id: paymentId, updated_at: this.#now().getTime() })
      .where('id', '=', id)
      .where('holder_id', '=', holderId)
      .where('status', '=', 'payment_pending')
      .execute();
  }

  /** The provider confirmed a payment for this application (its order id): it goes to review. */
  async markPaid(id: string, paymentId: string): Promise<void> {
    const now = this.#now().getTime();
    await this.#db
      .updateTable('application')
      .set({ status: 'submitted', payment_id: paymentId, paid_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'payment_pending')
      .execute();
  }

  /** The platform's verification result of the application's signature, for the reviewer. */
  async signatureVerification(id: string): Promise<Record<string, unknown> | null> {
    const row = await this.#db
      .selectFrom('application')
      .select('signature_verification')
      .where('id', '=', id)
      .executeTakeFirst();
    return json<Record<string, unknown>>(row?.signature_verification ?? null);
  }

  async listForHolder(holderId: string): Promise<Application[]> {
    const rows = await this.#db
      .selectFrom('application')
      .select('id')
      .where('holder_id', '=', holderId)
      .where('status', '!=', 'draft')
      .orderBy('created_at', 'desc')
      .execute();
    return Promise.all(rows.map((r) => this.get(holderId, r.id)));
  }

  async listByStatus(statuses: ApplicationStatus[]): Promise<Application[]> {
    const rows = await this.#db
      .selectFrom('application')
      .select('id')
      .where('status', 'in', statuses)
      .orderBy('submitted_at', 'asc')
      .limit(200)
      .execute();
    return Promise.all(rows.map((r) => this.get(null, r.id)));
  }

  /**
   * The managing body approves: an initial application creates the
   * registration, a change rewrites it; either way a new certificate is issued
   * (and a change's replaces the old one).
   */
  async approve(id: string, note = ''): Promise<Application> {
    const app = await this.get(null, id);
    if (app.status !== 'submitted') {
      throw conflict('application_not_submitted', `cannot approve an application that is ${app.status}`);
    }
    const now = this.#now().getTime();
    await this.#certificates.prepare();
    await this.#db.transaction().execute(async (trx) => {
      const regId = await this.#applyToRegister(trx, app, now);
      await trx
        .updateTable('application')
        .set({ status: 'approved', decided_at: now, decision_note: note || null, updated_at: now })
        .where('id', '=', id)
        .execute();
      await this.#certificates.issue(regId, trx);
    });
    return this.get(null, id);
  }

  async #applyToRegister(trx: Transaction<QualificationsDB>, app: Application, now: number): Promise<string> {
    const info = app.basicInfo!;
    const existing = await trx
      .selectFrom('registration')
      .selectAll()
      .where('holder_id', '=', app.holderId)
      .where('qualification_id', '=', app.qualificationId)
      .executeTakeFirst();
    // the holder's birth date goes into certificates from the holder row; keep it current
    await trx
      .updateTable('holder')
      .set({ ...holderItems(info), updated_at: now })
      .where('id', '=', app.holderId)
      .execute();
    if (app.kind === 'initial') {
      if (existing) {
        throw conflict('application_already_registered', 'the qualification is already registered');
      }
      const regId = randomUUID();
      await trx
        .insertInto('registration')
        .values({
          id: regId,
          holder_id: app.holderId,
          qualification_id: app.qualificationId,
          registration_number: app.registrationNumber!,
          registration_date: app.registrationDate!,
          holder_name: info.name,
          details: '{}',
          created_at: now,
          updated_at: now,
        })
        .execute();
      return regId;
    }
    if (!existing) {
      throw conflict('application_not_registered', 'the qualification is not registered');
    }
    await trx
      .updateTable('registration')
      .set({ holder_name: info.name, details: JSON.stringify(app.changes ?? {}), updated_at: now })
      .where('id', '=', existing.id)
      .execute();
    return existing.id;
  }

  async reject(id: string, note: string): Promise<Application> {
    const now = this.#now().getTime();
    const res = await this.#db
      .updateTable('application')
      .set({ status: 'rejected', decided_at: now, decision_note: note || null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'submitted')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      const app = await this.get(null, id);
      throw conflict('application_not_submitted', `cannot reject an application that is ${app.status}`);
    }
    return this.get(null, id);
  }

  async registrationOf(holderId: string, qualificationId: string): Promise<Registration | undefined> {
    const r = await this.#db
      .selectFrom('registration')
      .selectAll()
      .where('holder_id', '=', holderId)
      .where('qualification_id', '=', qualificationId)
      .executeTakeFirst();
    return r ? toRegistration(r) : undefined;
  }

  async registrations(holderId: string): Promise<Registration[]> {
    const rows = await this.#db
      .selectFrom('registration')
      .selectAll()
      .where('holder_id', '=', holderId)
      .orderBy('created_at')
      .execute();
    return rows.map(toRegistration);
  }
}

function toRegistration(r: QualificationsDB['registration']): Registration {
  return {
    id: r.id,
    holderId: r.holder_id,
    qualificationId: r.qualification_id,
    registrationNumber: r.registration_number,
    registrationDate: r.registration_date,
    holderName: r.holder_name,
    details: JSON.parse(r.details) as Partial<ChangeItems>,
    createdAt: Number(r.created_at),
  };
}
