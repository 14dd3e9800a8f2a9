import type { RelyingPartyDB } from '../../relying-party/store.ts';
import type { WebDB } from '../../web/session.ts';

/**
 * The drone registration service's own data (its SQLite file or PostgreSQL
 * schema). It keeps what registering an aircraft needs — the owner's details,
 * the aircraft, the user — and verification evidence: when, how, with what
 * result and a reference; never the 個人番号, never certificates.
 */
export interface AccountTable {
  id: string;
  email: string;
  password_hash: string;
  /** the signup form's key: a resubmitted signup finds the account it created */
  signup_key: string;
  name: string;
  reading: string;
  postcode: string;
  address: string;
  birth_date: string;
  phone: string;
  /** 性別 from the card ('1' | '2' | '9'): stored as the seeds say, never shown */
  sex: string | null;
  /** the platform's pairwise subject once the card verified this account */
  platform_sub: string | null;
  identity_verified_at: number | null;
  created_at: number;
  updated_at: number;
}

export type ApplicationStatus = 'draft' | 'verifying' | 'received' | 'fee_due' | 'paid' | 'registered';

/** Where the identity verification after 登録申請 stands. */
export type VerificationStage =
  | 'mail_check'
  | 'precautions'
  | 'sign'
  | 'mismatch'
  | 'resign'
  | 'user_auth'
  | 'done';

export interface ApplicationTable {
  id: string;
  account_id: string;
  /** 申請番号, given at 登録申請 */
  number: string | null;
  status: ApplicationStatus;
  /** STEP 01: how identity is verified */
  method: string | null;
  /** STEP 02, JSON (see application/fields.ts Owner) */
  owner: string | null;
  /** STEP 04, JSON: { same: true } or { same: false, person: … } */
  user_info: string | null;
  stage: VerificationStage | null;
  /** the web session running the verification (another one restarts it) */
  session_id: string | null;
  mail_token_hash: string | null;
  mail_token_expires_at: number | null;
  mail_checked_at: number | null;
  /** increases with every signature started: an old callback cannot complete a newer attempt */
  attempt: number;
  /** when the signature was verified: the 5-minute window for user authentication starts here */
  signed_at: number | null;
  signed_digest: string | null;
  signed_sub: string | null;
  /** the card's name/address/birth date/sex while the citizen confirms the overwrite (JSON) */
  card_info: string | null;
  fee_yen: number | null;
  /** 納付番号 for the fee */
  payment_number: string | null;
  created_at: number;
  updated_at: number;
  submitted_at: number | null;
  completed_at: number | null;
  reviewed_at: number | null;
  paid_at: number | null;
  registered_at: number | null;
}

export interface AircraftTable {
  id: string;
  application_id: string;
  /** the add form's key: resubmitting it does not add a second aircraft */
  form_key: string;
  position: number;
  manufacturing_type: string;
  maker: string;
  model: string;
  category: string;
  serial: string;
  remote_id_type: string;
  remote_id_maker: string | null;
  remote_id_model: string | null;
  remote_id_serial: string | null;
  altered: number;
  /** 登録記号, issued when the registration completes */
  registration_number: string | null;
  created_at: number;
  updated_at: number;
}

export interface EvidenceTable {
  id: string;
  application_id: string;
  at: number;
  /** 'mail_check' | 'signature' | 'user_auth' */
  step: string;
  /** 'email' | 'jpki_signature' | 'jpki_user_authentication' */
  method: string;
  /** 'ok', or what went wrong (an outcome code, 'basic_info_mismatch', 'window_expired', …) */
  result: string;
  detail: string | null;
  /** the platform's reference: signing transaction id, or the pairwise subject */
  reference: string | null;
  certificate_serial: string | null;
  document_digest: string | null;
}

export interface OutboxTable {
  id: string;
  /** one mail per event, however often the event is retried */
  dedupe_key: string;
  mail_to: string;
  subject: string;
  body: string;
  created_at: number;
  next_attempt_at: number;
  attempts: number;
  sent_at: number | null;
  last_error: string | null;
}

export interface DipsDB extends WebDB, RelyingPartyDB {
  account: AccountTable;
  application: ApplicationTable;
  aircraft: AircraftTable;
  evidence: EvidenceTable;
  outbox: OutboxTable;
}
