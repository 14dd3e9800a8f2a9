import type { CertPurpose } from '@honnin/jpki/profile';
import { HonninError, type Selectable, type Storage } from '@honnin/runtime';
import { type RevocationReason, reasonName } from './revocation/reasons.ts';
import type { CardStatus, HolderStatus, JlisDB } from './store/schema.ts';

export type CertificateStatus = 'good' | 'revoked' | 'expired';

/** Serials as stored: upper-case hex without leading zeros. */
export function normaliseSerial(serial: string): string {
  return serial
    .trim()
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
}

export interface CertificateRecord {
  purpose: CertPurpose;
  serial: string;
  caId: string;
  cardId: string;
  holderId: string;
  municipalityCode: string;
  status: CertificateStatus;
  notBefore: Date;
  notAfter: Date;
  revokedAt?: Date | undefined;
  reason?: RevocationReason | undefined;
  /** the life event (or 'revoke') that revoked it */
  event?: string | undefined;
  successorSerial?: string | undefined;
  predecessorSerial?: string | undefined;
}

export interface CardRecord {
  cardId: string;
  holderId: string;
  token: string;
  status: CardStatus;
  holderStatus: HolderStatus;
  issuedAt: Date;
  expiresAt: Date;
  /** oldest first */
  certificates: CertificateRecord[];
}

type CertRow = Selectable<JlisDB['certificate']>;
const CERT_COLUMNS = [
  'purpose',
  'serial',
  'ca_id',
  'card_id',
  'holder_id',
  'municipality_code',
  'not_before',
  'not_after',
  'revoked_at',
  'revocation_reason',
  'revocation_event',
  'successor_serial',
  'predecessor_serial',
] as const;

export function certificateRecord(r: Omit<CertRow, 'der' | 'issued_at'>, now: Date): CertificateRecord {
  const revoked = r.revoked_at !== null;
  return {
    purpose: r.purpose,
    serial: r.serial,
    caId: r.ca_id,
    cardId: r.card_id,
    holderId: r.holder_id,
    municipalityCode: r.municipality_code,
    status: revoked ? 'revoked' : Number(r.not_after) <= now.getTime() ? 'expired' : 'good',
    notBefore: new Date(Number(r.not_before)),
    notAfter: new Date(Number(r.not_after)),
    ...(revoked
      ? {
          revokedAt: new Date(Number(r.revoked_at)),
          reason: reasonName(Number(r.revocation_reason)),
          event: r.revocation_event ?? undefined,
        }
      : {}),
    ...(r.successor_serial ? { successorSerial: r.successor_serial } : {}),
    ...(r.predecessor_serial ? { predecessorSerial: r.predecessor_serial } : {}),
  };
}

/** J-LIS's records as administrators see them: cards, holders' states, certificates. */
export class Records {
  readonly #storage: Storage<JlisDB>;
  readonly #now: () => Date;

  constructor(storage: Storage<JlisDB>, opts: { now?: () => Date } = {}) {
    this.#storage = storage;
    this.#now = opts.now ?? (() => new Date());
  }

  async certificate(purpose: CertPurpose, serialHex: string): Promise<CertificateRecord> {
    const serial = normaliseSerial(serialHex);
    const row = await this.#storage.db
      .selectFrom('certificate')
      .select(CERT_COLUMNS)
      .where('purpose', '=', purpose)
      .where('serial', '=', serial)
      .executeTakeFirst();
    if (!row) {
      throw new HonninError('jlis_certificate_unknown', `no ${purpose} certificate ${serial}`, {
        status: 404,
      });
    }
    return certificateRecord(row, this.#now());
  }

  /** The certificate's DER, for exports. */
  async certificateDer(purpose: CertPurpose, serialHex: string): Promise<Uint8Array> {
    const serial = normaliseSerial(serialHex);
    const row = await this.#storage.db
      .selectFrom('certificate')
      .select('der')
      .where('purpose', '=', purpose)
      .where('serial', '=', serial)
      .executeTakeFirst();
    if (!row) {
      throw new HonninError('jlis_certificate_unknown', `no ${purpose} certificate ${serial}`, {
        status: 404,
      });
    }
    return new Uint8Array(row.der);
  }

  async card(cardId: string): Promise<CardRecord> {
    const [card] = await this.#cards([cardId]);
    if (!card) throw new HonninError('jlis_card_unknown', `no card ${cardId}`, { status: 404 });
    return card;
  }

  /** Cards, newest first. */
  async cards(opts: { limit?: number; offset?: number } = {}): Promise<CardRecord[]> {
    const ids = await this.#storage.db
      .selectFrom('card')
      .select('id')
      .orderBy('issued_at', 'desc')
      .orderBy('id')
      .limit(opts.limit ?? 100)
      .offset(opts.offset ?? 0)
      .execute();
    return this.#cards(ids.map((r) => r.id));
  }

  async #cards(ids: string[]): Promise<CardRecord[]> {
    if (ids.length === 0) return [];
    const now = this.#now();
    const cards = await this.#storage.db
      .selectFrom('card')
      .innerJoin('holder', 'holder.id', 'card.holder_id')
      .select([
        'card.id',
        'card.holder_id',
        'card.token',
        'card.status',
        'card.issued_at',
        'card.expires_at',
        'holder.status as holder_status',
      ])
      .where('card.id', 'in', ids)
      .execute();
    const certs = await this.#storage.db
      .selectFrom('certificate')
      .select(CERT_COLUMNS)
      .where('card_id', 'in', ids)
      .orderBy('issued_at')
      .orderBy('serial')
      .execute();
    const byId = new Map(cards.map((c) => [c.id, c]));
    return ids.flatMap((id) => {
      const c = byId.get(id);
      if (!c) return [];
      return [
        {
          cardId: c.id,
          holderId: c.holder_id,
          token: c.token,
          status: c.status,
          holderStatus: c.holder_status,
          issuedAt: new Date(Number(c.issued_at)),
          expiresAt: new Date(Number(c.expires_at)),
          certificates: certs.filter((x) => x.card_id === id).map((x) => certificateRecord(x, now)),
        },
      ];
    });
  }
}
