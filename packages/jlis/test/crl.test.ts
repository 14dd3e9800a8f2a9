import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { caName } from '@honnin/jpki/profile';
import { storageBackends, tempDir } from '@honnin/runtime/testing';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as ax from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { nameDer } from '../src/ca/x509.ts';
import { writeCrl } from '../src/crl/writer.ts';
import type { Jlis } from '../src/index.ts';
import { clock, freshJlis, holder, openssl, serve, spki, writePem } from './support.ts';

const collect = async (gen: (sink: (c: Uint8Array) => Promise<void>) => Promise<unknown>) => {
  const parts: Uint8Array[] = [];
  await gen(async (c) => {
    parts.push(c.slice());
  });
  return new Uint8Array(Buffer.concat(parts));
};

async function* batches<T>(items: T[], size = 2): AsyncIterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Inserts `n` revoked certificates for an existing card straight into the store (fast, for volume). */
async function revokeInBulk(jlis: Jlis, cardId: string, caId: string, n: number, at: number): Promise<void> {
  const card = await jlis.storage.db
    .selectFrom('card')
    .selectAll()
    .where('id', '=', cardId)
    .executeTakeFirstOrThrow();
  for (let i = 0; i < n; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      rows.push({
        purpose: 'auth' as const,
        serial: (0x40000000 + j).toString(16).toUpperCase(),
        ca_id: caId,
        card_id: card.id,
        holder_id: card.holder_id,
        municipality_code: '131016',
        der: new Uint8Array([0]),
        not_before: at - 1000,
        not_after: at + 365 * 86_400_000,
        issued_at: at - 1000,
        revoked_at: at - (j % 7) * 1000,
        revocation_reason: [0, 1, 3, 4, 5, 6][j % 6]!,
        revocation_event: 'revoke',
        successor_serial: null,
        predecessor_serial: null,
      });
    }
    await jlis.storage.db.insertInto('certificate').values(rows).execute();
  }
}

describe('CRL encoder', () => {
  test('entries of every shape decode back with an independent parser and the signature verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const entries = [
      { serial: '1', revokedAt: Date.UTC(2026, 0, 2, 3, 4, 5), reason: 0 },
      { serial: '00ABC', revokedAt: Date.UTC(2026, 0, 2, 3, 4, 5), reason: 1 },
      { serial: '80', revokedAt: Date.UTC(2049, 11, 31, 23, 59, 59), reason: 3 },
      { serial: 'ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00', revokedAt: Date.UTC(2050, 0, 1), reason: 4 },
      { serial: '7FFFFFFF', revokedAt: Date.UTC(1999, 5, 6, 7, 8, 9), reason: 5 },
      { serial: '100000', revokedAt: Date.UTC(2026, 6, 7), reason: 6 },
    ];
    const thisUpdate = new Date(Date.UTC(2026, 3, 1, 0, 0, 0));
    const der = await collect((sink) =>
      writeCrl(
        {
          issuerDer: nameDer(caName('auth')),
          issuerSpkiDer: spkiDer,
          signingKey: privateKey,
          thisUpdate,
          nextUpdate: new Date(thisUpdate.getTime() + 86_400_000),
          number: 300n,
        },
        batches(entries),
        sink,
      ),
    );
    const crl = AsnConvert.parse(der, ax.CertificateList);
    const list = crl.tbsCertList.revokedCertificates ?? [];
    assert.equal(crl.tbsCertList.version, ax.Version.v2);
    assert.equal(list.length, entries.length);
    list.forEach((e, i) => {
      const want = entries[i]!;
      const hex = Buffer.from(e.userCertificate)
        .toString('hex')
        .replace(/^0+(?=.)/, '');
      assert.equal(hex, want.serial.toLowerCase().replace(/^0+(?=.)/, ''));
      assert.equal(e.revocationDate.getTime().getTime(), want.revokedAt);
      const reason = e.crlEntryExtensions?.find((x) => x.extnID === ax.id_ce_cRLReasons);
      if (want.reason === 0) assert.equal(reason, undefined, 'unspecified is left out');
      else assert.equal(AsnConvert.parse(reason!.extnValue, ax.CRLReason).reason, want.reason);
    });
    assert.ok(list[3]!.revocationDate.generalTime, '2050 and later are GeneralizedTime');
    assert.ok(list[2]!.revocationDate.utcTime, 'through 2049 UTCTime');
    const number = crl.tbsCertList.crlExtensions?.find((x) => x.extnID === ax.id_ce_cRLNumber);
    assert.equal(AsnConvert.parse(number!.extnValue, ax.CRLNumber).value, 300);
    const tbs = (asn1js.fromBER(der).result as asn1js.Sequence).valueBlock.value[0]!.valueBeforeDecodeView;
    assert.ok(verify('sha256', tbs, publicKey, new Uint8Array(crl.signature)));
  });

  test('a CRL without revocations leaves revokedCertificates out', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = await collect((sink) =>
      writeCrl(
        {
          issuerDer: nameDer(caName('signature')),
          issuerSpkiDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
          signingKey: privateKey,
          thisUpdate: new Date(Date.UTC(2026, 0, 1)),
          nextUpdate: new Date(Date.UTC(2026, 0, 2)),
          number: 1n,
        },
        batches([]),
        sink,
      ),
    );
    const crl = AsnConvert.parse(der, ax.CertificateList);
    assert.equal(crl.tbsCertList.revokedCertificates, undefined);
  });
});

for (const backend of storageBackends()) {
  describe(`J-LIS CRLs on ${backend.name} (OpenSSL as the relying party)`, { skip: backend.skip }, () => {
    test('openssl verify -crl_check accepts a fresh certificate and rejects a revoked one; openssl crl -text parses it', async () => {
      const { jlis, done } = await freshJlis(backend);
      const server = await serve(jlis);
      const tmp = tempDir();
      try {
        const v = await jlis.verifiers.add('crl user');
        const fetchCrl = async (caId: string) => {
          const res = await fetch(`${server.url}/ca/${caId}/crl`, {
            headers: { authorization: `Bearer ${v.apiKey}` },
          });
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('content-type'), 'application/pkix-crl');
          const file = join(tmp.dir, `${caId}.crl`);
          writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
          const pem = join(tmp.dir, `${caId}.crl.pem`);
          const conv = await openssl(['crl', '-inform', 'DER', '-in', file, '-out', pem]);
          assert.equal(conv.status, 0, conv.out);
          return { file, pem, number: res.headers.get('x-crl-number') };
        };
        const kept = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const moved = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        await jlis.lifecycle.apply(moved.cardId, {
          type: 'move',
          holder: { address: '北海道札幌市中央区北１条西２', municipalityCode: '011002' },
        });
        const caId = kept.signature!.caId;
        const crl = await fetchCrl(caId);
        const ca = writePem(tmp.dir, 'ca.pem', kept.signature!.caCertDer);
        const verifyLeaf = (der: Uint8Array, name: string) =>
          openssl(['verify', '-crl_check', '-CAfile', ca, '-CRLfile', crl.pem, writePem(tmp.dir, name, der)]);
        const ok = await verifyLeaf(kept.signature!.der, 'kept.pem');
        assert.equal(ok.status, 0, ok.out);
        assert.match(ok.out, /kept\.pem: OK/);
        const bad = await verifyLeaf(moved.signature!.der, 'moved.pem');
        assert.notEqual(bad.status, 0, bad.out);
        assert.match(bad.out, /certificate revoked/);

        const text = await openssl(['crl', '-inform', 'DER', '-in', crl.file, '-noout', '-text']);
        assert.equal(text.status, 0, text.out);
        assert.match(text.out, /Version 2 \(0x1\)/);
        assert.match(text.out, /Issuer: C\s*=\s*JP, O\s*=\s*JPKI-TEST, OU\s*=\s*JPKI for digital signature/);
        assert.match(text.out, /Last Update: .*\n\s*Next Update: /);
        assert.match(text.out, /X509v3 CRL Number: \n\s*1\n/);
        assert.match(text.out, /X509v3 Authority Key Identifier/);
        assert.match(
          text.out,
          new RegExp(
            `Serial Number: 0?${moved.signature!.serial}\\n\\s*Revocation Date: .*\\n\\s*CRL entry extensions:\\n\\s*X509v3 CRL Reason Code: \\n\\s*Affiliation Changed`,
          ),
        );
        assert.doesNotMatch(text.out, new RegExp(`Serial Number: 0?${kept.signature!.serial}\\b`));
        // the auth certificate of the moved card is not on the auth CRL
        const authCrl = await fetchCrl(moved.auth.caId);
        const authText = await openssl(['crl', '-in', authCrl.pem, '-noout', '-text']);
        assert.match(authText.out, /No Revoked Certificates/);

        // the CRL is signed by the root: openssl crl -verify
        const sigOk = await openssl(['crl', '-in', crl.pem, '-noout', '-CAfile', ca, '-verify']);
        assert.match(sigOk.out, /verify OK/);

        // a revocation re-issues it with the next number
        await jlis.lifecycle.apply(kept.cardId, { type: 'loss' });
        const next = await fetchCrl(caId);
        assert.equal(next.number, '2');
        const now = await openssl([
          'verify',
          '-crl_check',
          '-CAfile',
          ca,
          '-CRLfile',
          next.pem,
          writePem(tmp.dir, 'kept.pem', kept.signature!.der),
        ]);
        assert.match(now.out, /certificate revoked/);
      } finally {
        await server.close();
        await done();
        tmp.cleanup();
      }
    });

    test('re-issue: on revocation, on schedule, or only on schedule; ETag; old generations keep theirs; auth and 404', async () => {
      const t = clock('2026-04-01T00:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      const server = await serve(jlis);
      try {
        const v = await jlis.verifiers.add('etag');
        const get = (caId: string, headers: Record<string, string> = {}) =>
          fetch(`${server.url}/ca/${caId}/crl`, {
            headers: { authorization: `Bearer ${v.apiKey}`, ...headers },
          });
        const card = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        const caId = card.auth.caId;
        const first = await get(caId);
        const etag = first.headers.get('etag')!;
        assert.equal(first.headers.get('x-crl-number'), '1');
        assert.equal(first.headers.get('x-crl-next-update'), '2026-04-02T00:00:00.000Z');
        assert.equal((await get(caId, { 'if-none-match': etag })).status, 304);
        t.advance(3600_000);
        assert.equal((await get(caId)).headers.get('x-crl-number'), '1', 'nothing changed, not due');
        t.set('2026-04-01T21:40:00Z'); // 90 % of the day gone: re-issued before nextUpdate
        assert.equal((await get(caId)).headers.get('x-crl-number'), '2');

        const oldRoot = jlis.ca.active('auth');
        await jlis.ca.rollover('auth');
        await jlis.lifecycle.revoke('auth', card.auth.serial, 'keyCompromise');
        const old = await get(oldRoot.id);
        assert.equal(old.headers.get('x-crl-number'), '3');
        const crl = AsnConvert.parse(new Uint8Array(await old.arrayBuffer()), ax.CertificateList);
        assert.equal(crl.tbsCertList.revokedCertificates?.length, 1);
        assert.ok(
          verify(
            'sha256',
            new Uint8Array(AsnConvert.serialize(crl.tbsCertList)),
            (await import('node:crypto')).createPublicKey({
              key: Buffer.from(oldRoot.spkiDer),
              format: 'der',
              type: 'spki',
            }),
            new Uint8Array(crl.signature),
          ),
          'the old generation signs its own CRL',
        );
        const newId = jlis.ca.active('auth').id;
        const fresh = AsnConvert.parse(
          new Uint8Array(await (await get(newId)).arrayBuffer()),
          ax.CertificateList,
        );
        assert.equal(fresh.tbsCertList.revokedCertificates, undefined);

        const anonymous = await fetch(`${server.url}/ca/${caId}/crl`);
        assert.equal(anonymous.status, 401);
        assert.equal(((await anonymous.json()) as { error: string }).error, 'jlis_verifier_unauthorized');
        const missing = await get('auth-1999');
        assert.equal(missing.status, 404);
        assert.equal(((await missing.json()) as { error: string }).error, 'jlis_ca_unknown');
      } finally {
        await server.close();
        await done();
      }
    });

    test('with crlOnRevocation off, a revocation waits for the scheduled CRL', async () => {
      const t = clock('2026-04-01T00:00:00Z');
      const { jlis: base, done } = await freshJlis(backend, t.now);
      try {
        const { CrlPublisher } = await import('../src/crl/publisher.ts');
        const daily = new CrlPublisher(base.storage, base.ca, base.revoker, {
          onRevocation: false,
          now: t.now,
        });
        const card = await base.issuer.issueCard({ holder, authPublicKey: spki() });
        assert.equal((await daily.current(card.auth.caId)).entries, 0);
        await base.lifecycle.revoke('auth', card.auth.serial, 'unspecified');
        t.advance(3600_000);
        assert.equal((await daily.current(card.auth.caId)).entries, 0, 'J-LIS style: daily');
        t.advance(22 * 3600_000);
        const next = await daily.current(card.auth.caId);
        assert.equal(next.entries, 1);
        assert.equal(next.number, 2);
      } finally {
        await done();
      }
    });

    test('tens of thousands of entries stream through pages and chunks and OpenSSL reads them all', async () => {
      const { jlis, done } = await freshJlis(backend);
      const tmp = tempDir();
      try {
        const card = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        const n = 40_000;
        await revokeInBulk(jlis, card.cardId, card.auth.caId, n, jlis.now().getTime() - 60_000);
        const info = await jlis.crls.publish(card.auth.caId);
        assert.equal(info.entries, n);
        assert.ok(info.chunks >= 2, `a CRL over 1 MiB spans chunks (${info.size} bytes)`);
        const file = join(tmp.dir, 'big.crl');
        writeFileSync(file, await jlis.crls.der(card.auth.caId));
        const text = await openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
        assert.equal(text.status, 0);
        assert.equal(text.out.match(/Serial Number: /g)?.length, n);
        assert.equal(text.out.match(/Key Compromise/g)?.length, Math.ceil((n - 1) / 6));
        const ca = writePem(tmp.dir, 'ca.pem', card.auth.caCertDer);
        const sig = await openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-CAfile', ca, '-verify']);
        assert.match(sig.out, /verify OK/);
      } finally {
        await done();
        tmp.cleanup();
      }
    });
  });
}
