/**
 * The identity platform's tables. Times are epoch milliseconds; JSON is text.
 * Personal data (the 4 items) is kept only encrypted and only as long as the
 * relying party may still fetch it with its access token.
 */
export interface PlatformDB {
  /** oidc-provider's models (sessions, codes, tokens, grants, interactions, …) */
  oidc_model: {
    kind: string;
    id: string;
    payload: string;
    grant_id: string | null;
    user_code: string | null;
    uid: string | null;
    expires_at: number | null;
    consumed_at: number | null;
  };
  /** ES256 keys that sign ID tokens; rotated, published ahead and kept after retirement */
  signing_key: {
    kid: string;
    private_jwk: string;
    created_at: number;
    /** signs from this time on (published in the JWKS before); a newer active key retires it */
    active_from: number;
  };
  /** secrets every instance shares: cookie keys, HMAC keys, the pairwise salt */
  platform_secret: {
    name: string;
    value: string;
    created_at: number;
  };
  /** relying parties (サービス提供者) */
  client: {
    client_id: string;
    name: string;
    name_en: string | null;
    redirect_uris: string;
    post_logout_redirect_uris: string;
    jwks: string | null;
    jwks_uri: string | null;
    scopes: string;
    certified_verifier: number;
    test_mode: number;
    created_at: number;
    updated_at: number;
    disabled_at: number | null;
  };
  /** a person as the platform knows them: a stable id behind the pairwise subs */
  citizen: {
    id: string;
    created_at: number;
  };
  /** certificate serials seen for a citizen (renewals and moves add new ones) */
  citizen_certificate: {
    purpose: string;
    serial: string;
    citizen_id: string;
    first_seen_at: number;
    last_seen_at: number;
    /** when J-LIS was asked for this certificate's successor (新旧紐付け): each one is asked once */
    successor_checked_at: number | null;
  };
  /** how far the platform followed each CA generation's CRL for replaced certificates (every instance shares it) */
  crl_follow: {
    ca_id: string;
    /** J-LIS's ETag of the CRL last followed (If-None-Match) */
    etag: string;
    /** that CRL's thisUpdate: entries revoked since (less a margin) are the new ones */
    this_update: number;
    updated_at: number;
  };
  /** a registered app (デジタル認証アプリ) on one device */
  app_installation: {
    id: string;
    citizen_id: string | null;
    terms_version: string;
    privacy_version: string;
    created_at: number;
    last_used_at: number;
  };
  /** the device unlock of an installation, as a WebAuthn credential */
  passkey: {
    credential_id: string;
    installation_id: string;
    public_key: Uint8Array;
    counter: number;
    transports: string;
    created_at: number;
    last_used_at: number | null;
  };
  /** a signing transaction prepared by a relying party */
  sign_transaction: {
    id: string;
    client_id: string;
    /** the DigestInfo (DER) the card signs */
    digest_info: Uint8Array;
    hash_algorithm: string;
    /** what the citizen is shown: JSON {title, documentName, summary, …} */
    display: string;
    container: string;
    status: string;
    created_at: number;
    expires_at: number;
    completed_at: number | null;
    citizen_id: string | null;
    /** the grant whose access token may fetch the result */
    grant_id: string | null;
    /** no longer written: results are sealed (sealed_result); rows of older versions are sealed at start */
    signature: Uint8Array | null;
    certificate: Uint8Array | null;
    verification: string | null;
    error_code: string | null;
    /** the result (signature, certificate, verification with the signer's 4 items), sealed until fetched or expired */
    sealed_result: string | null;
  };
  /** what happened in a transaction (login flow or signing), for the relying party */
  transaction_event: {
    id: string;
    transaction_id: string;
    client_id: string;
    at: number;
    seq: number;
    type: string;
    detail: string;
  };
  /** J-LIS fees the platform paid on a relying party's behalf */
  fee: {
    id: string;
    client_id: string;
    transaction_id: string;
    item: string;
    yen: number;
    at: number;
  };
  /** the identity released to a relying party, encrypted, until its tokens expire */
  released_identity: {
    grant_id: string;
    citizen_id: string;
    sealed: string;
    expires_at: number;
  };
}
