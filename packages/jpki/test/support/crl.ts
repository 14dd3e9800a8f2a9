import type { Jlis } from '@honnin/jlis';
import { type CrlEntry, writeCrl } from '@honnin/jlis/crl/writer';
import { decodeX509 } from '@honnin/jpki/certificate/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, CRLReason, id_ce_cRLReasons } from '@peculiar/asn1-x509';

export type { CrlEntry };

/** What a test changes in a CRL J-LIS published: only what J-LIS itself never does. */
export interface CrlChanges {
  thisUpdate?: Date | undefined;
  nextUpdate?: Date | undefined;
  number?: bigint | undefined;
  /** entries listed after J-LIS's own, in the order given (serials J-LIS never issues) */
  extra?: readonly CrlEntry[] | AsyncIterable<readonly CrlEntry[]> | undefined;
}

/**
 * The CRL J-LIS currently publishes for a CA generation, changed and signed
 * again with that generation's key by J-LIS's own encoder (jlis/crl/writer),
 * streamed to `sink` (which must copy what it keeps).
 */
export async function writeAlteredCrl(
  jlis: Jlis,
  caId: string,
  changes: CrlChanges,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const published = await jlis.crls.current(caId);
  const list = AsnConvert.parse(await jlis.crls.der(caId), CertificateList).tbsCertList;
  const own: CrlEntry[] = (list.revokedCertificates ?? []).map((r) => {
    const reason = r.crlEntryExtensions?.find((e) => e.extnID === id_ce_cRLReasons);
    return {
      serial: Buffer.from(r.userCertificate).toString('hex'),
      revokedAt: r.revocationDate.getTime().getTime(),
      reason: reason ? AsnConvert.parse(reason.extnValue, CRLReason).reason : 0,
    };
  });
  const extra = changes.extra ?? [];
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
      thisUpdate: changes.thisUpdate ?? published.thisUpdate,
      nextUpdate: changes.nextUpdate ?? published.nextUpdate,
      number: changes.number ?? BigInt(published.number),
    },
    entries(),
    sink,
  );
}

/** writeAlteredCrl into memory (small CRLs). */
export async function alterCrl(jlis: Jlis, caId: string, changes: CrlChanges): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  await writeAlteredCrl(jlis, caId, changes, async (c) => {
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
