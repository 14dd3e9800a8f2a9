import { HonninError } from '@honnin/runtime/errors';
import { type Applet, rewriteFiles } from '../applets/applet.ts';
import { JPKI_EF, JPKI_KEY } from '../applets/jpki.ts';
import { CARD_FACE_EF, parseCardFace } from '../formats/card-face.ts';
import { CARD_INFO_EF, parseBasicInfo } from '../formats/card-info.ts';
import type { CardStore, CardSummary } from '../store/card-store.ts';
import type { ApIssuers } from './ap-issuers.ts';
import { addressImage, encodeFace, faceApInfoFile, nameImage } from './card-face-ap.ts';
import { basicInfoFile, integrityFile } from './card-info-ap.ts';
import type { CardKeyStore } from './card-keys.ts';
import type { CertificationEvent, CertifiedEvent, CertifiedPair, Certifier } from './certification.ts';
import type { CardImage } from './issue-card.ts';

/**
 * What a municipal office does to a card in service (README, "Virtual card"):
 * - `renewal` (電子証明書の更新): new key pairs generated on the card for both
 *   certificates, J-LIS certifies them and supersedes the old ones;
 * - `move` (転居・転入) and `rename` (氏名変更): the 4 items change, so the card
 *   gets a new signature key pair and certificate (J-LIS revokes the old one,
 *   affiliationChanged), the card-info AP's 4 items and integrity record and the
 *   card face are rewritten; the auth certificate is untouched.
 * PINs and their counters stay as they are.
 */
export type CardLifeEvent =
  | { type: 'renewal' }
  | { type: 'move'; address: string; municipalityCode?: string | undefined }
  | { type: 'rename'; name: string };

export class CardLifeEventError extends HonninError {}

/** The chip as the card store hands it to the office: files, PIN table, keys, J-LIS's card id. */
export interface CardChip {
  image: CardImage;
  keys: CardKeyStore;
  jlisCardId: string;
}

export interface RewrittenChip {
  image: CardImage;
  keys: CardKeyStore;
  /** the name the card now carries, when it changed */
  holderName?: string | undefined;
  certified: CertifiedEvent;
}

const chars = (s: string) => [...s].length;

/** Refuses what no office would write, before a key is generated or J-LIS asked. */
function checkEvent(event: CardLifeEvent): void {
  const problems: string[] = [];
  if (event.type === 'move') {
    if (!event.address.trim() || chars(event.address) > 200)
      problems.push('address must hold 1–200 characters');
    if (event.municipalityCode !== undefined && !/^[0-9]{6}$/.test(event.municipalityCode))
      problems.push('municipalityCode must be 6 digits (全国地方公共団体コード)');
  }
  if (event.type === 'rename' && (!event.name.trim() || chars(event.name) > 100))
    problems.push('name must hold 1–100 characters');
  if (problems.length)
    throw new CardLifeEventError('card_event_invalid', problems.join('; '), { details: { problems } });
}

/**
 * Applies a life event to a chip: keys generated on the card, certified by
 * J-LIS, the files rewritten. Returns the new contents; the caller stores them.
 */
export async function rewriteForLifeEvent(
  chip: CardChip,
  event: CardLifeEvent,
  deps: { certifier: Certifier; issuers: ApIssuers },
): Promise<RewrittenChip> {
  checkEvent(event);
  const hasSignature = chip.keys.has(JPKI_KEY.signature);
  const renewed: string[] = event.type === 'renewal' ? [JPKI_KEY.auth] : [];
  if (hasSignature) renewed.push(JPKI_KEY.signature);
  const keys = await chip.keys.replaced(renewed);
  const signaturePublicKey = hasSignature ? keys.publicKey(JPKI_KEY.signature) : undefined;
  const request: CertificationEvent =
    event.type === 'renewal'
      ? { type: 'renewal', authPublicKey: keys.publicKey(JPKI_KEY.auth), signaturePublicKey }
      : {
          type: event.type,
          holder:
            event.type === 'move'
              ? { address: event.address, municipalityCode: event.municipalityCode }
              : { name: event.name },
          signaturePublicKey,
        };
  const certified = await deps.certifier.lifeEvent(chip.jlisCardId, request);
  if ((event.type === 'renewal' && !certified.auth) || (hasSignature && !certified.signature))
    throw new CardLifeEventError(
      'card_jlis_incomplete',
      `J-LIS did not certify every new key of the ${event.type}`,
      { status: 502 },
    );

  const applets = chip.image.applets.map((a): Applet => {
    switch (a.name) {
      case 'jpki':
        return rewriteFiles(a, jpkiFiles(certified));
      case 'cardInfo':
        return event.type === 'renewal' ? a : rewriteCardInfo(a, event, deps.issuers);
      case 'cardFace':
        return event.type === 'renewal' ? a : rewriteCardFace(a, event, deps.issuers);
      default:
        return a;
    }
  });
  return {
    image: { ...chip.image, applets },
    keys,
    holderName: event.type === 'rename' ? event.name : undefined,
    certified,
  };
}

/** The JPKI AP's certificate files J-LIS replaced. */
function jpkiFiles(c: CertifiedEvent): Map<number, Uint8Array> {
  const files = new Map<number, Uint8Array>();
  const put = (pair: CertifiedPair | undefined, cert: number, ca: number) => {
    if (!pair) return;
    files.set(cert, pair.certificate);
    files.set(ca, pair.caCertificate);
  };
  put(c.auth, JPKI_EF.authCertificate, JPKI_EF.authCaCertificate);
  put(c.signature, JPKI_EF.signatureCertificate, JPKI_EF.signatureCaCertificate);
  return files;
}

function file(a: Applet, id: number): Uint8Array {
  const f = a.files.get(id);
  if (f?.type !== 'binary') throw new RangeError(`${a.name} has no EF ${id}`);
  return f.data;
}

type ChangeOf4Items = Exclude<CardLifeEvent, { type: 'renewal' }>;

/** The text AP: the new 4 items and the integrity record over them and the unchanged 個人番号. */
function rewriteCardInfo(a: Applet, event: ChangeOf4Items, issuers: ApIssuers): Applet {
  const current = parseBasicInfo(file(a, CARD_INFO_EF.basicInfo)).info;
  const info = basicInfoFile(
    event.type === 'move' ? { ...current, address: event.address } : { ...current, name: event.name },
  );
  const integrity = integrityFile(file(a, CARD_INFO_EF.individualNumber), info, issuers.cardInfo);
  return rewriteFiles(
    a,
    new Map([
      [CARD_INFO_EF.basicInfo, info],
      [CARD_INFO_EF.integrity, integrity],
    ]),
  );
}

/**
 * The visual AP: the face re-drawn with the new name or address (photo, card
 * key, expiry and security code as they were) and signed again; a move to
 * another municipality also rewrites the AP's municipality code.
 */
function rewriteCardFace(a: Applet, event: ChangeOf4Items, issuers: ApIssuers): Applet {
  const { face } = parseCardFace(file(a, CARD_FACE_EF.face));
  const drawn =
    event.type === 'move'
      ? { ...face, addressImage: addressImage(event.address) }
      : { ...face, nameImage: nameImage(event.name) };
  const files = new Map<number, Uint8Array>([[CARD_FACE_EF.face, encodeFace(drawn, issuers.cardFace)]]);
  if (event.type === 'move' && event.municipalityCode)
    files.set(CARD_FACE_EF.apInfo, faceApInfoFile(event.municipalityCode));
  return rewriteFiles(a, files);
}

/** A life event on a stored card: the chip read, rewritten and written back (PIN counters kept). */
export async function applyLifeEvent(
  store: CardStore,
  id: string,
  event: CardLifeEvent,
  certifier: Certifier,
): Promise<{ card: CardSummary; certified: CertifiedEvent }> {
  const chip = await store.chip(id);
  const next = await rewriteForLifeEvent(chip, event, { certifier, issuers: await store.apIssuers() });
  const card = await store.rewrite(id, {
    applets: next.image.applets,
    keys: next.keys,
    holderName: next.holderName,
  });
  return { card, certified: next.certified };
}
