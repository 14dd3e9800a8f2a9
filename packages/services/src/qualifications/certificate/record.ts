import { constants, type KeyObject, sign, verify } from 'node:crypto';
import { HonninError } from '@honnin/runtime';
import { Decoder, Encoder, Tag } from 'cbor-x';

/**
 * The digital qualification certificate (デジタル資格者証) as signed data: a
 * COSE_Sign1 (RFC 9052, CBOR tag 18) shaped like the real one (services.md):
 * protected header {1: -37} (PS256: RSA-PSS, SHA-256, salt 32), unprotected
 * header {4: "<key id>"} with the key id as text, empty external AAD, and a
 * payload map with two-letter text keys. Every value is a text string; dates
 * are ISO 8601 calendar dates (YYYY-MM-DD) in Japan time.
 */
export interface QualificationRecord {
  /** CN 資格名称, e.g. "社会福祉士" */
  qualificationName: string;
  /** UN holder's name as on the card (氏名) */
  holderName: string;
  /** UB holder's birth date, YYYY-MM-DD */
  holderBirthDate: string;
  /** RN 登録番号 as the managing body wrote it */
  registrationNumber: string;
  /** RD 登録年月日, YYYY-MM-DD */
  registrationDate: string;
  /** ID issue date of this certificate, YYYY-MM-DD */
  issueDate: string;
  /** IA the body that grants the qualification, e.g. "厚生労働大臣" */
  issuingBody: string;
  /** IN the official whose key signed (the subject of the official-status certificate) */
  issuerName: string;
  /** CI qualification code in the catalogue, 4 digits */
  qualificationId: string;
  /** DN certificate id: "DQ" + 16 upper-case hex digits, unique per issued certificate */
  certificateId: string;
  /** DT type code: "01" digital qualification certificate */
  typeCode: string;
  /** UC user code: the holder's opaque id in the registry (never the 個人番号) */
  userCode: string;
}

/** Two-letter payload keys, in the order the record carries them. */
export const RECORD_KEYS = {
  CN: 'qualificationName',
  UN: 'holderName',
  UB: 'holderBirthDate',
  RN: 'registrationNumber',
  RD: 'registrationDate',
  ID: 'issueDate',
  IA: 'issuingBody',
  IN: 'issuerName',
  CI: 'qualificationId',
  DN: 'certificateId',
  DT: 'typeCode',
  UC: 'userCode',
} as const satisfies Record<string, keyof QualificationRecord>;

export const TYPE_CODE_DIGITAL_CERTIFICATE = '01';
/** COSE algorithm PS256 */
export const ALG_PS256 = -37;
const HEADER_ALG = 1;
const HEADER_KID = 4;
const COSE_SIGN1_TAG = 18;
/** tag 18 as its one-byte CBOR head (major type 6) */
const COSE_SIGN1_TAG_BYTE = 0xd2;
/** A record is a few hundred bytes; anything far larger is not one of ours. */
export const MAX_RECORD_BYTES = 4096;

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });
// cbor-x hands back a view of a buffer it reuses on the next call: copy it
const cbor = (value: unknown) => new Uint8Array(encoder.encode(value));

/** Why a byte string is not a valid record; each has a message on the verification page. */
export type RecordProblem =
  | 'not_cbor'
  | 'not_cose_sign1'
  | 'unsupported_algorithm'
  | 'key_id_missing'
  | 'payload_invalid'
  | 'signature_invalid';

export class RecordError extends HonninError {
  readonly problem: RecordProblem;
  constructor(problem: RecordProblem, message: string) {
    super(`record_${problem}`, message, { status: 400 });
    this.problem = problem;
  }
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;

function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return cbor(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

export function encodePayload(record: QualificationRecord): Uint8Array {
  const map = new Map<string, string>();
  for (const [key, field] of Object.entries(RECORD_KEYS)) map.set(key, record[field]);
  return cbor(map);
}

/** Signs a record with an RSA key; returns the tagged COSE_Sign1 bytes. */
export function signRecord(record: QualificationRecord, keyId: string, privateKey: KeyObject): Uint8Array {
  const protectedBytes = cbor(new Map([[HEADER_ALG, ALG_PS256]]));
  const payload = encodePayload(record);
  const signature = sign('sha256', sigStructure(protectedBytes, payload), { key: privateKey, ...PSS });
  return cbor(
    new Tag(
      [protectedBytes, new Map([[HEADER_KID, keyId]]), payload, new Uint8Array(signature)],
      COSE_SIGN1_TAG,
    ),
  );
}

/** A COSE_Sign1 taken apart but not yet trusted. */
export interface OpenedRecord {
  keyId: string;
  protectedBytes: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    throw new RecordError('not_cbor', `${what} is not well-formed CBOR: ${(e as Error).message}`);
  }
}

/** Decodes the COSE_Sign1 structure; the signature is not checked yet. */
export function openRecord(bytes: Uint8Array): OpenedRecord {
  if (bytes.length > MAX_RECORD_BYTES)
    throw new RecordError('not_cose_sign1', 'data is too large for a record');
  // Read the tag ourselves: cbor-x's tag extensions are process-wide, and
  // another library may have claimed tag 18 for its own class.
  const tagged = bytes[0] === COSE_SIGN1_TAG_BYTE;
  if (!tagged && bytes.length > 0 && bytes[0]! >= 0xc0 && bytes[0]! <= 0xdb) {
    throw new RecordError('not_cose_sign1', 'the data carries a CBOR tag other than COSE_Sign1');
  }
  // The tag is optional in RFC 9052 when the context says what it is; accept both.
  const body = decodeCbor(tagged ? bytes.subarray(1) : bytes, 'the record');
  if (!Array.isArray(body) || body.length !== 4) {
    throw new RecordError('not_cose_sign1', 'the data is not a COSE_Sign1 structure');
  }
  const [protectedBytes, unprotected, payload, signature] = body as unknown[];
  if (!isBytes(protectedBytes) || !(unprotected instanceof Map) || !isBytes(payload) || !isBytes(signature)) {
    throw new RecordError('not_cose_sign1', 'the COSE_Sign1 members have the wrong types');
  }
  const headers = protectedBytes.length ? decodeCbor(protectedBytes, 'the protected header') : new Map();
  if (!(headers instanceof Map)) throw new RecordError('not_cose_sign1', 'the protected header is not a map');
  if (headers.get(HEADER_ALG) !== ALG_PS256) {
    throw new RecordError(
      'unsupported_algorithm',
      `algorithm ${String(headers.get(HEADER_ALG))} is not PS256`,
    );
  }
  const keyId = unprotected.get(HEADER_KID) ?? headers.get(HEADER_KID);
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 64) {
    throw new RecordError('key_id_missing', 'the record names no key id');
  }
  return { keyId, protectedBytes, payload, signature };
}

export function verifyRecordSignature(opened: OpenedRecord, publicKey: KeyObject): boolean {
  return verify(
    'sha256',
    sigStructure(opened.protectedBytes, opened.payload),
    { key: publicKey, ...PSS },
    opened.signature,
  );
}

/** Decodes the payload map; every key must be present and hold text. */
export function decodePayload(payload: Uint8Array): QualificationRecord {
  const map = decodeCbor(payload, 'the payload');
  if (!(map instanceof Map)) throw new RecordError('payload_invalid', 'the payload is not a map');
  const out: Partial<Record<keyof QualificationRecord, string>> = {};
  for (const [key, field] of Object.entries(RECORD_KEYS)) {
    const v = map.get(key);
    if (typeof v !== 'string') throw new RecordError('payload_invalid', `the payload lacks ${key}`);
    out[field] = v;
  }
  return out as QualificationRecord;
}

/**
 * The QR text: `<verify base URL>/w/?c=<record>`. The seed calls the value
 * Base64; we write the URL-safe alphabet without padding (RFC 4648 §5) so the
 * URL needs no escaping, and the verifier reads either alphabet.
 */
export function recordUrl(verifyBaseUrl: string, record: Uint8Array): string {
  return `${verifyBaseUrl.replace(/\/$/, '')}/w/?c=${Buffer.from(record).toString('base64url')}`;
}

/** Bytes from base64 text in either alphabet, padded or not; undefined when it is not base64. */
export function decodeBase64Loose(text: string): Uint8Array | undefined {
  // form decoding turns '+' into ' '; put it back
  const s = text.trim().replace(/ /g, '+').replace(/=+$/, '');
  if (!s || !/^[A-Za-z0-9+/_-]+$/.test(s) || s.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}
