import { randomBytes } from 'node:crypto';
import { HonninError, type Storage, type Transaction } from '@honnin/runtime';
import { japanDate } from '../../web/i18n.ts';
import { qualification } from '../catalogue.ts';
import {
  decodePayload,
  openRecord,
  type QualificationRecord,
  recordUrl,
  signRecord,
  TYPE_CODE_DIGITAL_CERTIFICATE,
} from '../certificate/record.ts';
import type { SigningKeys } from '../certificate/signing-keys.ts';
import type { QualificationsDB } from '../store/schema.ts';

/** What the registry answers when a verifier asks about a certificate. */
export type CertificateStatus = 'valid' | 'revoked' | 'suspended' | 'deleted' | 'replaced';

/** Staff actions on an issued certificate. */
export type StatusAction = 'revoke' | 'suspend' | 'resume' | 'delete';

export interface IssuedCertificate {
  id: string;
  registrationId: string;
  keyId: string;
  record: Uint8Array;
  fields: QualificationRecord;
  status: CertificateStatus;
  replacedBy: string | null;
  issuedAt: number;
  url: string;
}

const newCertificateId = () => `DQ${randomBytes(8).toString('hex').toUpperCase()}`;

type Db = Storage<QualificationsDB>['db'] | Transaction<QualificationsDB>;

/**
 * Digital qualification certificates: issued from a registration, signed with
 * the active official-status key, and given a status the verification page
 * asks about. A registration has at most one valid certificate: issuing a new
 * one (書換交付 or 再交付) marks the previous one replaced.
 */
export class Certificates {
  readonly #storage: Storage<QualificationsDB>;
  readonly #keys: SigningKeys;
  readonly #verifyBaseUrl: string;
  readonly #now: () => Date;

  constructor(
    storage: Storage<QualificationsDB>,
    keys: SigningKeys,
    opts: { verifyBaseUrl: string; now?: () => Date },
  ) {
    this.#storage = storage;
    this.#keys = keys;
    this.#verifyBaseUrl = opts.verifyBaseUrl;
    this.#now = opts.now ?? (() => new Date());
  }

  /**
   * Makes sure a signing key exists. Call before a transaction that issues:
   * enrolling a key writes through its own transaction, and SQLite has one connection.
   */
  async prepare(): Promise<void> {
    await this.#keys.active();
  }

  /** Issues a certificate for a registration (in the caller's transaction when given). */
  async issue(registrationId: string, trx?: Transaction<QualificationsDB>): Promise<IssuedCertificate> {
    if (!trx) {
      await this.prepare();
      return this.#storage.db.transaction().execute((t) => this.issue(registrationId, t));
    }
    const reg = await trx
      .selectFrom('registration')
      .innerJoin('holder', 'holder.id', 'registration.holder_id')
      .select([
        'registration.id',
        'registration.qualification_id',
        'registration.registration_number',
        'registration.registration_date',
        'registration.holder_name',
        'holder.id as holder_id',
        'holder.birth_date',
      ])
      .where('registration.id', '=', registrationId)
      .executeTakeFirst();
    if (!reg)
      throw new HonninError('registration_unknown', `no registration ${registrationId}`, { status: 404 });
    const q = qualification(reg.qualification_id);
    const key = await this.#keys.active(trx);
    const now = this.#now();
    const id = newCertificateId();
    const fields: QualificationRecord = {
      qualificationName: q.name,
      holderName: reg.holder_name,
      holderBirthDate: reg.birth_date,
      registrationNumber: reg.registration_number,
      registrationDate: reg.registration_date,
      issueDate: japanDate(now.getTime()),
      issuingBody: q.issuingBody,
      issuerName: key.issuerName,
      qualificationId: q.id,
      certificateId: id,
      typeCode: TYPE_CODE_DIGITAL_CERTIFICATE,
      userCode: reg.holder_id,
    };
    const record = signRecord(fields, key.keyId, key.privateKey);
    await trx
      .updateTable('certificate')
      .set({ status: 'replaced', replaced_by: id, status_changed_at: now.getTime() })
      .where('registration_id', '=', registrationId)
      .where('status', 'in', ['valid', 'suspended'])
      .execute();
    const row = {
      id,
      registration_id: registrationId,
      key_id: key.keyId,
      record,
      status: 'valid',
      replaced_by: null,
      issued_at: now.getTime(),
      status_changed_at: now.getTime(),
    };
    await trx.insertInto('certificate').values(row).execute();
    return this.#row(row);
  }

  #row(r: QualificationsDB['certificate']): IssuedCertificate {
    const record = new Uint8Array(r.record);
    return {
      id: r.id,
      registrationId: r.registration_id,
      keyId: r.key_id,
      record,
      fields: decodePayload(openRecord(record).payload),
      status: r.status as CertificateStatus,
      replacedBy: r.replaced_by,
      issuedAt: Number(r.issued_at),
      url: recordUrl(this.#verifyBaseUrl, record),
    };
  }

  async get(id: string, db: Db = this.#storage.db): Promise<IssuedCertificate | undefined> {
    const r = await db.selectFrom('certificate').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.#row(r) : undefined;
  }

  /** The newest certificate of a registration, whatever its status. */
  async latest(registrationId: string): Promise<IssuedCertificate | undefined> {
    const r = await this.#storage.db
      .selectFrom('certificate')
      .selectAll()
      .where('registration_id', '=', registrationId)
      .orderBy('issued_at', 'desc')
      .executeTakeFirst();
    return r ? this.#row(r) : undefined;
  }

  async list(): Promise<(IssuedCertificate & { holderName: string; qualificationId: string })[]> {
    const rows = await this.#storage.db
      .selectFrom('certificate')
      .innerJoin('registration', 'registration.id', 'certificate.registration_id')
      .selectAll('certificate')
      .select(['registration.holder_name', 'registration.qualification_id'])
      .orderBy('certificate.issued_at', 'desc')
      .limit(200)
      .execute();
    return rows.map((r) => ({
      ...this.#row(r),
      holderName: r.holder_name,
      qualificationId: r.qualification_id,
    }));
  }

  /** Status for the verifier: unknown ids answer undefined. */
  async status(id: string): Promise<{ status: CertificateStatus; replacedBy: string | null } | undefined> {
    const r = await this.#storage.db
      .selectFrom('certificate')
      .select(['status', 'replaced_by'])
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? { status: r.status as CertificateStatus, replacedBy: r.replaced_by } : undefined;
  }

  /** Revoke (取消), suspend (一時停止), resume or delete (削除) a certificate. */
  async act(id: string, action: StatusAction): Promise<IssuedCertificate> {
    const from: Record<StatusAction, CertificateStatus[]> = {
      revoke: ['valid', 'suspended'],
      suspend: ['valid'],
      resume: ['suspended'],
      delete: ['valid', 'suspended', 'revoked'],
    };
    const to: Record<StatusAction, CertificateStatus> = {
      revoke: 'revoked',
      suspend: 'suspended',
      resume: 'valid',
      delete: 'deleted',
    };
    const res = await this.#storage.db
      .updateTable('certificate')
      .set({ status: to[action], status_changed_at: this.#now().getTime() })
      .where('id', '=', id)
      .where('status', 'in', from[action])
      .executeTakeFirst();
    const cert = await this.get(id);
    if (!cert) throw new HonninError('certificate_unknown', `no certificate ${id}`, { status: 404 });
    if (Number(res.numUpdatedRows) === 0) {
      throw new HonninError(
        'certificate_status_conflict',
        `cannot ${action} a certificate that is ${cert.status}`,
        {
          status: 409,
        },
      );
    }
    return cert;
  }

  /** 再交付: a new certificate for the same registration; the old one becomes replaced. */
  async reissue(id: string): Promise<IssuedCertificate> {
    const cert = await this.get(id);
    if (!cert) throw new HonninError('certificate_unknown', `no certificate ${id}`, { status: 404 });
    if (cert.status !== 'valid' && cert.status !== 'suspended') {
      throw new HonninError(
        'certificate_status_conflict',
        `cannot reissue a certificate that is ${cert.status}`,
        {
          status: 409,
        },
      );
    }
    return this.issue(cert.registrationId);
  }
}
