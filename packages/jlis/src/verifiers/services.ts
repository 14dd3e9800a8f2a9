import { ageOn, type CertPurpose, isIsoDate, japanDate } from '@honnin/jpki/profile';
import { HonninError, type Storage } from '@honnin/runtime';
import { normaliseSerial } from '../records.ts';
import { type RevocationReason, reasonName } from '../revocation/reasons.ts';
import type { JlisDB } from '../store/schema.ts';
import type { FeeMeter, Metered } from './fees.ts';

export type ValidityStatus = 'good' | 'revoked' | 'expired';

export interface LinkAnswer {
  signatureSerial: string;
  /** the newest auth certificate of the same card */
  authSerial: string;
}

export interface SuccessorAnswer {
  purpose: CertPurpose;
  serial: string;
  status: ValidityStatus;
  reason?: RevocationReason | undefined;
  /** the newest certificate in the chain of renewals and moves (the serial itself when nothing replaced it) */
  newestSerial: string;
  newestStatus: ValidityStatus;
  /** every serial from the one asked about to the newest */
  chain: string[];
}

export interface AgeAnswer {
  purpose: CertPurpose;
  serial: string;
  status: ValidityStatus;
  /** the age asked about and the day it applies to (Japan time) */
  age: number;
  on: string;
  /** yes/no only: the birth date never leaves J-LIS */
  atLeast: boolean;
}

export interface CrlCheck {
  purpose: CertPurpose;
  serial: string;
  /** a 現況確認 (yearly status check): counted once per holder, purpose and year */
  statusCheck?: boolean | undefined;
}

/** At most this many CRL checks per report (keeps one request's work bounded). */
export const MAX_CRL_CHECKS = 10_000;
const MAX_CHAIN = 1000;

type CertRow = Pick<
  JlisDB['certificate'],
  | 'purpose'
  | 'serial'
  | 'card_id'
  | 'holder_id'
  | 'not_after'
  | 'revoked_at'
  | 'revocation_reason'
  | 'successor_serial'
>;

const unknownCert = (purpose: CertPurpose, serial: string) =>
  new HonninError('jlis_certificate_unknown', `no ${purpose} certificate ${serial}`, { status: 404 });

/**
 * J-LIS's services to approved signature verifiers (seed 003): 紐付け,
 * 新旧紐付け, 年齢判定 and CRL-based checks. Every answer is metered.
 */
export class VerifierServices {
  readonly #storage: Storage<JlisDB>;
  readonly #meter: FeeMeter;
  readonly #now: () => Date;

  constructor(storage: Storage<JlisDB>, meter: FeeMeter, opts: { now?: () => Date } = {}) {
    this.#storage = storage;
    this.#meter = meter;
    this.#now = opts.now ?? (() => new Date());
  }

  /** 紐付け: the auth certificate of the card a signature certificate is on (¥2). */
  async link(verifierId: string, signatureSerial: string): Promise<LinkAnswer> {
    const sig = await this.#find('signature', signatureSerial);
    if (!sig) {
      await this.#meter.record(verifierId, [unknownEntry('link', 'signature', signatureSerial)]);
      throw unknownCert('signature', signatureSerial);
    }
    const auth = await this.#storage.db
      .selectFrom('certificate')
      .select('serial')
      .where('card_id', '=', sig.card_id)
      .where('purpose', '=', 'auth')
      .where('successor_serial', 'is', null)
      .orderBy('issued_at', 'desc')
      .executeTakeFirst();
    if (!auth) {
      throw new HonninError('jlis_link_absent', 'the card holds no auth certificate', { status: 404 });
    }
    await this.#meter.record(verifierId, [
      {
        kind: 'link',
        channel: 'link',
        purpose: 'signature',
        serial: signatureSerial,
        holderId: sig.holder_id,
      },
    ]);
    return { signatureSerial, authSerial: auth.serial };
  }

  /** 新旧紐付け: the newest certificate that replaced this one (the validity check of the old one is charged). */
  async successor(verifierId: string, purpose: CertPurpose, serial: string): Promise<SuccessorAnswer> {
    const first = await this.#checked(verifierId, 'successor', purpose, serial);
    const chain = [first.serial];
    let newest = first;
    while (newest.successor_serial && chain.length < MAX_CHAIN) {
      const next = await this.#find(purpose, newest.successor_serial);
      if (!next) break;
      newest = next;
      chain.push(next.serial);
    }
    const now = this.#now();
    return {
      purpose,
      serial,
      status: validity(first, now),
      ...(first.revoked_at !== null ? { reason: reasonName(Number(first.revocation_reason)) } : {}),
      newestSerial: newest.serial,
      newestStatus: validity(newest, now),
      chain,
    };
  }

  /**
   * 年齢判定: is the holder of the certificate at least `age` years old on `on`
   * (YYYY-MM-DD, default today in Japan)? Ages count up on the birthday; a
   * 29 February birthday counts from 1 March in common years.
   */
  async age(
    verifierId: string,
    purpose: CertPurpose,
    serial: string,
    age: number,
    on?: string | undefined,
  ): Promise<AgeAnswer> {
    if (!Number.isInteger(age) || age < 0 || age > 150) {
      throw new HonninError('jlis_age_invalid', 'age must be a whole number of years, 0–150');
    }
    const now = this.#now();
    const day = on ?? japanDate(now);
    if (!isIsoDate(day)) throw new HonninError('jlis_age_invalid', 'on must be a date YYYY-MM-DD');
    const cert = await this.#checked(verifierId, 'age', purpose, serial);
    const holder = await this.#storage.db
      .selectFrom('holder')
      .select('birth_date')
      .where('id', '=', cert.holder_id)
      .executeTakeFirstOrThrow();
    return {
      purpose,
      serial,
      status: validity(cert, now),
      age,
      on: day,
      atLeast: ageOn(holder.birth_date, new Date(`${day}T00:00:00Z`)) >= age,
    };
  }

  /**
   * Checks a verifier made against a CRL it downloaded, reported so J-LIS can
   * meter them (the fee is per check whichever way the check is made; 現況確認
   * is discounted only on this channel, as seed 003 says).
   */
  async reportCrlChecks(
    verifierId: string,
    checks: readonly CrlCheck[],
  ): Promise<{ recorded: number; unknown: number; yen: number }> {
    if (checks.length > MAX_CRL_CHECKS) {
      throw new HonninError('jlis_too_many_checks', `at most ${MAX_CRL_CHECKS} checks per report`, {
        status: 413,
      });
    }
    const normalised = checks.map((c) => ({ ...c, serial: normaliseSerial(c.serial) }));
    const holders = new Map<string, string>();
    for (const purpose of ['signature', 'auth'] as const) {
      const serials = [...new Set(normalised.filter((c) => c.purpose === purpose).map((c) => c.serial))];
      for (let i = 0; i < serials.length; i += 500) {
        const rows = await this.#storage.db
          .selectFrom('certificate')
          .select(['serial', 'holder_id'])
          .where('purpose', '=', purpose)
          .where('serial', 'in', serials.slice(i, i + 500))
          .execute();
        for (const r of rows) holders.set(`${purpose}:${r.serial}`, r.holder_id);
      }
    }
    const entries: Metered[] = normalised.map((c) => {
      const holderId = holders.get(`${c.purpose}:${c.serial}`);
      if (!holderId) return unknownEntry('crl', c.purpose, c.serial);
      return {
        kind: c.statusCheck ? 'statusCheck' : 'validity',
        channel: 'crl',
        purpose: c.purpose,
        serial: c.serial,
        holderId,
      };
    });
    const { yen } = await this.#meter.record(verifierId, entries);
    return { recorded: entries.length, unknown: entries.filter((e) => e.kind === 'unknown').length, yen };
  }

  /** Finds the certificate and meters the validity check the service performs on it. */
  async #checked(
    verifierId: string,
    channel: 'successor' | 'age',
    purpose: CertPurpose,
    serial: string,
  ): Promise<CertRow> {
    const cert = await this.#find(purpose, serial);
    await this.#meter.record(verifierId, [
      cert
        ? { kind: 'validity', channel, purpose, serial, holderId: cert.holder_id }
        : unknownEntry(channel, purpose, serial),
    ]);
    if (!cert) throw unknownCert(purpose, serial);
    return cert;
  }

  #find(purpose: CertPurpose, serial: string): Promise<CertRow | undefined> {
    return this.#storage.db
      .selectFrom('certificate')
      .select([
        'purpose',
        'serial',
        'card_id',
        'holder_id',
        'not_after',
        'revoked_at',
        'revocation_reason',
        'successor_serial',
      ])
      .where('purpose', '=', purpose)
      .where('serial', '=', normaliseSerial(serial))
      .executeTakeFirst();
  }
}

function unknownEntry(channel: Metered['channel'], purpose: CertPurpose, serial: string): Metered {
  return { kind: 'unknown', channel, purpose, serial: serial.slice(0, 64) };
}

function validity(c: CertRow, now: Date): ValidityStatus {
  if (c.revoked_at !== null) return 'revoked';
  return Number(c.not_after) <= now.getTime() ? 'expired' : 'good';
}
