/**
 * The qualification system's tables (国家資格等情報連携・活用システム). Times are
 * epoch ms; dates people enter are YYYY-MM-DD text. The 個人番号 is never stored:
 * a holder is known by the platform's pairwise subject.
 */
export interface QualificationsDB {
  holder: {
    /** the user code (UC) written into certificates: opaque, 12 characters */
    id: string;
    /** the identity platform's subject for this service */
    sub: string;
    name: string;
    address: string;
    birth_date: string;
    sex: string;
    created_at: number;
    updated_at: number;
  };
  application: {
    id: string;
    holder_id: string;
    qualification_id: string;
    /** 'initial' 初期設定申請 | 'change' 書換交付 */
    kind: string;
    /** draft → payment_pending → submitted → approved | rejected */
    status: string;
    /** the 4 items read from the card for this application (JSON) */
    basic_info: string | null;
    registration_number: string | null;
    registration_date: string | null;
    /** the items other than the 4 items a change procedure sets (JSON) */
    changes: string | null;
    consent_at: number | null;
    /** SHA-256 (hex) of the application document the holder signed */
    document_digest: string | null;
    /** the signature and certificate, when the platform hands them over (a certified verifier) */
    signature: Uint8Array | null;
    sign_certificate: Uint8Array | null;
    /** the platform's verification result of the signature (JSON): what a service provider keeps */
    signature_verification: string | null;
    fee: number;
    payment_id: string | null;
    paid_at: number | null;
    submitted_at: number | null;
    decided_at: number | null;
    decision_note: string | null;
    created_at: number;
    updated_at: number;
  };
  attachment: {
    id: string;
    application_id: string;
    file_name: string;
    media_type: string;
    size: number;
    sha256: string;
    content: Uint8Array;
    created_at: number;
  };
  registration: {
    id: string;
    holder_id: string;
    qualification_id: string;
    registration_number: string;
    registration_date: string;
    /** the holder's name as the register holds it (changed by 書換交付) */
    holder_name: string;
    /** items other than the 4 items, as the register holds them (JSON) */
    details: string;
    created_at: number;
    updated_at: number;
  };
  certificate: {
    /** DN: "DQ" + 16 upper-case hex digits */
    id: string;
    registration_id: string;
    key_id: string;
    record: Uint8Array;
    /** valid | revoked | suspended | deleted | replaced */
    status: string;
    replaced_by: string | null;
    issued_at: number;
    status_changed_at: number;
  };
  signing_key: {
    /** the key id written in records, "P-000001" */
    id: string;
    key_pem: string;
    cert_der: Uint8Array;
    created_at: number;
    active: number;
  };
}
