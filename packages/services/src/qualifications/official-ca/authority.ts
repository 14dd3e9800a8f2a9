import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { extensions, KeyUsage, serialBytes, sha256WithRSA, signCertificate } from '@honnin/jlis/ca/x509';
import { type DistinguishedName, dnToString, type Rdn } from '@honnin/jpki/profile';
import { HonninError, type Storage } from '@honnin/runtime';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as ax from '@peculiar/asn1-x509';
import type { OfficialCaDB } from './store.ts';

/**
 * A simulated government official-status CA (官職認証局, as in the government
 * PKI): it certifies the keys officials sign with — here the qualification
 * system's record-signing key — and publishes a CRL over HTTP. Its names are
 * marked as a test authority so nobody mistakes them for the real GPKI.
 */
export const ROOT_NAME: DistinguishedName = [
  ['C', 'JP'],
  ['O', 'Japanese Government'],
  ['OU', 'GPKI-TEST'],
  ['OU', 'honnin official-status CA simulator'],
  ['CN', 'OfficialStatus CA (simulator)'],
];

export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
} as const;
export type CrlReasonName = keyof typeof CRL_REASONS;

export class OfficialCaError extends HonninError {}

export interface OfficialCaOptions {
  /** where the CRL is published: goes into every certificate's CRL distribution point */
  crlUrl: string | (() => string);
  /** encrypts the root key at rest when set */
  keyPassphrase?: string | undefined;
  /** validity of an issued certificate */
  certificateYears?: number | undefined;
  /** hours between CRL issues (nextUpdate) */
  crlHours?: number | undefined;
  now?: () => Date;
}

const ATTR_TYPES: Record<string, Rdn[0]> = {
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
};

function fromAsnName(name: ax.Name): DistinguishedName {
  return name.map((rdn) => {
    const atv = rdn[0];
    const type = atv ? ATTR_TYPES[atv.type] : undefined;
    if (!atv || rdn.length !== 1 || !type)
      throw new OfficialCaError('ca_csr_subject', 'unsupported subject name');
    return [type, atv.value.toString()] as Rdn;
  });
}

export class OfficialCa {
  readonly #storage: Storage<OfficialCaDB>;
  readonly #opts: OfficialCaOptions;
  readonly #now: () => Date;
  #root: { certDer: Uint8Array; cert: X509Certificate; key: KeyObject; spkiDer: Uint8Array } | undefined;

  constructor(storage: Storage<OfficialCaDB>, opts: OfficialCaOptions) {
    this.#storage = storage;
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Loads the root; creates it on a fresh store. */
  async init(): Promise<void> {
    let row = await this.#storage.db.selectFrom('root').selectAll().executeTakeFirst();
    if (!row) {
      await this.#createRoot();
      row = await this.#storage.db.selectFrom('root').selectAll().executeTakeFirstOrThrow();
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(
        this.#opts.keyPassphrase ? { key: row.key_pem, passphrase: this.#opts.keyPassphrase } : row.key_pem,
      );
    } catch (e) {
      throw new OfficialCaError('ca_key_locked', 'the CA key cannot be opened (wrong key passphrase?)', {
        status: 500,
        cause: e,
      });
    }
    const cert = new X509Certificate(row.cert_der);
    this.#root = {
      certDer: new Uint8Array(row.cert_der),
      cert,
      key,
      spkiDer: new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' })),
    };
  }

  get #r() {
    if (!this.#root) throw new OfficialCaError('ca_uninitialised', 'CA not initialised', { status: 500 });
    return this.#root;
  }

  get rootDer(): Uint8Array {
    return this.#r.certDer;
  }

  async #createRoot(): Promise<void> {
    const now = this.#now();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const certDer = signCertificate(
      {
        serialHex: randomBytes(8).toString('hex'),
        issuer: ROOT_NAME,
        subject: ROOT_NAME,
        notBefore: new Date(now.getTime() - 60_000),
        notAfter: new Date(Date.UTC(now.getUTCFullYear() + 20, now.getUTCMonth(), now.getUTCDate())),
        spkiDer,
        extensions: [
          extensions.basicConstraints(true, 0),
          extensions.keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign),
          extensions.subjectKeyIdentifier(spkiDer),
        ],
      },
      privateKey,
    );
    const pass = this.#opts.keyPassphrase;
    await this.#storage.db
      .insertInto('root')
      .values({
        id: 'root',
        cert_der: certDer,
        key_pem: privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          ...(pass ? { cipher: 'aes-256-cbc', passphrase: pass } : {}),
        }) as string,
        created_at: now.getTime(),
      })
      .execute();
  }

  /**
   * Certifies the key in a PKCS#10 request after checking the request's own
   * signature (proof that the requester holds the key). Returns the DER.
   */
  async issueFromCsr(csrDer: Uint8Array): Promise<Uint8Array> {
    let csr: CertificationRequest;
    try {
      csr = AsnConvert.parse(csrDer, CertificationRequest);
    } catch (e) {
      throw new OfficialCaError('ca_csr_invalid', 'the request is not a PKCS#10 certification request', {
        cause: e,
      });
    }
    const info = csr.certificationRequestInfo;
    const spkiDer = new Uint8Array(AsnConvert.serialize(info.subjectPKInfo));
    const publicKey = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    if (
      publicKey.asymmetricKeyType !== 'rsa' ||
      (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048
    ) {
      throw new OfficialCaError('ca_csr_key', 'only RSA keys of 2048 bits or more are certified');
    }
    const infoDer = csr.certificationRequestInfoRaw
      ? new Uint8Array(csr.certificationRequestInfoRaw)
      : new Uint8Array(AsnConvert.serialize(info));
    if (!verify('sha256', infoDer, publicKey, new Uint8Array(csr.signature))) {
      throw new OfficialCaError('ca_csr_signature', 'the request is not signed by the key it names');
    }
    return this.issue(fromAsnName(info.subject), spkiDer);
  }

  async issue(subject: DistinguishedName, spkiDer: Uint8Array): Promise<Uint8Array> {
    const r = this.#r;
    const now = this.#now();
    const years = this.#opts.certificateYears ?? 3;
    const notBefore = new Date(now.getTime() - 60_000);
    const notAfter = new Date(Date.UTC(now.getUTCFullYear() + years, now.getUTCMonth(), now.getUTCDate()));
    const serialHex = `0${randomBytes(9).toString('hex')}`.toUpperCase().replace(/^0+/, '');
    const certDer = signCertificate(
      {
        serialHex,
        issuer: fromAsnName(AsnConvert.parse(r.cert.raw, ax.Certificate).tbsCertificate.subject),
        subject,
        notBefore,
        notAfter,
        spkiDer,
        extensions: [
          extensions.keyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation),
          extensions.subjectKeyIdentifier(spkiDer),
          extensions.authorityKeyIdentifier(r.spkiDer),
          crlDistributionPointUri(
            typeof this.#opts.crlUrl === 'string' ? this.#opts.crlUrl : this.#opts.crlUrl(),
          ),
        ],
      },
      r.key,
    );
    await this.#storage.db
      .insertInto('certificate')
      .values({
        serial: serialHex,
        subject: dnToString(subject),
        cert_der: certDer,
        not_before: notBefore.getTime(),
        not_after: notAfter.getTime(),
        issued_at: now.getTime(),
        revoked_at: null,
        revocation_reason: null,
      })
      .execute();
    return certDer;
  }

  async list() {
    return this.#storage.db
      .selectFrom('certificate')
      .select([
        'serial',
        'subject',
        'not_before',
        'not_after',
        'issued_at',
        'revoked_at',
        'revocation_reason',
      ])
      .orderBy('issued_at')
      .execute();
  }

  async revoke(serialHex: string, reason: CrlReasonName = 'unspecified'): Promise<void> {
    const serial = serialHex.toUpperCase().replace(/^0+/, '');
    const res = await this.#storage.db
      .updateTable('certificate')
      .set({ revoked_at: this.#now().getTime(), revocation_reason: CRL_REASONS[reason] })
      .where('serial', '=', serial)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      const known = await this.#storage.db
        .selectFrom('certificate')
        .select('serial')
        .where('serial', '=', serial)
        .executeTakeFirst();
      if (!known)
        throw new OfficialCaError('ca_certificate_unknown', `no certificate ${serial}`, { status: 404 });
    }
  }

  /** A fresh CRL (DER) listing every revoked certificate, signed by the root. */
  async crl(): Promise<Uint8Array> {
    const r = this.#r;
    const now = this.#now();
    const rows = await this.#storage.db
      .selectFrom('certificate')
      .select(['serial', 'revoked_at', 'revocation_reason'])
      .where('revoked_at', 'is not', null)
      .orderBy('revoked_at')
      .execute();
    const ext = (extnID: string, value: unknown) =>
      new ax.Extension({ extnID, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });
    const tbs = new ax.TBSCertList({
      version: ax.Version.v2,
      signature: sha256WithRSA(),
      issuer: AsnConvert.parse(r.cert.raw, ax.Certificate).tbsCertificate.subject,
      thisUpdate: new ax.Time(now),
      nextUpdate: new ax.Time(new Date(now.getTime() + (this.#opts.crlHours ?? 24) * 3600_000)),
      ...(rows.length
        ? {
            revokedCertificates: rows.map(
              (row) =>
                new ax.RevokedCertificate({
                  userCertificate: serialBytes(row.serial).buffer as ArrayBuffer,
                  revocationDate: new ax.Time(new Date(Number(row.revoked_at))),
                  crlEntryExtensions: [
                    ext(ax.id_ce_cRLReasons, new ax.CRLReason(Number(row.revocation_reason ?? 0))),
                  ],
                }),
            ),
          }
        : {}),
      crlExtensions: [
        extensions.authorityKeyIdentifier(r.spkiDer),
        ext(ax.id_ce_cRLNumber, new ax.CRLNumber(Math.floor(now.getTime() / 1000))),
      ],
    });
    const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
    const list = new ax.CertificateList({
      tbsCertList: tbs,
      signatureAlgorithm: sha256WithRSA(),
      signature: new Uint8Array(sign('sha256', tbsDer, r.key)).buffer as ArrayBuffer,
    });
    return new Uint8Array(AsnConvert.serialize(list));
  }
}

function crlDistributionPointUri(url: string): ax.Extension {
  const value = new ax.CRLDistributionPoints([
    new ax.DistributionPoint({
      distributionPoint: new ax.DistributionPointName({
        fullName: [new ax.GeneralName({ uniformResourceIdentifier: url })],
      }),
    }),
  ]);
  return new ax.Extension({
    extnID: ax.id_ce_cRLDistributionPoints,
    critical: false,
    extnValue: new OctetString(AsnConvert.serialize(value)),
  });
}
