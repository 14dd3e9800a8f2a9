import { randomBytes } from 'node:crypto';
import { ageOn, eraYYMMDD, japanDate, validateBasicInfo } from '@honnin/jpki/profile';
import { HonninError } from '@honnin/runtime/errors';
import type { Applet, PinRecord } from '../applets/applet.ts';
import { pinFormatOk } from '../applets/applet.ts';
import { JPKI_KEY, jpkiApplet, jpkiPins } from '../applets/jpki.ts';
import type { TokenKind } from '../card.ts';
import type { ApIssuers } from './ap-issuers.ts';
import { rsaPublicKey } from './ap-issuers.ts';
import { cardFaceApplet, cardFacePins } from './card-face-ap.ts';
import { cardInfoApplet, cardInfoPins } from './card-info-ap.ts';
import { CardKeyStore } from './card-keys.ts';
import type { Certifier, Holder } from './certification.ts';
import { isValidIndividualNumber, randomIndividualNumber } from './individual-number.ts';
import { verificationCodeB } from './verification-code.ts';

/** The key on the visual AP whose public half is printed into the face record. */
export const CARD_FACE_KEY = 'cardFace.card';

export interface IssueCardInput {
  holder: Holder;
  token?: TokenKind | undefined;
  /** 利用者証明用暗証番号, 4 digits */
  authPin: string;
  /** 署名用パスワード, 6–16 of A–Z 0–9 (upper-cased); ignored under 15 */
  signPassword?: string | undefined;
  /** 券面事項入力補助用暗証番号, 4 digits (default: the auth PIN, as most holders choose) */
  cardInfoPin?: string | undefined;
  /** the 4-digit security code printed on the card (random when absent) */
  securityCode?: string | undefined;
  /** a fixed 個人番号 (demo cards); random with a valid check digit when absent */
  individualNumber?: string | undefined;
  label?: string | undefined;
}

/** What is written to a new card: its applets, PIN table and keys. */
export interface CardImage {
  token: TokenKind;
  applets: Applet[];
  pins: Map<string, PinRecord>;
}

export interface IssuedVirtualCard {
  image: CardImage;
  keys: CardKeyStore;
  label: string;
  holderName: string;
  jlisCardId: string;
  expiresAt: Date;
  hasSignature: boolean;
  /** shown once to whoever issued the card (the holder's envelope); never stored in clear */
  envelope: { verificationCodeB: string; securityCode: string };
}

export class CardIssueError extends HonninError {}

/** Under 15 no signature certificate (pki.md). */
const SIGNATURE_MIN_AGE = 15;

/**
 * Issues a card as a municipal office does: the card generates its keys, J-LIS
 * certifies them, the text and visual APs are written and signed by their issuer
 * keys, and the PINs the holder chose are set.
 */
export async function issueCard(
  input: IssueCardInput,
  deps: { certifier: Certifier; issuers: ApIssuers; now?: () => Date },
): Promise<IssuedVirtualCard> {
  const token = input.token ?? 'card';
  const now = deps.now?.() ?? new Date();
  const signPassword = input.signPassword?.toUpperCase();
  const cardInfoPin = input.cardInfoPin ?? input.authPin;
  const securityCode = input.securityCode ?? String(randomBytes(2).readUInt16BE() % 10000).padStart(4, '0');
  const individualNumber = input.individualNumber ?? randomIndividualNumber((n) => randomBytes(n));

  const problems = validateBasicInfo(input.holder);
  if (!pinFormatOk('digits4', input.authPin)) problems.push('authPin must be 4 digits');
  if (signPassword !== undefined && !pinFormatOk('password', signPassword))
    problems.push('signPassword must be 6–16 letters A–Z and digits');
  if (!pinFormatOk('digits4', cardInfoPin)) problems.push('cardInfoPin must be 4 digits');
  if (!/^[0-9]{4}$/.test(securityCode)) problems.push('securityCode must be 4 digits');
  if (!isValidIndividualNumber(individualNumber))
    problems.push('individualNumber must be 12 digits with a valid check digit');
  if (problems.length)
    throw new CardIssueError('card_issue_invalid', problems.join('; '), { details: { problems } });

  const withSignature = ageOn(input.holder.birthDate, now) >= SIGNATURE_MIN_AGE && signPassword !== undefined;
  const keyNames: string[] = [JPKI_KEY.auth];
  if (withSignature) keyNames.push(JPKI_KEY.signature);
  if (token === 'card') keyNames.push(CARD_FACE_KEY);
  const keys = await CardKeyStore.generate(keyNames);

  const certified = await deps.certifier.certify({
    holder: input.holder,
    token,
    authPublicKey: keys.publicKey(JPKI_KEY.auth),
    signaturePublicKey: withSignature ? keys.publicKey(JPKI_KEY.signature) : undefined,
  });
  const signature = withSignature ? certified.signature : undefined;

  const codeB = verificationCodeB(input.holder.birthDate, certified.expiresAt, securityCode);
  const applets: Applet[] = [
    jpkiApplet({
      token,
      authCertificate: certified.auth.certificate,
      authCaCertificate: certified.auth.caCertificate,
      signature: signature
        ? { certificate: signature.certificate, caCertificate: signature.caCertificate }
        : undefined,
    }),
  ];
  const pins = jpkiPins({ authPin: input.authPin, signPassword: signature ? signPassword : undefined });
  // smartphone tokens carry the JPKI AP only
  if (token === 'card') {
    const basicInfo = {
      name: input.holder.name,
      address: input.holder.address,
      birthDate: input.holder.birthDate,
      sex: input.holder.sex,
    };
    const info = { individualNumber, basicInfo, pin: cardInfoPin, verificationCodeB: codeB };
    applets.push(cardInfoApplet(info, deps.issuers.cardInfo));
    const face = {
      ...basicInfo,
      expiresOn: japanDate(certified.expiresAt),
      securityCode,
      individualNumber,
      birthDateKey: eraYYMMDD(input.holder.birthDate),
      verificationCodeB: codeB,
      cardPublicKey: rsaPublicKey(keys.publicKey(CARD_FACE_KEY)),
    };
    applets.push(cardFaceApplet(face, deps.issuers.cardFace, input.holder.municipalityCode));
    for (const m of [cardInfoPins(info), cardFacePins(face)]) for (const [k, v] of m) pins.set(k, v);
  }
  return {
    image: { token, applets, pins },
    keys,
    label: input.label ?? input.holder.name,
    holderName: input.holder.name,
    jlisCardId: certified.jlisCardId,
    expiresAt: certified.expiresAt,
    hasSignature: signature !== undefined,
    envelope: { verificationCodeB: codeB, securityCode },
  };
}
