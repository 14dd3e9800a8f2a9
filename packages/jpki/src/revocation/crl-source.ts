import { directoryNameOf, type JpkiCertificate } from '../certificate/parse.ts';
import type { TrustAnchor, TrustStore } from '../chain/trust-store.ts';
import { expectTlv } from '../encoding/der.ts';
import { CrlInvalidError, CrlStaleError, InvalidOptionsError } from '../errors.ts';
import { buildCrlIndex, type CrlIndex, type CrlSource } from './crl-index.ts';
import type { RevocationAnswer, RevocationSource } from './source.ts';

export interface CrlRevocationOptions {
  trust: TrustStore;
  /** tolerated clock difference when checking nextUpdate (ms, default 60 s) */
  clockSkew?: number | undefined;
  /** the clock for staleness (default: now) */
  now?: (() => Date) | undefined;
}

/**
 * Revocation from CRLs: one index per CA generation (and per distribution point
 * when the CRL is partitioned). `update` parses and verifies a new CRL
 * completely before it replaces the one in use, so lookups see either the old
 * or the new list, never a half-built one; an older CRL never replaces a newer.
 */
export class CrlRevocationSource implements RevocationSource {
  readonly name = 'crl';
  readonly #trust: TrustStore;
  readonly #clockSkew: number;
  readonly #now: () => Date;
  readonly #indexes = new Map<string, CrlIndex>();

  constructor(options: CrlRevocationOptions) {
    if (!options?.trust) throw new InvalidOptionsError('the CRL source needs the trust anchors');
    this.#trust = options.trust;
    this.#clockSkew = options.clockSkew ?? 60_000;
    this.#now = options.now ?? (() => new Date());
  }

  /** Parses, verifies and swaps in a CRL; returns the index now in use for its CA. */
  async update(source: CrlSource): Promise<CrlIndex> {
    const index = await buildCrlIndex(source, { trust: this.#trust });
    const key = keyOf(index.issuer, partitionOf(index));
    const current = this.#indexes.get(key);
    if (current && isOlder(index, current))
      throw new CrlInvalidError('this CRL is older than the one in use', {
        details: { inUse: current.thisUpdate.toISOString(), given: index.thisUpdate.toISOString() },
      });
    this.#indexes.set(key, index);
    return index;
  }

  /** The index in use for a CA generation (the full CRL). */
  index(issuer: TrustAnchor, partition?: string): CrlIndex | undefined {
    return this.#indexes.get(keyOf(issuer, partition));
  }

  async check(certificate: JpkiCertificate, issuer: TrustAnchor): Promise<RevocationAnswer> {
    const index =
      this.index(issuer) ??
      (certificate.crlDistributionPoint ? this.index(issuer, certificate.crlDistributionPoint) : undefined);
    if (!index)
      throw new CrlInvalidError(`no CRL of ${issuer.name} (generation ${issuer.id.slice(0, 12)}) is loaded`);
    const now = this.#now().getTime();
    if (index.nextUpdate && index.nextUpdate.getTime() + this.#clockSkew < now)
      throw new CrlStaleError(`the CRL's nextUpdate ${index.nextUpdate.toISOString()} has passed`);
    const entry = index.lookup(certificate.fields.serial);
    const base = { source: 'crl', thisUpdate: index.thisUpdate, nextUpdate: index.nextUpdate };
    return entry ? { ...base, status: 'revoked', ...entry } : { ...base, status: 'good' };
  }
}

const keyOf = (issuer: TrustAnchor, partition?: string) => `${issuer.id}|${partition ?? ''}`;

function partitionOf(index: CrlIndex): string | undefined {
  const idp = index.issuingDistributionPoint;
  if (!idp) return undefined;
  const name = directoryNameOf(idp, expectTlv(idp, 0, 0x30, 'issuingDistributionPoint'));
  if (!name) throw new CrlInvalidError('a partitioned CRL must name its distribution point');
  return name;
}

function isOlder(a: CrlIndex, b: CrlIndex): boolean {
  if (a.crlNumber !== undefined && b.crlNumber !== undefined) return a.crlNumber < b.crlNumber;
  return a.thisUpdate.getTime() < b.thisUpdate.getTime();
}
