import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { caName, OID } from '@honnin/jpki/profile';
import type { Storage } from '@honnin/runtime';
import type { CertificateAuthorities } from '../ca/authority.ts';
import { exportPrivateKey, importPrivateKey } from '../ca/keys.ts';
import { extensions, KeyUsage, keyIdentifier, signCertificate } from '../ca/x509.ts';
import type { JlisDB } from '../store/schema.ts';

export interface ResponderCertificate {
  caId: string;
  certDer: Uint8Array;
  key: KeyObject;
  /** SHA-1 of the responder's public key: its ResponderID byKey */
  keyHash: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

const DAY = 86_400_000;

/**
 * Delegated OCSP responders (RFC 6960 §4.2.2.2): per CA generation, a key of its
 * own with a certificate the generation's root issues — id-kp-OCSPSigning and
 * id-pkix-ocsp-nocheck — so the root key signs only certificates and CRLs.
 * A responder is replaced once two thirds of its life have passed.
 */
export class ResponderCertificates {
  readonly #storage: Storage<JlisDB>;
  readonly #ca: CertificateAuthorities;
  readonly #passphrase: string | undefined;
  readonly #lifetimeMs: number;
  readonly #now: () => Date;
  readonly #current = new Map<string, ResponderCertificate>();
  readonly #pending = new Map<string, Promise<ResponderCertificate>>();

  constructor(
    storage: Storage<JlisDB>,
    ca: CertificateAuthorities,
    opts: { keyPassphrase?: string | undefined; lifetimeDays?: number | undefined; now?: () => Date } = {},
  ) {
    this.#storage = storage;
    this.#ca = ca;
    this.#passphrase = opts.keyPassphrase;
    this.#lifetimeMs = (opts.lifetimeDays ?? 30) * DAY;
    this.#now = opts.now ?? (() => new Date());
  }

  /** The responder that signs for a CA generation now (created or rotated when due). */
  async current(caId: string): Promise<ResponderCertificate> {
    const cached = this.#current.get(caId);
    if (cached && this.#fresh(cached)) return cached;
    let pending = this.#pending.get(caId);
    if (!pending) {
      pending = this.#loadOrCreate(caId).finally(() => this.#pending.delete(caId));
      this.#pending.set(caId, pending);
    }
    return pending;
  }

  #fresh(r: ResponderCertificate): boolean {
    return r.notAfter.getTime() - this.#now().getTime() > this.#lifetimeMs / 3;
  }

  async #loadOrCreate(caId: string): Promise<ResponderCertificate> {
    // another instance may have rotated already
    const row = await this.#storage.db
      .selectFrom('ocsp_responder')
      .selectAll()
      .where('ca_id', '=', caId)
      .orderBy('not_after', 'desc')
      .executeTakeFirst();
    if (row) {
      const notAfter = new Date(Number(row.not_after));
      // a responder that lives as long as its root is never rotated
      const due = notAfter.getTime() - this.#now().getTime() <= this.#lifetimeMs / 3;
      if (!due || notAfter.getTime() >= this.#ca.get(caId).notAfter.getTime()) {
        const key = importPrivateKey(row.key_pem, this.#passphrase, `OCSP responder of ${caId}`);
        const r: ResponderCertificate = {
          caId,
          certDer: new Uint8Array(row.cert_der),
          key,
          keyHash: keyHashOf(key),
          notBefore: new Date(Number(row.not_before)),
          notAfter,
        };
        this.#current.set(caId, r);
        return r;
      }
    }
    const r = await this.#create(caId);
    this.#current.set(caId, r);
    return r;
  }

  async #create(caId: string): Promise<ResponderCertificate> {
    const ca = this.#ca.get(caId);
    const now = this.#now();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const notBefore = new Date(now.getTime() - 60_000);
    const notAfter = new Date(Math.min(now.getTime() + this.#lifetimeMs, ca.notAfter.getTime()));
    const issuer = caName(ca.purpose, this.#ca.org);
    const certDer = signCertificate(
      {
        serialHex: randomBytes(8).toString('hex'),
        issuer,
        subject: [...issuer, ['CN', `OCSP Responder ${ca.generation}`]],
        notBefore,
        notAfter,
        spkiDer,
        extensions: [
          extensions.keyUsage(KeyUsage.digitalSignature),
          extensions.extKeyUsage([OID.ocspSigning]),
          extensions.ocspNoCheck(),
          extensions.authorityKeyIdentifier(ca.spkiDer),
          extensions.subjectKeyIdentifier(spkiDer),
        ],
      },
      await this.#ca.key(caId),
    );
    await this.#storage.db
      .insertInto('ocsp_responder')
      .values({
        id: randomUUID(),
        ca_id: caId,
        cert_der: certDer,
        key_pem: exportPrivateKey(privateKey, this.#passphrase),
        not_before: notBefore.getTime(),
        not_after: notAfter.getTime(),
        created_at: now.getTime(),
      })
      .execute();
    return { caId, certDer, key: privateKey, keyHash: keyIdentifier(spkiDer), notBefore, notAfter };
  }
}

function keyHashOf(key: KeyObject): Uint8Array {
  return keyIdentifier(new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' })));
}
