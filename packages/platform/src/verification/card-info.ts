import { createHash } from 'node:crypto';
import { equalBytes, fromBase64 } from '@honnin/card/apdu/bytes';
import { parseBasicInfo, parseIntegrity } from '@honnin/card/formats/card-info';
import { parseCvCertificate } from '@honnin/card/formats/cv-certificate';
import { digestInfo, type RsaPublicKey, verifyPkcs1 } from '@honnin/card/formats/rsa';
import type { BasicInfo } from '@honnin/jpki/profile';
import { FlowError } from '../outcomes.ts';

/**
 * The 4 items of a login, as the app read them from the card's
 * 券面事項入力補助AP: the raw EF 0002 (the items), EF 0003 (the integrity record
 * signed by the AP's issuer key) and EF 0004 (that key's CV certificate). The
 * platform checks them itself — the app runs in the citizen's browser — : the
 * items hash to the record's DF32, the record's signature verifies with the CV
 * certificate's key, and that certificate is signed by the CV root. EF 0001
 * (the 個人番号) is never read; the record holds only its hash.
 */
export interface CardInfoFiles {
  basicInfo: string;
  integrity: string;
  cvCertificate: string;
}

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

export function verifyCardInfo(input: unknown, cvRoot: RsaPublicKey): BasicInfo {
  const files = input as Partial<CardInfoFiles> | undefined;
  if (
    typeof files?.basicInfo !== 'string' ||
    typeof files.integrity !== 'string' ||
    typeof files.cvCertificate !== 'string'
  )
    throw new FlowError('card_error', 'the app must send basicInfo, integrity and cvCertificate');
  let parsed: ReturnType<typeof parseBasicInfo>;
  let integrity: ReturnType<typeof parseIntegrity>;
  let cv: ReturnType<typeof parseCvCertificate>;
  try {
    parsed = parseBasicInfo(fromBase64(files.basicInfo));
    integrity = parseIntegrity(fromBase64(files.integrity));
    cv = parseCvCertificate(fromBase64(files.cvCertificate));
  } catch (e) {
    throw new FlowError('card_error', `the card-info data is malformed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!verifyPkcs1(cvRoot, digestInfo('SHA-256', sha256(cv.body)), cv.signature))
    throw new FlowError('signature_invalid', 'the card-info AP key is not certified by the CV root');
  if (!verifyPkcs1(cv.publicKey, digestInfo('SHA-256', sha256(integrity.signed)), integrity.signature))
    throw new FlowError(
      'signature_invalid',
      'the card-info integrity record is not signed by its issuer key',
    );
  if (!equalBytes(sha256(parsed.hashed), integrity.basicInfoHash))
    throw new FlowError('signature_invalid', 'the 4 items do not match the integrity record');
  return parsed.info;
}
