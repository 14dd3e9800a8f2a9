/**
 * The one client for the My Number Card, real or virtual, over any transport:
 * JPKI (certificates, signatures, PINs), the 券面事項入力補助AP (個人番号 and the
 * 4 items, checked against the integrity record) and the 券面AP (card face,
 * checked against its signature). Browser-safe: Uint8Array and WebCrypto only.
 */
import { ascii, concat, equalBytes, fromHex } from '../apdu/bytes.ts';
import { encodeCommand } from '../apdu/command.ts';
import { parseResponse, SW } from '../apdu/status.ts';
import { encodedLength } from '../apdu/tlv.ts';
import { AID } from '../applets/applet.ts';
import {
  CARD_FACE_EF,
  type CardFace,
  parseCardFace,
  parseIndividualNumberImage,
} from '../formats/card-face.ts';
import {
  CARD_INFO_EF,
  type CardBasicInfo,
  parseBasicInfo,
  parseIndividualNumber,
  parseIntegrity,
} from '../formats/card-info.ts';
import { type CvCertificate, parseCvCertificate } from '../formats/cv-certificate.ts';
import { digestInfo, type HashName, type RsaPublicKey, verifyPkcs1 } from '../formats/rsa.ts';
import type { CardTransport } from '../transports/transport.ts';
import {
  CardDataInvalidError,
  CardError,
  CardStatusError,
  NoSignatureCertificateError,
  PinFormatError,
  PinLockedError,
  WrongPinError,
} from './errors.ts';

export type JpkiKey = 'auth' | 'signature';
/** PINs whose tries the client can ask for and (the first three) change. */
export type PinName = 'auth' | 'signature' | 'cardInfo' | 'verificationCodeA' | 'verificationCodeB';
export type TokenName = 'card' | 'android' | 'iphone' | 'juki' | 'unknown';

const JPKI = { aid: fromHex(AID.jpki), authCert: 0x0a, authCa: 0x0b, signCert: 0x01, signCa: 0x02 };
const JPKI_PIN_EF: Record<JpkiKey, number> = { auth: 0x18, signature: 0x1b };
const JPKI_KEY_EF: Record<JpkiKey, number> = { auth: 0x17, signature: 0x1a };

const PIN_RULES: Record<PinName, { label: string; rule: string; test: RegExp }> = {
  auth: { label: 'auth PIN', rule: '4 digits', test: /^[0-9]{4}$/ },
  signature: { label: 'signature password', rule: '6–16 letters A–Z and digits', test: /^[A-Z0-9]{6,16}$/ },
  cardInfo: { label: 'card-info PIN', rule: '4 digits', test: /^[0-9]{4}$/ },
  verificationCodeA: { label: '照合番号A', rule: 'the 12-digit 個人番号', test: /^[0-9]{12}$/ },
  verificationCodeB: { label: '照合番号B', rule: '14 digits', test: /^[0-9]{14}$/ },
};

/** Where each PIN lives: its AP and EF. */
const PIN_LOCATION: Record<PinName, { aid: string; ef: number }> = {
  auth: { aid: AID.jpki, ef: 0x18 },
  signature: { aid: AID.jpki, ef: 0x1b },
  cardInfo: { aid: AID.cardInfo, ef: CARD_INFO_EF.pin },
  verificationCodeA: { aid: AID.cardInfo, ef: CARD_INFO_EF.verificationCodeA },
  verificationCodeB: { aid: AID.cardInfo, ef: CARD_INFO_EF.verificationCodeB },
};

const TOKENS: [string, TokenName][] = [
  ['JPKIAPICCTOKEN2', 'card'],
  ['JPKIAPGPSETOKEN', 'android'],
  ['JPKIAPIOSTOKEN', 'iphone'],
  ['JPKIAPICCTOKEN', 'juki'],
];

export interface CardInfo {
  individualNumber: string;
  basicInfo: CardBasicInfo;
}

export interface ReadCardFace extends CardFace {
  /** PNG of the 個人番号 as printed on the back (only with 照合番号A) */
  individualNumberImage?: Uint8Array | undefined;
}

export interface JpkiClientOptions {
  /**
   * The CV root the text/visual APs' issuer certificates must chain to (the card
   * host serves it at /v1/cv-root). Without it, records are checked against the
   * AP's own CV certificate only.
   */
  cvRoot?: RsaPublicKey | undefined;
}

const sha256 = async (d: Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', d as Uint8Array<ArrayBuffer>));

const HASH_LENGTH: Record<HashName, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export class JpkiClient {
  readonly transport: CardTransport;
  readonly #cvRoot: RsaPublicKey | undefined;

  constructor(transport: CardTransport, opts: JpkiClientOptions = {}) {
    this.transport = transport;
    this.#cvRoot = opts.cvRoot;
  }

  /** Sends one command; follows 61xx (GET RESPONSE) and 6Cxx (wrong Le) as T=0 readers need. */
  async #send(c: Parameters<typeof encodeCommand>[0]): Promise<{ data: Uint8Array; sw: number }> {
    let r = parseResponse(await this.transport.transmit(encodeCommand(c)));
    if (r.sw >> 8 === 0x6c)
      r = parseResponse(await this.transport.transmit(encodeCommand({ ...c, ne: r.sw & 0xff || 256 })));
    let data = r.data;
    while (r.sw >> 8 === 0x61) {
      r = parseResponse(
        await this.transport.transmit(encodeCommand({ ins: 0xc0, p1: 0, p2: 0, ne: r.sw & 0xff || 256 })),
      );
      data = concat(data, r.data);
    }
    return { data, sw: r.sw };
  }

  async #selectAp(aid: Uint8Array, what: string): Promise<void> {
    const r = await this.#send({ ins: 0xa4, p1: 0x04, p2: 0x0c, data: aid });
    if (r.sw !== SW.OK) throw new CardStatusError(`selecting the ${what}`, r.sw);
  }

  async #selectEf(ef: number, what: string): Promise<void> {
    const r = await this.#send({ ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(ef >> 8, ef & 0xff) });
    if (r.sw === SW.FILE_NOT_FOUND) throw new CardStatusError(`${what} (not on this card)`, r.sw);
    if (r.sw !== SW.OK) throw new CardStatusError(`selecting ${what}`, r.sw);
  }

  /** Reads the current EF: a first chunk, the TLV length from its header, then the rest. */
  async #readCurrent(what: string): Promise<Uint8Array> {
    const first = await this.#readChunk(0, 256, what);
    const total = encodedLength(first) ?? first.length;
    const parts = [first.subarray(0, Math.min(first.length, total))];
    let have = parts[0]!.length;
    while (have < total) {
      const chunk = await this.#readChunk(have, Math.min(256, total - have), what);
      if (chunk.length === 0) break;
      parts.push(chunk.subarray(0, total - have));
      have += chunk.length;
    }
    const out = concat(...parts);
    if (out.length < total) throw new CardDataInvalidError(`${what} (truncated)`);
    return out;
  }

  async #readChunk(offset: number, ne: number, what: string): Promise<Uint8Array> {
    const r = await this.#send({ ins: 0xb0, p1: (offset >> 8) & 0x7f, p2: offset & 0xff, ne });
    if (r.sw === SW.OK) return r.data;
    if (r.sw === SW.OFFSET_BEYOND_END) return new Uint8Array(0);
    throw new CardStatusError(`reading ${what}`, r.sw);
  }

  #checkFormat(pin: PinName, value: string): string {
    const v = pin === 'signature' ? value.toUpperCase() : value;
    const r = PIN_RULES[pin];
    if (!r.test.test(v)) throw new PinFormatError(r.label, r.rule);
    return v;
  }

  /** VERIFY on the selected AP's PIN EF; wrong → WrongPinError with the tries left, locked → PinLockedError. */
  async #verify(pin: PinName, ef: number, value: string): Promise<void> {
    const v = this.#checkFormat(pin, value);
    if (ef) await this.#selectEf(ef, `the ${PIN_RULES[pin].label}`);
    const r = await this.#send({ ins: 0x20, p1: 0x00, p2: 0x80, data: ascii(v) });
    this.#pinStatus(pin, r.sw);
  }

  #pinStatus(pin: PinName, sw: number): void {
    const label = PIN_RULES[pin].label;
    if (sw === SW.OK) return;
    if (sw === SW.PIN_LOCKED || sw === SW.WRONG_PIN_BASE) throw new PinLockedError(label);
    if ((sw & 0xfff0) === SW.WRONG_PIN_BASE) throw new WrongPinError(label, sw & 0x0f);
    throw new CardStatusError(`verifying the ${label}`, sw);
  }

  // ---- JPKI AP ------------------------------------------------------------

  /** Which token this is (card, Android, iPhone, old 住基カード). */
  async readToken(): Promise<{ token: TokenName; label: string }> {
    await this.#selectAp(JPKI.aid, 'JPKI AP');
    await this.#selectEf(0x06, 'token info');
    const raw = await this.#readChunk(0, 32, 'token info');
    const label = String.fromCharCode(...raw).trimEnd();
    return { token: TOKENS.find(([l]) => l === label)?.[1] ?? 'unknown', label };
  }

  /** Which certificates the card carries (EF 0008). */
  async readAvailability(): Promise<{ auth: boolean; signature: boolean }> {
    await this.#selectAp(JPKI.aid, 'JPKI AP');
    await this.#selectEf(0x08, 'certificate availability');
    const raw = await this.#readChunk(0, 3, 'certificate availability');
    return { signature: raw[0] === 0x8f, auth: raw[1] === 0x8f };
  }

  /** 利用者証明用電子証明書 (DER). Smartphone tokens need the auth PIN for it. */
  async readAuthCertificate(authPin?: string): Promise<Uint8Array> {
    await this.#selectAp(JPKI.aid, 'JPKI AP');
    if (authPin !== undefined) await this.#verify('auth', JPKI_PIN_EF.auth, authPin);
    await this.#selectEf(JPKI.authCert, 'the auth certificate');
    return this.#readCurrent('the auth certificate');
  }

  async readAuthCaCertificate(): Promise<Uint8Array> {
    await this.#selectAp(JPKI.aid, 'JPKI AP');
    await this.#selectEf(JPKI.authCa, 'the auth CA certificate');
    return this.#readCurrent('the auth CA certificate');
  }

  /** 署名用電子証明書 (DER): needs the signature password. */
  async readSignatureCertificate(password: string): Promise<Uint8Array> {
    await this.#selectAp(JPKI.aid, 'JPKI AP');
    await this.#selectSignaturePin();
    await this.#verify('signature', 0, password);
    await this.#selectEf(JPKI.signCert, 'the signature certificate');
    return this.#readCurrent('the signature certificate');
  }

  async readSignatureCaCertificate(): Promise<Uint8Array> {
    await this.#selectAp(JPKI.aid, 'JPKI AP');
    await this.#selectEf(JPKI.signCa, 'the signature CA certificate');
    return this.#readCurrent('the signature CA certificate');
  }

  async #selectSignaturePin(): Promise<void> {
    const r = await this.#send({
      ins: 0xa4,
      p1: 0x02,
      p2: 0x0c,
      data: Uint8Array.of(0, JPKI_PIN_EF.signature),
    });
    if (r.sw === SW.FILE_NOT_FOUND) throw new NoSignatureCertificateError();
    if (r.sw !== SW.OK) throw new CardStatusError('selecting the signature password', r.sw);
  }

  /**
   * Signs a DigestInfo with the auth key (PIN) or the signature key (password):
   * SELECT PIN EF, VERIFY, SELECT key EF, `80 2A 00 80`. Returns the 256-byte signature.
   */
  async sign(key: JpkiKey, credential: string, info: Uint8Array): Promise<Uint8Array> {
    if (info.length === 0 || info.length > 245)
      throw new CardError('card_digest_info_invalid', 'DigestInfo must hold 1–245 bytes');
    await this.#selectAp(JPKI.aid, 'JPKI AP');
    if (key === 'signature') await this.#selectSignaturePin();
    await this.#verify(key, key === 'auth' ? JPKI_PIN_EF.auth : 0, credential);
    await this.#selectEf(JPKI_KEY_EF[key], `the ${key} key`);
    const r = await this.#send({ cla: 0x80, ins: 0x2a, p1: 0x00, p2: 0x80, data: info, ne: 256 });
    if (r.sw !== SW.OK) throw new CardStatusError(`signing with the ${key} key`, r.sw);
    return r.data;
  }

  /** Signs a digest already computed with `hash`. */
  signDigest(key: JpkiKey, credential: string, hash: HashName, digest: Uint8Array): Promise<Uint8Array> {
    if (digest.length !== HASH_LENGTH[hash])
      throw new CardError('card_digest_invalid', `a ${hash} digest has ${HASH_LENGTH[hash]} bytes`);
    return this.sign(key, credential, digestInfo(hash, digest));
  }

  /** Hashes `data` (WebCrypto) and signs its DigestInfo. */
  async signData(
    key: JpkiKey,
    credential: string,
    data: Uint8Array,
    hash: HashName = 'SHA-256',
  ): Promise<Uint8Array> {
    const digest = new Uint8Array(await crypto.subtle.digest(hash, data as Uint8Array<ArrayBuffer>));
    return this.signDigest(key, credential, hash, digest);
  }

  /** Tries left of a PIN, by the empty VERIFY that consumes nothing; 0 when locked. */
  async triesLeft(pin: PinName): Promise<number> {
    const loc = PIN_LOCATION[pin];
    await this.#selectAp(fromHex(loc.aid), loc.aid === AID.jpki ? 'JPKI AP' : 'card-info AP');
    if (pin === 'signature') await this.#selectSignaturePin();
    else await this.#selectEf(loc.ef, `the ${PIN_RULES[pin].label}`);
    const r = await this.#send({ ins: 0x20, p1: 0x00, p2: 0x80 });
    if (r.sw === SW.PIN_LOCKED) return 0;
    if ((r.sw & 0xfff0) === SW.WRONG_PIN_BASE) return r.sw & 0x0f;
    throw new CardStatusError(`asking the ${PIN_RULES[pin].label} tries`, r.sw);
  }

  /** Changes the auth PIN, the signature password or the card-info PIN (VERIFY, then CHANGE REFERENCE DATA). */
  async changePin(pin: 'auth' | 'signature' | 'cardInfo', current: string, next: string): Promise<void> {
    const nextValue = this.#checkFormat(pin, next);
    const loc = PIN_LOCATION[pin];
    await this.#selectAp(fromHex(loc.aid), loc.aid === AID.jpki ? 'JPKI AP' : 'card-info AP');
    if (pin === 'signature') await this.#selectSignaturePin();
    await this.#verify(pin, pin === 'signature' ? 0 : loc.ef, current);
    const r = await this.#send({ ins: 0x24, p1: 0x01, p2: 0x80, data: ascii(nextValue) });
    if (r.sw !== SW.OK) throw new CardStatusError(`changing the ${PIN_RULES[pin].label}`, r.sw);
  }

  // ---- 券面事項入力補助AP ----------------------------------------------------

  async #openCardInfo(credential: CardInfoCredential): Promise<void> {
    await this.#selectAp(fromHex(AID.cardInfo), 'card-info AP');
    if ('pin' in credential) await this.#verify('cardInfo', CARD_INFO_EF.pin, credential.pin);
    else if ('verificationCodeA' in credential)
      await this.#verify('verificationCodeA', CARD_INFO_EF.verificationCodeA, credential.verificationCodeA);
    else
      await this.#verify('verificationCodeB', CARD_INFO_EF.verificationCodeB, credential.verificationCodeB);
  }

  async #readEf(ef: number, what: string): Promise<Uint8Array> {
    await this.#selectEf(ef, what);
    return this.#readCurrent(what);
  }

  /** Reads an EF to its last byte (fewer bytes than asked, or 6B00, mark the end). */
  async #readToEnd(ef: number, what: string): Promise<Uint8Array> {
    await this.#selectEf(ef, what);
    const parts: Uint8Array[] = [];
    let have = 0;
    for (;;) {
      const chunk = await this.#readChunk(have, 256, what);
      parts.push(chunk);
      have += chunk.length;
      if (chunk.length < 256) return concat(...parts);
    }
  }

  /** The AP's CV certificate, checked against the CV root when one was given. */
  async #apIssuer(ef: number, what: string): Promise<CvCertificate> {
    let cv: CvCertificate;
    try {
      cv = parseCvCertificate(await this.#readEf(ef, `the ${what} CV certificate`));
    } catch (e) {
      if (e instanceof CardError) throw e;
      throw new CardDataInvalidError(`the ${what} CV certificate`);
    }
    if (this.#cvRoot) {
      const ok = verifyPkcs1(this.#cvRoot, digestInfo('SHA-256', await sha256(cv.body)), cv.signature);
      if (!ok) throw new CardDataInvalidError(`the ${what} CV certificate`);
    }
    return cv;
  }

  /**
   * The 個人番号, the 4 items, or both, read with the card-info PIN or a
   * 照合番号 (A opens the 個人番号, B the 4 items) and checked against the
   * integrity record signed by the AP's issuer key.
   */
  async readCardInfo(credential: CardInfoCredential): Promise<Partial<CardInfo>> {
    await this.#openCardInfo(credential);
    const wantNumber = !('verificationCodeB' in credential);
    const wantInfo = !('verificationCodeA' in credential);
    // the hash covers the EF's 17 physical bytes, filler included: read to the end, not the TLV
    const numberFile = wantNumber
      ? await this.#readToEnd(CARD_INFO_EF.individualNumber, 'the 個人番号')
      : undefined;
    const infoFile = wantInfo ? await this.#readEf(CARD_INFO_EF.basicInfo, 'the 4 items') : undefined;
    const integrityFile = await this.#readEf(CARD_INFO_EF.integrity, 'the integrity record');
    const cv = await this.#apIssuer(CARD_INFO_EF.cvCertificate, 'card-info AP');
    try {
      const integrity = parseIntegrity(integrityFile);
      const signedOk = verifyPkcs1(
        cv.publicKey,
        digestInfo('SHA-256', await sha256(integrity.signed)),
        integrity.signature,
      );
      if (!signedOk) throw new CardDataInvalidError('the integrity record');
      const out: Partial<CardInfo> = {};
      if (numberFile) {
        if (!equalBytes(await sha256(numberFile), integrity.individualNumberHash))
          throw new CardDataInvalidError('the 個人番号');
        out.individualNumber = parseIndividualNumber(numberFile);
      }
      if (infoFile) {
        const parsed = parseBasicInfo(infoFile);
        if (!equalBytes(await sha256(parsed.hashed), integrity.basicInfoHash))
          throw new CardDataInvalidError('the 4 items');
        out.basicInfo = parsed.info;
      }
      return out;
    } catch (e) {
      if (e instanceof CardError) throw e;
      throw new CardDataInvalidError('the card-info AP data');
    }
  }

  /**
   * The raw files a verifier checks on its own side (the platform): EF 0002 (4
   * items), EF 0003 (integrity record) and EF 0004 (the AP issuer's CV
   * certificate), opened with the card-info PIN or 照合番号B — never the 個人番号.
   */
  async readCardInfoFiles(
    credential: { pin: string } | { verificationCodeB: string },
  ): Promise<{ basicInfo: Uint8Array; integrity: Uint8Array; cvCertificate: Uint8Array }> {
    await this.#openCardInfo(credential);
    return {
      basicInfo: await this.#readEf(CARD_INFO_EF.basicInfo, 'the 4 items'),
      integrity: await this.#readEf(CARD_INFO_EF.integrity, 'the integrity record'),
      cvCertificate: await this.#readEf(CARD_INFO_EF.cvCertificate, 'the card-info AP CV certificate'),
    };
  }

  async readIndividualNumber(credential: { pin: string } | { verificationCodeA: string }): Promise<string> {
    return (await this.readCardInfo(credential)).individualNumber!;
  }

  async readBasicInfo(credential: { pin: string } | { verificationCodeB: string }): Promise<CardBasicInfo> {
    return (await this.readCardInfo(credential)).basicInfo!;
  }

  // ---- 券面AP -------------------------------------------------------------

  /** The card face (photo, name and address images …), checked against its signature. */
  async readCardFace(
    credential: { verificationCodeA: string } | { verificationCodeB: string },
  ): Promise<ReadCardFace> {
    await this.#selectAp(fromHex(AID.cardFace), 'card-face AP');
    const withA = 'verificationCodeA' in credential;
    if (withA)
      await this.#verify('verificationCodeA', CARD_FACE_EF.verificationCodeA, credential.verificationCodeA);
    else
      await this.#verify('verificationCodeB', CARD_FACE_EF.verificationCodeB, credential.verificationCodeB);
    const file = await this.#readEf(CARD_FACE_EF.face, 'the card face');
    const numberImage = withA
      ? await this.#readEf(CARD_FACE_EF.individualNumberImage, 'the 個人番号 image')
      : undefined;
    const cv = await this.#apIssuer(CARD_FACE_EF.cvCertificate, 'card-face AP');
    try {
      const parsed = parseCardFace(file);
      const value = concat(...(await Promise.all(parsed.signedParts.map(sha256))));
      if (!verifyPkcs1(cv.publicKey, digestInfo('SHA-256', value), parsed.signature))
        throw new CardDataInvalidError('the card face');
      return {
        ...parsed.face,
        individualNumberImage: numberImage ? parseIndividualNumberImage(numberImage) : undefined,
      };
    } catch (e) {
      if (e instanceof CardError) throw e;
      throw new CardDataInvalidError('the card face data');
    }
  }
}

export type CardInfoCredential =
  | { pin: string }
  | { verificationCodeA: string }
  | { verificationCodeB: string };
