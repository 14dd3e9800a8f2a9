import { createPublicKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import {
  ageOn,
  type BasicInfo,
  type CertPurpose,
  caName,
  crlDistributionPointName,
  type DistinguishedName,
  encodeBasicInfoSan,
  nthBirthdayAfter,
  type PolicySet,
  PURPOSE_OU,
  TEST_POLICIES,
  validateBasicInfo,
} from '@honnin/jpki/profile';
import { HonninError, type Storage, type Transaction } from '@honnin/runtime';
import type { CertificateAuthorities } from './ca/authority.ts';
import { extensions, KeyUsage, signCertificate } from './ca/x509.ts';
import { municipality } from './municipalities.ts';
import type { JlisDB } from './store/schema.ts';

export type CardToken = 'card' | 'android' | 'iphone';

export interface HolderInput extends BasicInfo {
  municipalityCode: string;
}

export interface IssuedCertificate {
  purpose: CertPurpose;
  serial: string;
  der: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  caId: string;
  caCertDer: Uint8Array;
}

export interface IssuedCard {
  cardId: string;
  holderId: string;
  token: CardToken;
  expiresAt: Date;
  auth: IssuedCertificate;
  /** absent for holders under 15 */
  signature?: IssuedCertificate | undefined;
}

export interface IssueCardRequest {
  holder: HolderInput;
  token?: CardToken | undefined;
  /** SubjectPublicKeyInfo (DER) generated on the card */
  authPublicKey: Uint8Array;
  /** ignored (no certificate) when the holder is under 15 */
  signaturePublicKey?: Uint8Array | undefined;
  /** the card's expiry, when the card already has one (new certificates never outlive it) */
  cardExpiresAt?: Date | undefined;
}

/** The youngest age that gets a signature certificate (seed 003). */
export const SIGNATURE_MIN_AGE = 15;

/** 23:59:59 in Japan (UTC+9) on the given UTC calendar day. */
export function endOfJapanDay(utcMidnight: Date): Date {
  return new Date(utcMidnight.getTime() + 15 * 3600_000 - 1000);
}

/** The card itself runs to the 10th birthday after issue for adults, the 5th for minors (under 18). */
export function cardExpiry(birthDate: string, now: Date): Date {
  return endOfJapanDay(nthBirthdayAfter(birthDate, now, ageOn(birthDate, now) >= 18 ? 10 : 5));
}

/** JPKI-style opaque subject identifier (no personal data). */
function opaqueId(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return [...randomBytes(23)].map((b) => alphabet[b % 36]).join('');
}

/**
 * Card issuance and certification: J-LIS records the holder and the card and
 * certifies the public keys the card generated. Certificates run until the
 * holder's 5th birthday after issue, never past the card's expiry.
 */
export class Issuer {
  readonly #storage: Storage<JlisDB>;
  readonly #ca: CertificateAuthorities;
  readonly #policies: PolicySet;
  readonly #now: () => Date;

  constructor(
    storage: Storage<JlisDB>,
    ca: CertificateAuthorities,
    opts: { policies?: PolicySet; now?: () => Date } = {},
  ) {
    this.#storage = storage;
    this.#ca = ca;
    this.#policies = opts.policies ?? TEST_POLICIES;
    this.#now = opts.now ?? (() => new Date());
  }

  async issueCard(req: IssueCardRequest): Promise<IssuedCard> {
    const problems = validateBasicInfo(req.holder);
    if (!municipality(req.holder.municipalityCode))
      problems.push(`unknown municipality code ${req.holder.municipalityCode}`);
    if (problems.length)
      throw new HonninError('jlis_holder_invalid', problems.join('; '), { details: { problems } });
    const now = this.#now();
    if (req.holder.birthDate > now.toISOString().slice(0, 10)) {
      throw new HonninError('jlis_holder_invalid', 'birthDate lies in the future');
    }
    const age = ageOn(req.holder.birthDate, now);
    const cardExpiresAt = req.cardExpiresAt ?? cardExpiry(req.holder.birthDate, now);
    const holderId = randomUUID();
    const cardId = randomUUID();
    const token = req.token ?? 'card';
    const wantsSignature = age >= SIGNATURE_MIN_AGE && req.signaturePublicKey !== undefined;
    checkCardPublicKey(req.authPublicKey, 'auth');
    if (wantsSignature) checkCardPublicKey(req.signaturePublicKey!, 'signature');

    return this.#storage.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('holder')
        .values({
          id: holderId,
          name: req.holder.name,
          name_flags: req.holder.nameFlags ?? '0'.repeat([...req.holder.name].length),
          address: req.holder.address,
          address_flags: req.holder.addressFlags ?? '0'.repeat([...req.holder.address].length),
          birth_date: req.holder.birthDate,
          sex: req.holder.sex,
          municipality_code: req.holder.municipalityCode,
          created_at: now.getTime(),
          updated_at: now.getTime(),
          status: 'resident',
        })
        .execute();
      await trx
        .insertInto('card')
        .values({
          id: cardId,
          holder_id: holderId,
          token,
          issued_at: now.getTime(),
          expires_at: cardExpiresAt.getTime(),
          status: 'active',
        })
        .execute();
      const auth = await this.certify(trx, {
        purpose: 'auth',
        cardId,
        holderId,
        holder: req.holder,
        spkiDer: req.authPublicKey,
        cardExpiresAt,
        now,
      });
      const signature = wantsSignature
        ? await this.certify(trx, {
            purpose: 'signature',
            cardId,
            holderId,
            holder: req.holder,
            spkiDer: req.signaturePublicKey!,
            cardExpiresAt,
            now,
          })
        : undefined;
      return { cardId, holderId, token, expiresAt: cardExpiresAt, auth, signature };
    });
  }

  /**
   * Issues one certificate for a card inside a transaction (issuance, and the life
   * events that replace a certificate: move, rename, renewal).
   */
  async certify(
    trx: Transaction<JlisDB>,
    p: {
      purpose: CertPurpose;
      cardId: string;
      holderId: string;
      holder: HolderInput;
      spkiDer: Uint8Array;
      cardExpiresAt: Date;
      now: Date;
      predecessorSerial?: string | undefined;
    },
  ): Promise<IssuedCertificate> {
    checkCardPublicKey(p.spkiDer, p.purpose);
    const ca = this.#ca.active(p.purpose);
    const m = municipality(p.holder.municipalityCode)!;
    const serial = await nextSerial(trx, p.purpose);
    const notBefore = p.now;
    // valid through the 5th birthday after issue (Japan time), never past the card or the CA
    const fifth = endOfJapanDay(nthBirthdayAfter(p.holder.birthDate, p.now, 5));
    const end = new Date(Math.min(fifth.getTime(), p.cardExpiresAt.getTime(), ca.notAfter.getTime()));
    const subject: DistinguishedName =
      p.purpose === 'signature'
        ? [
            ['C', 'JP'],
            ['L', m.prefecture],
            ['L', m.city],
            ['CN', opaqueId()],
          ]
        : [['CN', opaqueId()]];
    const exts =
      p.purpose === 'signature'
        ? [
            extensions.keyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation),
            extensions.policies([this.#policies.signature]),
            extensions.subjectAltNameDer(encodeBasicInfoSan(p.holder)),
            extensions.crlDistributionPoint(crlDistributionPointName(m, this.#ca.org)),
          ]
        : [
            extensions.keyUsage(KeyUsage.digitalSignature),
            extensions.policies([this.#policies.auth]),
            extensions.crlDistributionPoint([
              ['C', 'JP'],
              ['O', this.#ca.org],
              ['OU', PURPOSE_OU.auth],
              ['OU', 'CRL Distribution Points'],
              ['OU', m.prefecture],
              ['CN', `${m.city} CRLDP`],
            ]),
          ];
    exts.push(extensions.authorityKeyIdentifier(ca.spkiDer), extensions.subjectKeyIdentifier(p.spkiDer));
    const der = signCertificate(
      {
        serialHex: serial,
        issuer: caName(p.purpose, this.#ca.org),
        subject,
        notBefore,
        notAfter: end,
        spkiDer: p.spkiDer,
        extensions: exts,
      },
      await this.#ca.key(ca.id),
    );
    await trx
      .insertInto('certificate')
      .values({
        purpose: p.purpose,
        serial,
        ca_id: ca.id,
        card_id: p.cardId,
        holder_id: p.holderId,
        municipality_code: m.code,
        der,
        not_before: notBefore.getTime(),
        not_after: end.getTime(),
        issued_at: p.now.getTime(),
        revoked_at: null,
        revocation_reason: null,
        revocation_event: null,
        successor_serial: null,
        predecessor_serial: p.predecessorSerial ?? null,
      })
      .execute();
    return { purpose: p.purpose, serial, der, notBefore, notAfter: end, caId: ca.id, caCertDer: ca.certDer };
  }
}

/** Card keys are RSA-2048 with e = 65537; anything else is refused before a serial is spent. */
export function checkCardPublicKey(spkiDer: Uint8Array, purpose: CertPurpose): void {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  } catch (e) {
    throw new HonninError(
      'jlis_public_key_invalid',
      `the ${purpose} public key is not a DER SubjectPublicKeyInfo`,
      { cause: e },
    );
  }
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== 'rsa' || d?.modulusLength !== 2048 || d.publicExponent !== 65537n) {
    throw new HonninError(
      'jlis_public_key_invalid',
      `the ${purpose} public key must be RSA-2048 with e=65537`,
    );
  }
}

/** Next serial of a purpose, as upper-case hex. Serials start high enough to look like J-LIS's. */
export async function nextSerial(trx: Transaction<JlisDB>, purpose: CertPurpose): Promise<string> {
  const row = await trx
    .updateTable('serial_counter')
    .set((eb) => ({ next: eb('next', '+', 1) }))
    .where('purpose', '=', purpose)
    .returning('next')
    .executeTakeFirst();
  let n: number;
  if (row) n = Number(row.next) - 1;
  else {
    n = 0x100000;
    await trx
      .insertInto('serial_counter')
      .values({ purpose, next: n + 1 })
      .execute();
  }
  return n.toString(16).toUpperCase();
}
