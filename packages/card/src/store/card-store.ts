import { randomUUID } from 'node:crypto';
import {
  HonninError,
  isUniqueViolation,
  openMigratedStorage,
  type Storage,
  type StorageOptions,
} from '@honnin/runtime';
import { base64, fromBase64, fromHex, hex } from '../apdu/bytes.ts';
import {
  type Applet,
  type AppletName,
  type ElementaryFile,
  type PinRecord,
  pinFormatOk,
} from '../applets/applet.ts';
import { type TokenKind, VirtualCard } from '../card.ts';
import {
  type ApIssuerName,
  type ApIssuers,
  apIssuers,
  exportPkcs8,
  generateApIssuerKeys,
  importPkcs8,
} from '../issuing/ap-issuers.ts';
import { CardKeyStore } from '../issuing/card-keys.ts';
import type { IssuedVirtualCard } from '../issuing/issue-card.ts';
import type { CardChip } from '../issuing/life-events.ts';
import { migrations } from './migrations.ts';
import type { CardRow, CardsDB } from './schema.ts';
import { Sealer } from './sealing.ts';

/** A card as lists show it: no PIN values, no keys, no 個人番号. */
export interface CardSummary {
  id: string;
  label: string;
  token: TokenKind;
  holderName: string;
  hasSignature: boolean;
  expiresAt: string;
  createdAt: string;
  /** out of the reader: taps fail with card_removed */
  removed: boolean;
  pins: Record<string, { triesLeft: number; maxTries: number }>;
}

export class CardNotFoundError extends HonninError {
  constructor(id: string) {
    super('card_not_found', `no card ${id}`, { status: 404 });
  }
}

type PinStatus = CardSummary['pins'];

const enc = new TextEncoder();
const dec = new TextDecoder();

function statusOf(pins: ReadonlyMap<string, PinRecord>): PinStatus {
  const out: PinStatus = {};
  for (const [k, p] of pins) out[k] = { triesLeft: p.triesLeft, maxTries: p.maxTries };
  return out;
}

function appletsToJson(applets: readonly Applet[]): string {
  return JSON.stringify(
    applets.map((a) => ({
      name: a.name,
      aid: hex(a.aid),
      files: [...a.files.values()].map((f) => (f.type === 'binary' ? { ...f, data: base64(f.data) } : f)),
    })),
  );
}

function appletsFromJson(text: string): Applet[] {
  const raw = JSON.parse(text) as {
    name: AppletName;
    aid: string;
    files: (ElementaryFile & { data?: string })[];
  }[];
  return raw.map((a) => ({
    name: a.name,
    aid: fromHex(a.aid),
    files: new Map(
      a.files.map((f) => [
        f.id,
        f.type === 'binary' ? { ...f, data: fromBase64(f.data as unknown as string) } : f,
      ]),
    ),
  }));
}

/**
 * The cards part's store: every virtual card's chip (applets, PIN table, keys)
 * sealed at rest, with the PIN counters written on every change so no restart
 * gives a try back; and the AP issuer keys, generated once.
 */
/** What a card's summary reads: the columns kept in clear, never the sealed ones. */
const SUMMARY_COLUMNS = [
  'id',
  'label',
  'token',
  'holder_name',
  'has_signature',
  'expires_at',
  'created_at',
  'removed_at',
  'pin_status',
  'jlis_card_id',
] as const;

export class CardStore {
  readonly storage: Storage<CardsDB>;
  readonly #sealer: Sealer;
  readonly #now: () => Date;
  #issuers: Promise<ApIssuers> | undefined;

  private constructor(storage: Storage<CardsDB>, sealer: Sealer, now: () => Date) {
    this.storage = storage;
    this.#sealer = sealer;
    this.#now = now;
  }

  static async open(opts: {
    storage: Omit<StorageOptions, 'part'> & { part?: string };
    storageKey: Uint8Array;
    now?: () => Date;
  }): Promise<CardStore> {
    const sealer = new Sealer(opts.storageKey);
    const storage = await openMigratedStorage<CardsDB>({ part: 'cards', ...opts.storage }, migrations);
    return new CardStore(storage, sealer, opts.now ?? (() => new Date()));
  }

  close(): Promise<void> {
    return this.storage.close();
  }

  /** The text and visual APs' issuer keys (and their CV root), created on first use. */
  apIssuers(): Promise<ApIssuers> {
    this.#issuers ??= this.#loadIssuers().catch((e) => {
      this.#issuers = undefined;
      throw e;
    });
    return this.#issuers;
  }

  async #loadIssuers(): Promise<ApIssuers> {
    const names: ApIssuerName[] = ['root', 'cardInfo', 'cardFace'];
    const read = async () => {
      const rows = await this.storage.db.selectFrom('issuer_key').selectAll().execute();
      if (rows.length !== names.length) return undefined;
      const keys = Object.fromEntries(
        rows.map((r) => [r.name, importPkcs8(this.#sealer.open(r.key, `issuer_key:${r.name}`))]),
      );
      return apIssuers(keys as Parameters<typeof apIssuers>[0]);
    };
    const existing = await read();
    if (existing) return existing;
    const fresh = await generateApIssuerKeys();
    try {
      await this.storage.db.transaction().execute(async (trx) => {
        for (const name of names)
          await trx
            .insertInto('issuer_key')
            .values({
              name,
              key: this.#sealer.seal(exportPkcs8(fresh[name]), `issuer_key:${name}`),
              created_at: this.#now().getTime(),
            })
            .execute();
      });
    } catch (e) {
      // another instance created them first: use theirs
      if (!isUniqueViolation(e)) throw e;
    }
    const stored = await read();
    if (!stored)
      throw new HonninError('card_issuer_keys_missing', 'AP issuer keys are incomplete', { status: 500 });
    return stored;
  }

  /** Writes a newly issued card; returns its summary. */
  async save(card: IssuedVirtualCard): Promise<CardSummary> {
    const id = randomUUID();
    const row: CardRow = {
      id,
      label: card.label,
      token: card.image.token,
      holder_name: card.holderName,
      jlis_card_id: card.jlisCardId,
      has_signature: card.hasSignature ? 1 : 0,
      expires_at: card.expiresAt.getTime(),
      created_at: this.#now().getTime(),
      removed_at: null,
      pin_status: JSON.stringify(statusOf(card.image.pins)),
      image: this.#sealer.seal(enc.encode(appletsToJson(card.image.applets)), `image:${id}`),
      pins: this.#sealPins(id, card.image.pins),
      keys: this.#sealKeys(id, card.keys.sealedExport()),
    };
    await this.storage.db.insertInto('card').values(row).execute();
    return summaryOf(row);
  }

  async list(): Promise<CardSummary[]> {
    const rows = await this.storage.db
      .selectFrom('card')
      .select(SUMMARY_COLUMNS)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => summaryOf(r));
  }

  async summary(id: string): Promise<CardSummary> {
    const row = await this.storage.db
      .selectFrom('card')
      .select(SUMMARY_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new CardNotFoundError(id);
    return summaryOf(row);
  }

  /** The card's J-LIS id (for life events at J-LIS). */
  async jlisCardId(id: string): Promise<string> {
    const row = await this.storage.db
      .selectFrom('card')
      .select('jlis_card_id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new CardNotFoundError(id);
    return row.jlis_card_id;
  }

  /**
   * The chip's contents (files, PIN table, keys) for the municipal office's
   * rewrite in a life event; they stay inside the cards part.
   */
  async chip(id: string): Promise<CardChip> {
    const row = await this.storage.db.selectFrom('card').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CardNotFoundError(id);
    const sealedKeys = JSON.parse(dec.decode(this.#sealer.open(row.keys, `keys:${id}`))) as Record<
      string,
      string
    >;
    return {
      image: {
        token: row.token as TokenKind,
        applets: appletsFromJson(dec.decode(this.#sealer.open(row.image, `image:${id}`))),
        pins: this.#openPins(id, row.pins),
      },
      keys: CardKeyStore.fromSealed(
        Object.fromEntries(Object.entries(sealedKeys).map(([k, v]) => [k, fromBase64(v)])),
      ),
      jlisCardId: row.jlis_card_id,
    };
  }

  /**
   * Writes a chip rewritten by a life event: files and keys together. The PIN
   * table is not touched, so every counter stays where the card left it.
   */
  async rewrite(
    id: string,
    chip: { applets: readonly Applet[]; keys: CardKeyStore; holderName?: string | undefined },
  ): Promise<CardSummary> {
    const r = await this.storage.db
      .updateTable('card')
      .set({
        image: this.#sealer.seal(enc.encode(appletsToJson(chip.applets)), `image:${id}`),
        keys: this.#sealKeys(id, chip.keys.sealedExport()),
        ...(chip.holderName ? { holder_name: chip.holderName } : {}),
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new CardNotFoundError(id);
    return this.summary(id);
  }

  /** The card itself, wired to write its PIN table back here before each answer. */
  async load(id: string): Promise<VirtualCard> {
    const { image, keys } = await this.chip(id);
    return new VirtualCard({
      token: image.token,
      applets: image.applets,
      pins: image.pins,
      keys,
      persist: (pins) => this.#writePins(id, pins),
    });
  }

  async setRemoved(id: string, removed: boolean): Promise<CardSummary> {
    const r = await this.storage.db
      .updateTable('card')
      .set({ removed_at: removed ? this.#now().getTime() : null })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new CardNotFoundError(id);
    return this.summary(id);
  }

  /**
   * What a municipal office does for a holder who locked a PIN (初期化/再設定):
   * restores the tries and, when given, sets a new value.
   */
  async unblock(id: string, pin: string, newValue?: string): Promise<CardSummary> {
    const row = await this.storage.db
      .selectFrom('card')
      .select('pins')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new CardNotFoundError(id);
    const pins = this.#openPins(id, row.pins);
    const record = pins.get(pin);
    if (!record)
      throw new HonninError(
        'card_pin_unknown',
        `the card has no PIN ${pin} (one of ${[...pins.keys()].join(', ')})`,
        {
          details: { pins: [...pins.keys()] },
        },
      );
    if (newValue !== undefined) {
      const value = record.format === 'password' ? newValue.toUpperCase() : newValue;
      if (!record.changeable || !pinFormatOk(record.format, value))
        throw new HonninError('card_pin_format', `not a valid new value for ${pin}`);
      record.value = value;
    }
    record.triesLeft = record.maxTries;
    await this.#writePins(id, pins);
    return this.summary(id);
  }

  async #writePins(id: string, pins: ReadonlyMap<string, PinRecord>): Promise<void> {
    await this.storage.db
      .updateTable('card')
      .set({ pins: this.#sealPins(id, pins), pin_status: JSON.stringify(statusOf(pins)) })
      .where('id', '=', id)
      .execute();
  }

  #sealPins(id: string, pins: ReadonlyMap<string, PinRecord>): Uint8Array {
    return this.#sealer.seal(enc.encode(JSON.stringify([...pins])), `pins:${id}`);
  }

  #openPins(id: string, sealed: Uint8Array): Map<string, PinRecord> {
    return new Map(JSON.parse(dec.decode(this.#sealer.open(sealed, `pins:${id}`))) as [string, PinRecord][]);
  }

  #sealKeys(id: string, keys: Record<string, Uint8Array>): Uint8Array {
    const json = JSON.stringify(Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, base64(v)])));
    return this.#sealer.seal(enc.encode(json), `keys:${id}`);
  }
}

function summaryOf(r: Omit<CardRow, 'image' | 'pins' | 'keys'>): CardSummary {
  return {
    id: r.id,
    label: r.label,
    token: r.token as TokenKind,
    holderName: r.holder_name,
    hasSignature: Number(r.has_signature) === 1,
    expiresAt: new Date(Number(r.expires_at)).toISOString(),
    createdAt: new Date(Number(r.created_at)).toISOString(),
    removed: r.removed_at !== null,
    pins: JSON.parse(r.pin_status) as PinStatus,
  };
}
