import { createPrivateKey, generateKeyPairSync, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { sha256WithRSA, toAsnName } from '@honnin/jlis/ca/x509';
import type { DistinguishedName } from '@honnin/jpki/profile';
import { HonninError, type Kysely, type Storage } from '@honnin/runtime';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as ax from '@peculiar/asn1-x509';
import type { QualificationsDB } from '../store/schema.ts';

/** Sends a PKCS#10 request to the official-status CA; returns the certificate (DER). */
export type Enroll = (csrDer: Uint8Array) => Promise<Uint8Array>;

/** Enrollment over the CA's HTTP API. */
export function enrollWithOfficialCa(caUrl: string, token: string, fetchFn: typeof fetch = fetch): Enroll {
  return async (csrDer) => {
    let res: Response;
    try {
      res = await fetchFn(`${caUrl}/certificates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ csr: Buffer.from(csrDer).toString('base64') }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      throw new HonninError(
        'signing_key_enrollment_failed',
        `official-status CA unreachable: ${(e as Error).message}`,
        {
          status: 503,
          cause: e,
        },
      );
    }
    if (res.status !== 201) {
      throw new HonninError('signing_key_enrollment_failed', `official-status CA answered ${res.status}`, {
        status: 502,
        details: { body: (await res.text()).slice(0, 200) },
      });
    }
    return new Uint8Array(await res.arrayBuffer());
  };
}

export function buildCsr(subject: DistinguishedName, privateKey: KeyObject, spkiDer: Uint8Array): Uint8Array {
  const info = new CertificationRequestInfo({
    version: 0,
    subject: toAsnName(subject),
    subjectPKInfo: AsnConvert.parse(spkiDer, ax.SubjectPublicKeyInfo),
  });
  const infoDer = new Uint8Array(AsnConvert.serialize(info));
  const csr = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: sha256WithRSA(),
    signature: new Uint8Array(sign('sha256', infoDer, privateKey)).buffer as ArrayBuffer,
  });
  return new Uint8Array(AsnConvert.serialize(csr));
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  certificate: X509Certificate;
  /** the official named in the certificate (IN in records) */
  issuerName: string;
}

/**
 * The record-signing keys (官職証明書 keys) of the qualification system. Each has
 * a key id "P-000001", "P-000002", …; the newest is active, older ones stay
 * published so records they signed keep verifying.
 */
export class SigningKeys {
  readonly #storage: Storage<QualificationsDB>;
  readonly #enroll: Enroll;
  readonly #subject: DistinguishedName;
  readonly #passphrase: string | undefined;
  readonly #now: () => Date;
  #active: SigningKey | undefined;

  constructor(
    storage: Storage<QualificationsDB>,
    opts: {
      enroll: Enroll;
      subject: DistinguishedName;
      keyPassphrase?: string | undefined;
      now?: () => Date;
    },
  ) {
    this.#storage = storage;
    this.#enroll = opts.enroll;
    this.#subject = opts.subject;
    this.#passphrase = opts.keyPassphrase;
    this.#now = opts.now ?? (() => new Date());
  }

  /**
   * The active key; enrolls one with the CA the first time. The stored active
   * key id is read on every call (one small indexed query) and the key opened
   * again only when it changed: `qualifications rotate-key` runs in another
   * process, and every instance must sign with the new key at once. Inside a
   * transaction, pass it (and call once before it, so a first key is enrolled).
   */
  async active(trx?: Kysely<QualificationsDB>): Promise<SigningKey> {
    // inside a transaction, through it: SQLite has one connection
    const db = trx ?? this.#storage.db;
    const current = await db
      .selectFrom('signing_key')
      .select('id')
      .where('active', '=', 1)
      .executeTakeFirst();
    if (!current) return this.rotate();
    if (this.#active?.keyId === current.id) return this.#active;
    // keys are never deleted: the row is there
    const row = await db
      .selectFrom('signing_key')
      .selectAll()
      .where('id', '=', current.id)
      .executeTakeFirstOrThrow();
    this.#active = this.#load(row.id, row.key_pem, row.cert_der);
    return this.#active;
  }

  #load(keyId: string, keyPem: string, certDer: Uint8Array): SigningKey {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(
        this.#passphrase ? { key: keyPem, passphrase: this.#passphrase } : keyPem,
      );
    } catch (e) {
      throw new HonninError('signing_key_locked', `signing key ${keyId} cannot be opened (key passphrase?)`, {
        status: 500,
        cause: e,
      });
    }
    const certificate = new X509Certificate(certDer);
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1] ?? keyId;
    return { keyId, privateKey, certificate, issuerName: cn };
  }

  /** A new key, certified by the CA, that signs from now on. */
  async rotate(): Promise<SigningKey> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const certDer = await this.#enroll(buildCsr(this.#subject, privateKey, spkiDer));
    const cert = new X509Certificate(certDer);
    if (!cert.publicKey.equals(publicKey)) {
      throw new HonninError('signing_key_enrollment_failed', 'the CA certified a different key', {
        status: 502,
      });
    }
    const keyPem = privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      ...(this.#passphrase ? { cipher: 'aes-256-cbc', passphrase: this.#passphrase } : {}),
    }) as string;
    const keyId = await this.#storage.db.transaction().execute(async (trx) => {
      const { n } = await trx
        .selectFrom('signing_key')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const id = `P-${String(Number(n) + 1).padStart(6, '0')}`;
      await trx.updateTable('signing_key').set({ active: 0 }).execute();
      await trx
        .insertInto('signing_key')
        .values({ id, key_pem: keyPem, cert_der: certDer, created_at: this.#now().getTime(), active: 1 })
        .execute();
      return id;
    });
    this.#active = this.#load(keyId, keyPem, certDer);
    return this.#active;
  }

  /** The certificate (DER) of any key, active or retired. */
  async certificate(keyId: string): Promise<Uint8Array | undefined> {
    const row = await this.#storage.db
      .selectFrom('signing_key')
      .select('cert_der')
      .where('id', '=', keyId)
      .executeTakeFirst();
    return row ? new Uint8Array(row.cert_der) : undefined;
  }

  async list(): Promise<{ keyId: string; active: boolean; createdAt: number; serial: string }[]> {
    const rows = await this.#storage.db.selectFrom('signing_key').selectAll().orderBy('id').execute();
    return rows.map((r) => ({
      keyId: r.id,
      active: Number(r.active) === 1,
      createdAt: Number(r.created_at),
      serial: new X509Certificate(r.cert_der).serialNumber,
    }));
  }
}
