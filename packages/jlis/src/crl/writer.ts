import { createHash, createSign, type KeyObject } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { extensions, sha256WithRSA } from '../ca/x509.ts';
import { concat, derHeader, derInteger, derTime, tlv } from '../der.ts';
import { MAX_ENTRY_BYTES, writeEntry } from './entry.ts';

export interface CrlEntry {
  /** hex serial */
  serial: string;
  revokedAt: number;
  /** RFC 5280 CRLReason code */
  reason: number;
}

export interface CrlTemplate {
  /** DER of the issuer Name */
  issuerDer: Uint8Array;
  /** the issuing root's SubjectPublicKeyInfo (for authorityKeyIdentifier) */
  issuerSpkiDer: Uint8Array;
  signingKey: KeyObject;
  thisUpdate: Date;
  nextUpdate: Date;
  number: bigint;
}

export interface WrittenCrl {
  size: number;
  entries: number;
  sha256: string;
}

const BUFFER = 1 << 16;
const CRL_NUMBER_OID = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x14);

/**
 * Encodes and signs a v2 CRL (RFC 5280) whatever the number of entries, in
 * bounded memory: entries stream from `batches` into a temporary file (their
 * total length must precede them in DER), then the CRL streams to `sink` while
 * the signature hashes the TBS incrementally. `sink` must copy what it keeps.
 */
export async function writeCrl(
  t: CrlTemplate,
  batches: AsyncIterable<readonly CrlEntry[]>,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<WrittenCrl> {
  const dir = await mkdtemp(join(tmpdir(), 'honnin-crl-'));
  const file = await open(join(dir, 'entries'), 'w+');
  try {
    // 1. entries → temporary file
    const buf = new Uint8Array(BUFFER);
    let used = 0;
    let entriesBytes = 0;
    let count = 0;
    for await (const batch of batches) {
      for (const e of batch) {
        if (used + MAX_ENTRY_BYTES > BUFFER) {
          await file.write(buf, 0, used);
          entriesBytes += used;
          used = 0;
        }
        used = writeEntry(buf, used, e.serial, e.revokedAt, e.reason);
        count++;
      }
    }
    await file.write(buf, 0, used);
    entriesBytes += used;

    // 2. everything around the entries
    const sigAlg = new Uint8Array(AsnConvert.serialize(sha256WithRSA()));
    const crlExtensions = tlv(
      0xa0,
      tlv(
        0x30,
        new Uint8Array(AsnConvert.serialize(extensions.authorityKeyIdentifier(t.issuerSpkiDer))),
        tlv(0x30, CRL_NUMBER_OID, tlv(0x04, derInteger(t.number))),
      ),
    );
    const head = concat([
      Uint8Array.of(0x02, 0x01, 0x01), // version v2
      sigAlg,
      t.issuerDer,
      derTime(t.thisUpdate),
      derTime(t.nextUpdate),
      ...(count > 0 ? [derHeader(0x30, entriesBytes)] : []),
    ]);
    const tbsLength = head.length + entriesBytes + crlExtensions.length;
    const tbsHeader = derHeader(0x30, tbsLength);
    const sigBytes = (t.signingKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
    const sigBitString = derHeader(0x03, sigBytes + 1);
    const total = tbsHeader.length + tbsLength + sigAlg.length + sigBitString.length + 1 + sigBytes;

    // 3. stream out, signing and hashing the same bytes
    const signer = createSign('sha256');
    const hash = createHash('sha256');
    let size = 0;
    const out = async (chunk: Uint8Array, signed: boolean) => {
      if (signed) signer.update(chunk);
      hash.update(chunk);
      size += chunk.length;
      await sink(chunk);
    };
    await out(derHeader(0x30, total), false);
    await out(concat([tbsHeader, head]), true);
    const read = new Uint8Array(BUFFER);
    for (let pos = 0; pos < entriesBytes; ) {
      const { bytesRead } = await file.read(read, 0, Math.min(BUFFER, entriesBytes - pos), pos);
      if (bytesRead === 0) throw new Error('CRL entries file ended early');
      await out(read.subarray(0, bytesRead), true);
      pos += bytesRead;
    }
    await out(crlExtensions, true);
    const signature = new Uint8Array(signer.sign(t.signingKey));
    await out(concat([sigAlg, sigBitString, Uint8Array.of(0), signature]), false);
    return { size, entries: count, sha256: hash.digest('hex') };
  } finally {
    await file.close();
    await rm(dir, { recursive: true, force: true });
  }
}
