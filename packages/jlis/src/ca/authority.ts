import { generateKeyPairSync, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { type CertPurpose, caName, SIMULATOR_ORG } from '@honnin/jpki/profile';
import { HonninError, type Storage } from '@honnin/runtime';
import type { JlisDB } from '../store/schema.ts';
import { exportPrivateKey, importPrivateKey } from './keys.ts';
import { extensions, KeyUsage, signCertificate } from './x509.ts';

export interface CaGeneration {
  id: string;
  purpose: CertPurpose;
  generation: string;
  certDer: Uint8Array;
  /** the root's SubjectPublicKeyInfo (DER) */
  spkiDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  active: boolean;
}

export interface AuthorityOptions {
  /** O= of the hierarchy (default JPKI-TEST); the production "JPKI" is refused */
  org?: string | undefined;
  /** encrypts CA keys at rest when set */
  keyPassphrase?: string | undefined;
  /** years a root is valid */
  rootYears?: number | undefined;
  now?: () => Date;
}

export const PURPOSES: readonly CertPurpose[] = ['signature', 'auth'];

/**
 * The CA hierarchies: for each purpose, one self-signed root per generation. The
 * newest active generation issues; older ones keep verifying what they issued
 * (and keep signing its CRLs and OCSP answers).
 */
export class CertificateAuthorities {
  readonly org: string;
  readonly #storage: Storage<JlisDB>;
  readonly #passphrase: string | undefined;
  readonly #rootYears: number;
  readonly #now: () => Date;
  #generations: CaGeneration[] = [];
  readonly #keys = new Map<string, KeyObject>();

  constructor(storage: Storage<JlisDB>, opts: AuthorityOptions = {}) {
    this.org = opts.org ?? SIMULATOR_ORG;
    if (this.org === 'JPKI') {
      throw new HonninError(
        'jlis_production_name',
        'the simulator must not issue under the production O=JPKI',
        { status: 500 },
      );
    }
    this.#storage = storage;
    this.#passphrase = opts.keyPassphrase;
    this.#rootYears = opts.rootYears ?? 12;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Loads the generations; creates the first of each purpose on a fresh store. */
  async init(): Promise<void> {
    await this.reload();
    for (const purpose of PURPOSES) {
      if (!this.#generations.some((g) => g.purpose === purpose)) await this.rollover(purpose);
    }
  }

  async reload(): Promise<void> {
    const rows = await this.#storage.db.selectFrom('ca').selectAll().orderBy('created_at').execute();
    this.#generations = rows.map((r) => ({
      id: r.id,
      purpose: r.purpose,
      generation: r.generation,
      certDer: new Uint8Array(r.cert_der),
      spkiDer: new Uint8Array(
        new X509Certificate(r.cert_der).publicKey.export({ type: 'spki', format: 'der' }),
      ),
      notBefore: new Date(Number(r.not_before)),
      notAfter: new Date(Number(r.not_after)),
      active: Number(r.active) === 1,
    }));
    // keys are opened here, outside any transaction: on SQLite a query for a key
    // from inside an issuing transaction would wait for that transaction forever
    for (const r of rows) {
      if (!this.#keys.has(r.id))
        this.#keys.set(r.id, importPrivateKey(r.key_pem, this.#passphrase, `CA ${r.id}`));
    }
  }

  /** Every generation, oldest first. */
  list(purpose?: CertPurpose): CaGeneration[] {
    return this.#generations.filter((g) => !purpose || g.purpose === purpose);
  }

  get(id: string): CaGeneration {
    const g = this.#generations.find((x) => x.id === id);
    if (!g) throw new HonninError('jlis_ca_unknown', `no CA ${id}`, { status: 404 });
    return g;
  }

  active(purpose: CertPurpose): CaGeneration {
    const g = this.#generations.find((x) => x.purpose === purpose && x.active);
    if (!g) throw new HonninError('jlis_ca_uninitialised', `no active ${purpose} CA`, { status: 500 });
    return g;
  }

  /** The CA's private key (decrypted once, then cached in memory). */
  async key(id: string): Promise<KeyObject> {
    const cached = this.#keys.get(id);
    if (cached) return cached;
    const row = await this.#storage.db
      .selectFrom('ca')
      .select('key_pem')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new HonninError('jlis_ca_unknown', `no CA ${id}`, { status: 404 });
    const key = importPrivateKey(row.key_pem, this.#passphrase, `CA ${id}`);
    this.#keys.set(id, key);
    return key;
  }

  /**
   * Starts a new generation for a purpose: a fresh RSA-2048 root that issues from
   * now on. Certificates of older generations still verify against their roots.
   */
  async rollover(purpose: CertPurpose): Promise<CaGeneration> {
    const now = this.#now();
    const year = now.getUTCFullYear();
    const taken = new Set(this.#generations.filter((g) => g.purpose === purpose).map((g) => g.generation));
    let label = String(year);
    for (let n = 2; taken.has(label); n++) label = `${year}-${n}`;
    const id = `${purpose}-${label}`;

    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicExponent: 0x10001,
    });
    const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const name = caName(purpose, this.org);
    const notBefore = new Date(now.getTime() - 60_000);
    const notAfter = new Date(Date.UTC(year + this.#rootYears, now.getUTCMonth(), now.getUTCDate()));
    const certDer = signCertificate(
      {
        serialHex: randomBytes(8).toString('hex'),
        issuer: name,
        subject: name,
        notBefore,
        notAfter,
        spkiDer,
        extensions: [
          extensions.basicConstraints(true),
          extensions.keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign),
          extensions.subjectKeyIdentifier(spkiDer),
          extensions.subjectAltNameDirectory([
            ['C', 'JP'],
            ['O', this.org === 'JPKI' ? '公的個人認証サービス' : '公的個人認証サービス（テスト）'],
          ]),
          extensions.crlDistributionPoint([
            ...name.slice(0, 3),
            ['OU', 'ARL Distribution Points'],
            ['CN', `${label} ARL`],
          ]),
        ],
      },
      privateKey,
    );
    const keyPem = exportPrivateKey(privateKey, this.#passphrase);

    await this.#storage.db.transaction().execute(async (trx) => {
      await trx.updateTable('ca').set({ active: 0 }).where('purpose', '=', purpose).execute();
      await trx
        .insertInto('ca')
        .values({
          id,
          purpose,
          generation: label,
          cert_der: certDer,
          key_pem: keyPem,
          not_before: notBefore.getTime(),
          not_after: notAfter.getTime(),
          created_at: now.getTime(),
          active: 1,
          revocations: 0,
        })
        .execute();
    });
    this.#keys.set(id, privateKey);
    await this.reload();
    return this.get(id);
  }
}
