// Digital qualification certificates: verifications per second against the raw
// RSA-PSS verify they rest on, measured in the same run; issuance against raw
// RSA-PSS signing.
import { constants, sign, verify } from 'node:crypto';
import { tempDir } from '@honnin/runtime/testing';
import {
  decodePayload,
  openRecord,
  signRecord,
  verifyRecordSignature,
} from '../packages/services/src/qualifications/certificate/record.ts';
import { startCertificateStack } from '../packages/services/test/qualifications/stack.ts';
import { heading, rate, rateSync, row } from './lib.ts';

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;

/** Alternating rounds, best of each: a neighbour's burst on the shared machine hits both sides. */
async function versus(baseline: () => unknown, measured: () => unknown, rounds = 5) {
  let b = 0;
  let m = 0;
  for (let r = 0; r < rounds; r++) {
    b = Math.max(b, rateSync(baseline, 0.4).perSecond);
    m = Math.max(m, (await rate(measured, 0.4)).perSecond);
  }
  return { baseline: b, measured: m };
}

export default async function qualificationsBench(): Promise<void> {
  heading('qualifications — digital qualification certificates (COSE_Sign1, PS256, RSA-2048)');
  const gpki = tempDir('honnin-bench-gpki-');
  const quals = tempDir('honnin-bench-quals-');
  // the verifier keeps the CA's CRL a minute, as the verify part does by default
  const stack = await startCertificateStack(
    { gpki: { dataDir: gpki.dir }, registry: { dataDir: quals.dir } },
    'http://verify.test',
    60_000,
  );
  try {
    const cert = await stack.registerHolder('bench-holder');
    const key = await stack.registry.keys.active();
    const publicKey = key.certificate.publicKey;
    const opened = openRecord(cert.record);
    const tbs = Buffer.concat([opened.protectedBytes, opened.payload]);
    const rawSig = sign('sha256', tbs, { key: key.privateKey, ...PSS });
    const rawVerify = () => verify('sha256', tbs, { key: publicKey, ...PSS }, rawSig);
    if (!(await stack.verifier.verify(cert.url)).valid) throw new Error('bench certificate does not verify');

    const offline = await versus(rawVerify, () => {
      const o = openRecord(cert.record);
      if (!verifyRecordSignature(o, publicKey)) throw new Error('signature');
      return decodePayload(o.payload);
    });
    const base = { label: 'raw RSA-PSS verify', value: offline.baseline };
    row('raw RSA-PSS verify (SHA-256, salt 32)', offline.baseline, 'verify/s');
    row('record checked offline (CBOR decode + PS256 + payload)', offline.measured, 'verify/s', base);

    const online = await versus(rawVerify, async () => {
      const r = await stack.verifier.verify(cert.url);
      if (!r.valid) throw new Error(r.reason);
    });
    row('full check: + CA CRL (cached) + registry status (HTTP)', online.measured, 'verify/s', {
      label: 'raw RSA-PSS verify',
      value: online.baseline,
    });

    const fields = cert.fields;
    const issue = await versus(
      () => sign('sha256', tbs, { key: key.privateKey, ...PSS }),
      () => signRecord(fields, key.keyId, key.privateKey),
      3,
    );
    row('raw RSA-PSS sign', issue.baseline, 'sign/s');
    row('record signed (CBOR encode + PS256)', issue.measured, 'sign/s', {
      label: 'raw RSA-PSS sign',
      value: issue.baseline,
    });
  } finally {
    await stack.close();
    gpki.cleanup();
    quals.cleanup();
  }
}
