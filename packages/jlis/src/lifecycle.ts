import { randomUUID } from 'node:crypto';
import { ageOn, type CertPurpose, type SexCode, validateBasicInfo } from '@honnin/jpki/profile';
import { HonninError, type Selectable, type Storage, type Transaction } from '@honnin/runtime';
import {
  type CardToken,
  cardExpiry,
  checkCardPublicKey,
  type HolderInput,
  type IssuedCard,
  type IssuedCertificate,
  type Issuer,
  SIGNATURE_MIN_AGE,
} from './issuance.ts';
import { municipality } from './municipalities.ts';
import { normaliseSerial } from './records.ts';
import {
  EVENT_REVOCATIONS,
  type LifeEventType,
  REISSUE_REVOCATION,
  type RevocationReason,
} from './revocation/reasons.ts';
import type { RevokedCertificate, Revoker } from './revocation/revoker.ts';
import type { HolderStatus, JlisDB } from './store/schema.ts';

/** New values of some of the 4 items (and the municipality that now keeps the record). */
export interface HolderChange {
  name?: string | undefined;
  nameFlags?: string | undefined;
  address?: string | undefined;
  addressFlags?: string | undefined;
  municipalityCode?: string | undefined;
  birthDate?: string | undefined;
  sex?: SexCode | undefined;
}

export type LifeEvent =
  | {
      /** 転居・転入: the address (and maybe the municipality) changed */
      type: 'move';
      holder: HolderChange;
      /** the card's new signature key; without it the card has no signature certificate until a renewal */
      signaturePublicKey?: Uint8Array | undefined;
    }
  | {
      /** 氏名変更 (and any other change of the 4 items but the address) */
      type: 'rename';
      holder: HolderChange;
      signaturePublicKey?: Uint8Array | undefined;
    }
  | {
      /** 更新: new key pairs on the card; each key given replaces that certificate */
      type: 'renewal';
      authPublicKey?: Uint8Array | undefined;
      signaturePublicKey?: Uint8Array | undefined;
    }
  | { type: 'loss' }
  | { type: 'death' }
  | { type: 'emigration' }
  | {
      /** 本人の申出: stop some or all certificates of the card */
      type: 'request';
      purposes?: CertPurpose[] | undefined;
      reason?: 'unspecified' | 'keyCompromise' | undefined;
    };

export interface LifeEventResult {
  event: LifeEventType;
  cardId: string;
  holderId: string;
  revoked: RevokedCertificate[];
  /** new certificates the event issued */
  auth?: IssuedCertificate | undefined;
  signature?: IssuedCertificate | undefined;
}

type CardRow = Selectable<JlisDB['card']>;
type HolderRow = Selectable<JlisDB['holder']>;
type CertRow = Selectable<JlisDB['certificate']>;

export function holderInput(h: HolderRow): HolderInput {
  return {
    name: h.name,
    nameFlags: h.name_flags,
    address: h.address,
    addressFlags: h.address_flags,
    birthDate: h.birth_date,
    sex: h.sex as SexCode,
    municipalityCode: h.municipality_code,
  };
}

/**
 * Life events and revocation (seed 003, 電子証明書が失効する場合): what each
 * event does to the holder, the card and the certificates. Which certificates
 * an event revokes and the reason it gives come from EVENT_REVOCATIONS.
 */
export class Lifecycle {
  readonly #storage: Storage<JlisDB>;
  readonly #issuer: Issuer;
  readonly #revoker: Revoker;
  readonly #now: () => Date;

  constructor(storage: Storage<JlisDB>, issuer: Issuer, revoker: Revoker, opts: { now?: () => Date } = {}) {
    this.#storage = storage;
    this.#issuer = issuer;
    this.#revoker = revoker;
    this.#now = opts.now ?? (() => new Date());
  }

  async apply(cardId: string, event: LifeEvent): Promise<LifeEventResult> {
    const now = this.#now();
    // keys are checked before anything is written or a serial spent
    if (event.type === 'move' || event.type === 'rename' || event.type === 'renewal') {
      if (event.signaturePublicKey) checkCardPublicKey(event.signaturePublicKey, 'signature');
    }
    if (event.type === 'renewal') {
      if (!event.authPublicKey && !event.signaturePublicKey) {
        throw new HonninError(
          'jlis_event_invalid',
          'a renewal needs authPublicKey and/or signaturePublicKey',
        );
      }
      if (event.authPublicKey) checkCardPublicKey(event.authPublicKey, 'auth');
    }
    const result = await this.#storage.db.transaction().execute(async (trx) => {
      const card = await lockCard(trx, cardId);
      const holder = await trx
        .selectFrom('holder')
        .selectAll()
        .where('id', '=', card.holder_id)
        .executeTakeFirstOrThrow();
      if (holder.status !== 'resident') {
        throw new HonninError(
          'jlis_holder_not_resident',
          `the holder is ${holder.status}; no life event applies any more`,
          { status: 409 },
        );
      }
      const ctx: EventContext = { trx, card, holder, now, revoked: [] };
      const out: LifeEventResult = { event: event.type, cardId, holderId: holder.id, revoked: ctx.revoked };
      switch (event.type) {
        case 'move':
        case 'rename':
          out.signature = await this.#changeBasicInfo(ctx, event);
          break;
        case 'renewal':
          assertCardUsable(card, now);
          if (event.authPublicKey) out.auth = await this.#replace(ctx, 'auth', event.authPublicKey);
          if (event.signaturePublicKey) {
            assertSignatureAge(holder, now);
            out.signature = await this.#replace(ctx, 'signature', event.signaturePublicKey);
          }
          break;
        case 'loss':
          if (card.status !== 'active') {
            throw new HonninError('jlis_card_not_active', `the card is ${card.status}`, { status: 409 });
          }
          await this.#revokeLive(ctx, liveOfCard(trx, card.id, now), 'loss');
          await trx.updateTable('card').set({ status: 'lost' }).where('id', '=', card.id).execute();
          break;
        case 'death':
        case 'emigration':
          await this.#endResidence(ctx, event.type === 'death' ? 'deceased' : 'emigrated', event.type);
          break;
        case 'request': {
          const purposes = event.purposes?.length ? event.purposes : EVENT_REVOCATIONS.request.revokes;
          const live = (await liveOfCard(trx, card.id, now)).filter((c) => purposes.includes(c.purpose));
          if (live.length === 0) {
            throw new HonninError(
              'jlis_no_live_certificate',
              `the card has no valid ${purposes.join(' or ')} certificate to stop`,
              { status: 409 },
            );
          }
          await this.#revokeLive(ctx, live, 'request', event.reason ?? 'unspecified');
          break;
        }
      }
      return out;
    });
    this.#revoker.notify(result.revoked);
    return result;
  }

  /**
   * A new card for a holder J-LIS already knows (再交付, e.g. after a loss): the
   * earlier cards are revoked, their valid certificates superseded, and the new
   * card's certificates link to the holder's newest of each purpose — so
   * 新旧紐付け follows a person across cards.
   */
  async reissueCard(req: {
    holderId: string;
    token?: CardToken | undefined;
    authPublicKey: Uint8Array;
    signaturePublicKey?: Uint8Array | undefined;
  }): Promise<IssuedCard & { revoked: RevokedCertificate[] }> {
    checkCardPublicKey(req.authPublicKey, 'auth');
    if (req.signaturePublicKey) checkCardPublicKey(req.signaturePublicKey, 'signature');
    const now = this.#now();
    const result = await this.#storage.db.transaction().execute(async (trx) => {
      // a no-op update holds the holder's row: two re-issues do not interleave
      await trx
        .updateTable('holder')
        .set((eb) => ({ status: eb.ref('status') }))
        .where('id', '=', req.holderId)
        .execute();
      const holder = await trx
        .selectFrom('holder')
        .selectAll()
        .where('id', '=', req.holderId)
        .executeTakeFirst();
      if (!holder) throw new HonninError('jlis_holder_unknown', `no holder ${req.holderId}`, { status: 404 });
      if (holder.status !== 'resident') {
        throw new HonninError('jlis_holder_not_resident', `the holder is ${holder.status}`, { status: 409 });
      }
      const cardId = randomUUID();
      const token = req.token ?? 'card';
      const expiresAt = cardExpiry(holder.birth_date, now);
      const card: CardRow = {
        id: cardId,
        holder_id: holder.id,
        token,
        issued_at: now.getTime(),
        expires_at: expiresAt.getTime(),
        status: 'active',
      };
      const ctx: EventContext = { trx, card, holder, now, revoked: [] };
      const live = await trx
        .selectFrom('certificate')
        .selectAll()
        .where('holder_id', '=', holder.id)
        .where('revoked_at', 'is', null)
        .where('not_after', '>', now.getTime())
        .execute();
      await this.#revokeLive(ctx, live, 'reissue', REISSUE_REVOCATION.reason);
      await trx.updateTable('card').set({ status: 'revoked' }).where('holder_id', '=', holder.id).execute();
      await trx.insertInto('card').values(card).execute();
      const auth = await this.#certifyAfter(ctx, 'auth', req.authPublicKey, holderInput(holder));
      const signature =
        req.signaturePublicKey && ageOn(holder.birth_date, now) >= SIGNATURE_MIN_AGE
          ? await this.#certifyAfter(ctx, 'signature', req.signaturePublicKey, holderInput(holder))
          : undefined;
      return { cardId, holderId: holder.id, token, expiresAt, auth, signature, revoked: ctx.revoked };
    });
    this.#revoker.notify(result.revoked);
    return result;
  }

  /** Revokes one certificate with a reason an administrator chose. */
  async revoke(
    purpose: CertPurpose,
    serialHex: string,
    reason: RevocationReason,
  ): Promise<RevokedCertificate> {
    const serial = normaliseSerial(serialHex);
    const now = this.#now();
    const revoked = await this.#storage.db.transaction().execute(async (trx) => {
      const cert = await trx
        .selectFrom('certificate')
        .select(['purpose', 'serial', 'ca_id', 'revoked_at'])
        .where('purpose', '=', purpose)
        .where('serial', '=', serial)
        .executeTakeFirst();
      if (!cert) {
        throw new HonninError('jlis_certificate_unknown', `no ${purpose} certificate ${serial}`, {
          status: 404,
        });
      }
      const r = await this.#revoker.revoke(trx, { purpose, serial, caId: cert.ca_id }, reason, 'revoke', now);
      if (!r) {
        throw new HonninError(
          'jlis_certificate_revoked',
          `${purpose} certificate ${serial} is already revoked`,
          {
            status: 409,
          },
        );
      }
      return r;
    });
    this.#revoker.notify([revoked]);
    return revoked;
  }

  async #changeBasicInfo(
    ctx: EventContext,
    event: Extract<LifeEvent, { type: 'move' | 'rename' }>,
  ): Promise<IssuedCertificate | undefined> {
    const { trx, card, holder, now } = ctx;
    // the holder's record changes whatever the card's state; only a new certificate needs a usable card
    if (event.signaturePublicKey) assertCardUsable(card, now);
    const before = holderInput(holder);
    const after = applyChange(before, event.holder ?? {});
    if (event.type === 'move' && after.address === before.address) {
      throw new HonninError('jlis_event_invalid', 'a move needs a new address');
    }
    if (event.type === 'rename' && after.name === before.name && !changedBesidesName(before, after)) {
      throw new HonninError('jlis_event_invalid', 'a rename needs a new name (or another changed item)');
    }
    await trx
      .updateTable('holder')
      .set({
        name: after.name,
        name_flags: after.nameFlags!,
        address: after.address,
        address_flags: after.addressFlags!,
        birth_date: after.birthDate,
        sex: after.sex,
        municipality_code: after.municipalityCode,
        updated_at: now.getTime(),
      })
      .where('id', '=', holder.id)
      .execute();
    // the 4 items changed: every valid signature certificate of the holder goes
    const live = await trx
      .selectFrom('certificate')
      .selectAll()
      .where('holder_id', '=', holder.id)
      .where('purpose', '=', 'signature')
      .where('revoked_at', 'is', null)
      .where('not_after', '>', now.getTime())
      .execute();
    await this.#revokeLive(ctx, live, event.type);
    if (!event.signaturePublicKey || ageOn(after.birthDate, now) < SIGNATURE_MIN_AGE) return undefined;
    return this.#certifyAfter(ctx, 'signature', event.signaturePublicKey, after);
  }

  /** Renewal of one purpose: the chain head is revoked (superseded) and replaced. */
  async #replace(ctx: EventContext, purpose: CertPurpose, spki: Uint8Array): Promise<IssuedCertificate> {
    const head = await chainHead(ctx.trx, ctx.holder.id, purpose);
    if (head && head.revoked_at === null && Number(head.not_after) > ctx.now.getTime()) {
      await this.#revokeLive(ctx, [head], 'renewal');
    }
    return this.#certifyAfter(ctx, purpose, spki, holderInput(ctx.holder));
  }

  /** Issues a certificate on the card and links it after the card's previous one of that purpose. */
  async #certifyAfter(
    ctx: EventContext,
    purpose: CertPurpose,
    spki: Uint8Array,
    holder: HolderInput,
  ): Promise<IssuedCertificate> {
    const head = await chainHead(ctx.trx, ctx.holder.id, purpose);
    const issued = await this.#issuer.certify(ctx.trx, {
      purpose,
      cardId: ctx.card.id,
      holderId: ctx.holder.id,
      holder,
      spkiDer: spki,
      cardExpiresAt: new Date(Number(ctx.card.expires_at)),
      now: ctx.now,
      predecessorSerial: head?.serial,
    });
    if (head) {
      await ctx.trx
        .updateTable('certificate')
        .set({ successor_serial: issued.serial })
        .where('purpose', '=', purpose)
        .where('serial', '=', head.serial)
        .execute();
    }
    return issued;
  }

  async #endResidence(ctx: EventContext, status: HolderStatus, event: 'death' | 'emigration'): Promise<void> {
    const { trx, holder, now } = ctx;
    const live = await trx
      .selectFrom('certificate')
      .selectAll()
      .where('holder_id', '=', holder.id)
      .where('revoked_at', 'is', null)
      .where('not_after', '>', now.getTime())
      .execute();
    await this.#revokeLive(ctx, live, event);
    await trx.updateTable('card').set({ status: 'revoked' }).where('holder_id', '=', holder.id).execute();
    await trx
      .updateTable('holder')
      .set({ status, updated_at: now.getTime() })
      .where('id', '=', holder.id)
      .execute();
  }

  async #revokeLive(
    ctx: EventContext,
    certs: CertRow[] | Promise<CertRow[]>,
    event: LifeEventType | 'reissue',
    reason: RevocationReason = event === 'reissue'
      ? REISSUE_REVOCATION.reason
      : EVENT_REVOCATIONS[event].reason,
  ): Promise<void> {
    for (const c of await certs) {
      const r = await this.#revoker.revoke(
        ctx.trx,
        { purpose: c.purpose, serial: c.serial, caId: c.ca_id },
        reason,
        event,
        ctx.now,
      );
      if (r) ctx.revoked.push(r);
    }
  }
}

interface EventContext {
  trx: Transaction<JlisDB>;
  card: CardRow;
  holder: HolderRow;
  now: Date;
  revoked: RevokedCertificate[];
}

/** Reads the card and holds its row until the transaction ends (no two events interleave on a card). */
async function lockCard(trx: Transaction<JlisDB>, cardId: string): Promise<CardRow> {
  // a no-op update takes the row lock on PostgreSQL and is valid SQLite too
  await trx
    .updateTable('card')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('id', '=', cardId)
    .execute();
  const card = await trx.selectFrom('card').selectAll().where('id', '=', cardId).executeTakeFirst();
  if (!card) throw new HonninError('jlis_card_unknown', `no card ${cardId}`, { status: 404 });
  return card;
}

/** A card that may get new certificates: active and not expired. */
function assertCardUsable(card: CardRow, now: Date): void {
  if (card.status !== 'active') {
    throw new HonninError('jlis_card_not_active', `the card is ${card.status}; it gets no new certificates`, {
      status: 409,
    });
  }
  if (Number(card.expires_at) <= now.getTime()) {
    throw new HonninError('jlis_card_expired', 'the card has expired; it gets no new certificates', {
      status: 409,
    });
  }
}

function assertSignatureAge(holder: HolderRow, now: Date): void {
  if (ageOn(holder.birth_date, now) < SIGNATURE_MIN_AGE) {
    throw new HonninError(
      'jlis_signature_under_age',
      `signature certificates are issued from age ${SIGNATURE_MIN_AGE}`,
    );
  }
}

/**
 * The holder's newest certificate of a purpose (the one nothing replaced yet):
 * what a new certificate links to. Only the holder's current card issues, so
 * this is that card's, or the previous card's right after a re-issue.
 */
function chainHead(
  trx: Transaction<JlisDB>,
  holderId: string,
  purpose: CertPurpose,
): Promise<CertRow | undefined> {
  return trx
    .selectFrom('certificate')
    .selectAll()
    .where('holder_id', '=', holderId)
    .where('purpose', '=', purpose)
    .where('successor_serial', 'is', null)
    .orderBy('issued_at', 'desc')
    .orderBy('serial', 'desc')
    .executeTakeFirst();
}

function liveOfCard(trx: Transaction<JlisDB>, cardId: string, now: Date): Promise<CertRow[]> {
  return trx
    .selectFrom('certificate')
    .selectAll()
    .where('card_id', '=', cardId)
    .where('revoked_at', 'is', null)
    .where('not_after', '>', now.getTime())
    .execute();
}

function applyChange(before: HolderInput, change: HolderChange): HolderInput {
  const after: HolderInput = {
    name: change.name ?? before.name,
    address: change.address ?? before.address,
    birthDate: change.birthDate ?? before.birthDate,
    sex: change.sex ?? before.sex,
    municipalityCode: change.municipalityCode ?? before.municipalityCode,
    // flags follow their text: kept only when the text is unchanged
    nameFlags:
      change.nameFlags ??
      (change.name === undefined ? before.nameFlags : '0'.repeat([...change.name].length)),
    addressFlags:
      change.addressFlags ??
      (change.address === undefined ? before.addressFlags : '0'.repeat([...change.address].length)),
  };
  const problems = validateBasicInfo(after);
  if (!municipality(after.municipalityCode))
    problems.push(`unknown municipality code ${after.municipalityCode}`);
  if (problems.length) {
    throw new HonninError('jlis_holder_invalid', problems.join('; '), { details: { problems } });
  }
  return after;
}

function changedBesidesName(a: HolderInput, b: HolderInput): boolean {
  return (
    a.address !== b.address ||
    a.birthDate !== b.birthDate ||
    a.sex !== b.sex ||
    a.nameFlags !== b.nameFlags ||
    a.addressFlags !== b.addressFlags
  );
}
