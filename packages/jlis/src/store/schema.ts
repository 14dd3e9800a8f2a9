import type { CertPurpose } from '@honnin/jpki/profile';

export type HolderStatus = 'resident' | 'deceased' | 'emigrated';
export type CardStatus = 'active' | 'lost' | 'revoked';

/**
 * J-LIS's tables. Times are epoch milliseconds; DER and keys are bytes.
 * Serials are upper-case hex without leading zeros, unique per purpose across
 * every CA generation (so a serial alone names a certificate of a purpose).
 */
export interface JlisDB {
  ca: {
    id: string; // e.g. "signature-2026a"
    purpose: CertPurpose;
    generation: string; // label shown to people: "2026a"
    cert_der: Uint8Array;
    key_pem: string; // PKCS#8, encrypted when a passphrase is configured
    not_before: number;
    not_after: number;
    created_at: number;
    active: number; // 1 for the generation that issues now
    /** counts revocations of certificates this generation issued (a CRL is stale when it lags) */
    revocations: number;
  };
  serial_counter: {
    purpose: CertPurpose;
    next: number;
  };
  holder: {
    id: string;
    name: string;
    name_flags: string;
    address: string;
    address_flags: string;
    birth_date: string; // YYYY-MM-DD
    sex: string;
    municipality_code: string;
    created_at: number;
    updated_at: number;
    /** resident (住民), or the event that ended residence: deceased, emigrated */
    status: HolderStatus;
  };
  card: {
    id: string;
    holder_id: string;
    token: 'card' | 'android' | 'iphone';
    issued_at: number;
    expires_at: number;
    /** active; lost (certificates on hold); revoked (holder died or emigrated) */
    status: CardStatus;
  };
  certificate: {
    purpose: CertPurpose;
    serial: string;
    ca_id: string;
    card_id: string;
    holder_id: string;
    municipality_code: string;
    der: Uint8Array;
    not_before: number;
    not_after: number;
    issued_at: number;
    revoked_at: number | null;
    /** RFC 5280 CRLReason code (0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation, 6 certificateHold) */
    revocation_reason: number | null;
    /** the life event that revoked it: move, rename, renewal, loss, death, emigration, request */
    revocation_event: string | null;
    /** serial of the certificate of the same purpose that replaced this one */
    successor_serial: string | null;
    predecessor_serial: string | null;
  };
  /** approved signature verifiers (署名検証者), platform operators among them */
  verifier: {
    id: string;
    name: string;
    /** SHA-256 (hex) of the API key; the key itself is shown once */
    key_hash: string;
    /** the key's first characters, to tell keys apart in listings */
    key_hint: string;
    created_at: number;
    disabled_at: number | null;
  };
  /** one metered answer to a verifier (the fee meter's journal) */
  fee_event: {
    id: string;
    verifier_id: string;
    at: number;
    /** YYYY-MM in Japan time */
    month: string;
    kind: FeeKind;
    /** how the verifier asked: ocsp, crl (reported CRL checks), link, successor, age */
    channel: FeeChannel;
    purpose: CertPurpose;
    serial: string;
    /** J-LIS's holder id; null for certificates J-LIS does not know */
    holder_id: string | null;
    yen: number;
  };
  /** 現況確認 counted this year for a holder (one charge per verifier, holder, year and purpose) */
  status_check: {
    verifier_id: string;
    holder_id: string;
    year: number;
    purpose: CertPurpose;
  };
  /** delegated OCSP responders, one current per CA generation, rotated before they expire */
  ocsp_responder: {
    id: string;
    ca_id: string;
    cert_der: Uint8Array;
    key_pem: string; // PKCS#8, encrypted like the CA keys
    not_before: number;
    not_after: number;
    created_at: number;
  };
  /** the current CRL of each CA generation */
  crl: {
    ca_id: string;
    number: number;
    this_update: number;
    next_update: number;
    /** the generation's revocation counter the CRL covers (ca.revocations when it was made) */
    revocations: number;
    entries: number;
    size: number;
    sha256: string;
    chunks: number;
  };
  /** a CRL's DER in pieces of up to 1 MiB (a CRL of millions of entries never sits in memory whole) */
  crl_chunk: {
    ca_id: string;
    number: number;
    seq: number;
    data: Uint8Array;
  };
}

export type FeeKind = 'validity' | 'statusCheck' | 'link' | 'unknown';
export type FeeChannel = 'ocsp' | 'crl' | 'link' | 'successor' | 'age';
