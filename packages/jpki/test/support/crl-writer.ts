import { constants, createHash, type KeyObject, privateEncrypt } from 'node:crypto';
import { decodeSubjectKeyId, decodeX509 } from '../../src/certificate/x509.ts';
import { header, oidTlv, timeTlv, tlv } from '../../src/encoding/der.ts';
import { OID } from '../../src/profile/oids.ts';
import { encodeDigestInfo } from '../../src/signature/digest-info.ts';

/**
 * A streaming DER CRL writer for tests and the bench: entries are encoded into
 * chunks as they are produced, the TBS is hashed on the way, and the CA key
 * signs the digest at the end. Fast enough for 10 million entries.
 */
export interface CrlEntryInput {
  serial: bigint;
  revokedAt: Date;
  reasonCode?: number | undefined;
}

const INT = (n: bigint) => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return tlv(0x02, bytes[0]! & 0x80 ? new Uint8Array([0, ...bytes]) : new Uint8Array(bytes));
};

export function encodeCrlEntry(e: CrlEntryInput): Uint8Array {
  const exts =
    e.reasonCode === undefined
      ? []
      : [tlv(0x30, tlv(0x30, oidTlv('2.5.29.21'), tlv(0x04, tlv(0x0a, new Uint8Array([e.reasonCode])))))];
  return tlv(0x30, INT(e.serial), timeTlv(e.revokedAt.getTime()), ...exts);
}

export interface WriteCrlOptions {
  issuerCertificate: Uint8Array;
  key: KeyObject;
  thisUpdate: Date;
  nextUpdate?: Date | undefined;
  crlNumber?: bigint | undefined;
  /** the entries' total encoded length, and the entries as chunks of encoded entries */
  entriesLength: number;
  entries: () => Iterable<Uint8Array>;
  /** extra crlExtensions (DER Extension elements) */
  extensions?: Uint8Array[] | undefined;
}

/** Writes a signed CRL to `write`, chunk by chunk. */
export async function writeCrl(write: (chunk: Uint8Array) => unknown, o: WriteCrlOptions): Promise<void> {
  const issuer = decodeX509(o.issuerCertificate);
  const sha = createHash('sha256');
  const sigAlg = tlv(0x30, oidTlv(OID.sha256WithRSAEncryption), new Uint8Array([5, 0]));
  const crlExts = [
    tlv(0x30, oidTlv('2.5.29.20'), tlv(0x04, INT(o.crlNumber ?? 1n))),
    tlv(0x30, oidTlv(OID.authorityKeyIdentifier), tlv(0x04, tlv(0x30, tlv(0x80, ski(issuer))))),
    ...(o.extensions ?? []),
  ];
  const prefix = [
    tlv(0x02, new Uint8Array([1])),
    sigAlg,
    issuer.subjectDer,
    timeTlv(o.thisUpdate.getTime()),
    ...(o.nextUpdate ? [timeTlv(o.nextUpdate.getTime())] : []),
  ];
  const revokedHeader = o.entriesLength > 0 ? header(0x30, o.entriesLength) : new Uint8Array();
  const extensions = tlv(0xa0, tlv(0x30, ...crlExts));
  const tbsLength =
    prefix.reduce((n, p) => n + p.length, 0) + revokedHeader.length + o.entriesLength + extensions.length;
  const tbsHeader = header(0x30, tbsLength);
  const signatureLength = 1 + 256;
  const sigBitString = header(0x03, signatureLength);
  const outerLength = tbsHeader.length + tbsLength + sigAlg.length + sigBitString.length + signatureLength;

  const emit = async (b: Uint8Array, hashed: boolean) => {
    if (hashed) sha.update(b);
    await write(b);
  };
  await emit(header(0x30, outerLength), false);
  await emit(tbsHeader, true);
  for (const p of prefix) await emit(p, true);
  await emit(revokedHeader, true);
  let written = 0;
  for (const chunk of o.entries()) {
    written += chunk.length;
    await emit(chunk, true);
  }
  if (written !== o.entriesLength) throw new Error(`entries were ${written} bytes, not ${o.entriesLength}`);
  await emit(extensions, true);
  await emit(sigAlg, false);
  await emit(sigBitString, false);
  const signature = privateEncrypt(
    { key: o.key, padding: constants.RSA_PKCS1_PADDING },
    encodeDigestInfo('sha256', new Uint8Array(sha.digest())),
  );
  await emit(new Uint8Array([0, ...signature]), false);
}

function ski(cert: ReturnType<typeof decodeX509>): Uint8Array {
  return decodeSubjectKeyId(cert.extensions.get(OID.subjectKeyIdentifier)!.value);
}

/** A whole CRL in memory from entry objects (small CRLs in tests). */
export async function crlBytes(
  o: Omit<WriteCrlOptions, 'entries' | 'entriesLength'> & { entries: CrlEntryInput[] },
): Promise<Uint8Array> {
  const encoded = o.entries.map(encodeCrlEntry);
  const parts: Uint8Array[] = [];
  await writeCrl((c) => parts.push(c), {
    ...o,
    entriesLength: encoded.reduce((n, e) => n + e.length, 0),
    entries: () => encoded,
  });
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Fixed-size entries for big CRLs: serial i → 0x10000000 + i (4 bytes), one
 * revocation date, a reason code; 38 bytes each, written straight into chunks.
 */
export function syntheticEntries(count: number, revokedAt: Date, chunkEntries = 4096) {
  const template = encodeCrlEntry({ serial: 0x10000000n, revokedAt, reasonCode: 4 });
  const size = template.length;
  return {
    entriesLength: count * size,
    entries: function* () {
      for (let first = 0; first < count; first += chunkEntries) {
        const n = Math.min(chunkEntries, count - first);
        const chunk = new Uint8Array(n * size);
        for (let k = 0; k < n; k++) {
          const at = k * size;
          chunk.set(template, at);
          const serial = 0x10000000 + first + k;
          // serial content octets sit after 30 len 02 04
          chunk[at + 4] = serial >>> 24;
          chunk[at + 5] = (serial >>> 16) & 0xff;
          chunk[at + 6] = (serial >>> 8) & 0xff;
          chunk[at + 7] = serial & 0xff;
          chunk[at + size - 1] = [0, 1, 3, 4, 5, 6][(first + k) % 6]!;
        }
        yield chunk;
      }
    },
  };
}
