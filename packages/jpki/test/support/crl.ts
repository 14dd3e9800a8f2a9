import type { Jlis } from '@honnin/jlis';
import { type CrlEntry, writeCrl } from '@honnin/jlis/crl/writer';
import { decodeX509 } from '@honnin/jpki/certificate/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, CRLReason, id_ce_cRLReasons } from '@peculiar/asn1-x509';

export type { CrlEntry };

/** Entries for a CRL, as one array or in batches. */
export type CrlEntries = readonly CrlEntry[] | AsyncIterable<readonly CrlEntry[]>;

/**
 * The CRL J-LIS currently publishes for a CA generation with `extra` entries
 * after its own (serials J-LIS never issues, in the order given), signed again
 * with that generation's key by J-LIS's own encoder (jlis/crl/writer) and
 * streamed to `sink` (which must copy what it keeps).
 */
export async function writeCrlWithExtraEntries(
  jlis: Jlis,
  caId: string,
  extra: CrlEntries,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const published = await jlis.crls.current(caId);
  const der: Buffer[] = [];
  for await (const c of jlis.crls.chunks(published)) der.push(Buffer.from(c));
  const list = AsnConvert.parse(Buffer.concat(der), CertificateList).tbsCertList;
  const own: CrlEntry[] = (list.revokedCertificates ?? []).map((r) => {
    const reason = r.crlEntryExtensions?.find((e) => e.extnID === id_ce_cRLReasons);
    return {
      serial: Buffer.from(r.userCertificate).toString('hex'),
      revokedAt: r.revocationDate.getTime().getTime(),
      reason: reason ? AsnConvert.parse(reason.extnValue, CRLReason).reason : 0,
    };
  });
  async function* entries(): AsyncIterable<readonly CrlEntry[]> {
    yield own;
    if (Symbol.asyncIterator in extra) yield* extra;
    else yield extra;
  }
  const g = jlis.ca.get(caId);
  await writeCrl(
    {
      issuerDer: decodeX509(g.certDer).subjectDer,
      issuerSpkiDer: g.spkiDer,
      signingKey: await jlis.ca.key(caId),
      thisUpdate: published.thisUpdate,
      nextUpdate: published.nextUpdate,
      number: BigInt(published.number),
    },
    entries(),
    sink,
  );
}

/** writeCrlWithExtraEntries into memory. */
export async function crlWithExtraEntries(jlis: Jlis, caId: string, extra: CrlEntries): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  await writeCrlWithExtraEntries(jlis, caId, extra, async (c) => {
    chunks.push(Buffer.from(c));
  });
  return new Uint8Array(Buffer.concat(chunks));
}

/** The reasons J-LIS uses, given in turn to synthetic entries. */
export const SYNTHETIC_REASONS = [0, 1, 3, 4, 5, 6] as const;

/**
 * `count` entries for big CRLs, in batches: serial i is 0x10000000 + i (above
 * any serial the simulator issues), one revocation time, SYNTHETIC_REASONS in turn.
 */
export async function* syntheticEntries(count: number, revokedAt: Date): AsyncIterable<CrlEntry[]> {
  const at = revokedAt.getTime();
  for (let first = 0; first < count; first += 4096) {
    yield Array.from({ length: Math.min(4096, count - first) }, (_, k) => ({
      serial: (0x10000000 + first + k).toString(16),
      revokedAt: at,
      reason: SYNTHETIC_REASONS[(first + k) % SYNTHETIC_REASONS.length]!,
    }));
  }
}
