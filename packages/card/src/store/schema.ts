/** The cards part's tables (its own SQLite file / PostgreSQL schema). */
export interface CardsDB {
  card: CardRow;
  issuer_key: IssuerKeyRow;
}

export interface CardRow {
  id: string;
  label: string;
  token: string;
  holder_name: string;
  jlis_card_id: string;
  has_signature: number;
  expires_at: number;
  created_at: number;
  /** set while the card is out of the reader (the wallet's "remove" button) */
  removed_at: number | null;
  /** tries left per PIN, in clear for listing: `{ "jpki.auth": { triesLeft, maxTries } … }` */
  pin_status: string;
  /** the applets' files (個人番号 included), sealed */
  image: Uint8Array;
  /** the PIN table with the PIN values, sealed */
  pins: Uint8Array;
  /** the private keys, sealed */
  keys: Uint8Array;
}

export interface IssuerKeyRow {
  name: string;
  /** PKCS#8, sealed */
  key: Uint8Array;
  created_at: number;
}
