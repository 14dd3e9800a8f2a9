import type { X509Certificate } from 'node:crypto';
import { HonninError } from '@honnin/runtime';
import * as pkijs from 'pkijs';

/**
 * Asks the official-status CA whether a signing certificate is revoked: fetches
 * its CRL over HTTP, checks the CRL's signature against the trusted root, and
 * keeps it until its nextUpdate or `maxAgeMs`, whichever comes first.
 */
export class CrlChecker {
  readonly #root: pkijs.Certificate;
  readonly #fetch: typeof fetch;
  readonly #maxAgeMs: number;
  readonly #now: () => Date;
  readonly #cache = new Map<string, { revoked: Set<string>; until: number }>();
  /** CRL URL by certificate fingerprint: parsing the certificate for it costs more than the check */
  readonly #urls = new Map<string, string | undefined>();

  constructor(opts: { rootDer: Uint8Array; fetch?: typeof fetch; maxAgeMs?: number; now?: () => Date }) {
    this.#root = pkijs.Certificate.fromBER(new Uint8Array(opts.rootDer));
    this.#fetch = opts.fetch ?? fetch;
    this.#maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.#now = opts.now ?? (() => new Date());
  }

  /** True when the certificate is on its CA's current CRL. */
  async isRevoked(cert: X509Certificate): Promise<boolean> {
    if (!this.#urls.has(cert.fingerprint256)) this.#urls.set(cert.fingerprint256, crlUrlOf(cert));
    const url = this.#urls.get(cert.fingerprint256);
    if (!url)
      throw new HonninError('crl_unavailable', 'the signing certificate names no CRL', { status: 502 });
    const now = this.#now().getTime();
    let entry = this.#cache.get(url);
    if (!entry || entry.until <= now) {
      entry = await this.#load(url, now);
      this.#cache.set(url, entry);
    }
    return entry.revoked.has(cert.serialNumber.toUpperCase().replace(/^0+/, ''));
  }

  async #load(url: string, now: number): Promise<{ revoked: Set<string>; until: number }> {
    let der: Uint8Array;
    try {
      const res = await this.#fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      der = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new HonninError('crl_unavailable', `CRL ${url}: ${(e as Error).message}`, {
        status: 502,
        cause: e,
      });
    }
    let crl: pkijs.CertificateRevocationList;
    try {
      crl = pkijs.CertificateRevocationList.fromBER(new Uint8Array(der));
    } catch (e) {
      throw new HonninError('crl_invalid', `CRL ${url} cannot be parsed`, { status: 502, cause: e });
    }
    if (!(await crl.verify({ issuerCertificate: this.#root }))) {
      throw new HonninError('crl_invalid', `CRL ${url} is not signed by the trusted root`, { status: 502 });
    }
    const next = crl.nextUpdate?.value.getTime() ?? now;
    if (next < now) throw new HonninError('crl_invalid', `CRL ${url} is out of date`, { status: 502 });
    const revoked = new Set(
      (crl.revokedCertificates ?? []).map((r) =>
        Buffer.from(r.userCertificate.valueBlock.valueHexView)
          .toString('hex')
          .toUpperCase()
          .replace(/^0+/, ''),
      ),
    );
    return { revoked, until: Math.min(next, now + this.#maxAgeMs) };
  }
}

/** The first HTTP URL in the certificate's CRL distribution points. */
export function crlUrlOf(cert: X509Certificate): string | undefined {
  const parsed = pkijs.Certificate.fromBER(cert.raw);
  const ext = parsed.extensions?.find((e) => e.extnID === '2.5.29.31');
  if (!ext) return undefined;
  const points = pkijs.CRLDistributionPoints.fromBER(new Uint8Array(ext.extnValue.valueBlock.valueHexView));
  for (const p of points.distributionPoints) {
    const names = Array.isArray(p.distributionPoint) ? p.distributionPoint : [];
    for (const n of names) if (n.type === 6 && /^https?:\/\//.test(String(n.value))) return String(n.value);
  }
  return undefined;
}
