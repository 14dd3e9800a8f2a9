import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { caName, japanMonth } from '@honnin/jpki/profile';
import { isolatedStorage, storageBackends, tempDir } from '@honnin/runtime/testing';
import { extensions, KeyUsage, signCertificate } from '../src/ca/x509.ts';
import { openJlis } from '../src/index.ts';
import { clock, freshJlis, holder, openssl, serve, spki, writePem } from './support.ts';

for (const backend of storageBackends()) {
  describe(`J-LIS OCSP responder on ${backend.name} (OpenSSL as the client)`, { skip: backend.skip }, () => {
    test('good, revoked with reason, unknown serial, unknown issuer; nonce echoed; delegated responder verifies', async () => {
      const t = clock(new Date().toISOString());
      const { jlis, done } = await freshJlis(backend, t.now);
      const server = await serve(jlis);
      const tmp = tempDir();
      try {
        const platform = await jlis.verifiers.add('test platform');
        const auth = `Authorization=Bearer ${platform.apiKey}`;
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const sig = card.signature!;
        const ca = writePem(tmp.dir, 'sig-ca.pem', sig.caCertDer);
        const leaf = writePem(tmp.dir, 'sig.pem', sig.der);
        const ocsp = (...extra: string[]) =>
          openssl([
            'ocsp',
            '-issuer',
            ca,
            '-url',
            `${server.url}/ocsp`,
            '-header',
            auth,
            '-CAfile',
            ca,
            ...extra,
          ]);

        const good = await ocsp('-cert', leaf, '-nonce', '-resp_text');
        assert.equal(good.status, 0, good.out);
        assert.match(good.out, /Response verify OK/);
        assert.match(good.out, /sig\.pem: good/);
        assert.match(good.out, /This Update: .*\n\s*Next Update: /);
        assert.match(good.out, /OCSP Nonce/);
        assert.match(good.out, /X509v3 Extended Key Usage: \n\s*OCSP Signing/);
        assert.match(good.out, /OCSP No Check/);
        assert.match(good.out, /CN\s*=\s*OCSP Responder/);

        t.advance(5000);
        await jlis.lifecycle.apply(card.cardId, {
          type: 'move',
          holder: { address: '宮城県仙台市青葉区国分町３－７－１', municipalityCode: '041009' },
        });
        const revoked = await ocsp('-cert', leaf, '-nonce');
        assert.equal(revoked.status, 0, revoked.out);
        assert.match(revoked.out, /sig\.pem: revoked/);
        assert.match(revoked.out, /Reason: affiliationChanged/);
        assert.match(revoked.out, /Revocation Time: /);

        // the auth certificate of the same card is still good (a move leaves it alone)
        const authCa = writePem(tmp.dir, 'auth-ca.pem', card.auth.caCertDer);
        const authLeaf = writePem(tmp.dir, 'auth.pem', card.auth.der);
        const authGood = await openssl([
          'ocsp',
          '-issuer',
          authCa,
          '-cert',
          authLeaf,
          '-url',
          `${server.url}/ocsp`,
          '-header',
          auth,
          '-CAfile',
          authCa,
        ]);
        assert.match(authGood.out, /auth\.pem: good/, authGood.out);

        const unknownSerial = await ocsp('-serial', '0x7FFFFFFF');
        assert.match(unknownSerial.out, /0x7FFFFFFF: unknown/, unknownSerial.out);

        // a CA that is not J-LIS's: same name, other key
        const stranger = strangerCa();
        const strangerPem = writePem(tmp.dir, 'stranger.pem', stranger);
        const unknownIssuer = await openssl([
          'ocsp',
          '-issuer',
          strangerPem,
          '-serial',
          `0x${sig.serial}`,
          '-url',
          `${server.url}/ocsp`,
          '-header',
          auth,
          '-CAfile',
          ca,
        ]);
        assert.match(unknownIssuer.out, new RegExp(`0x${sig.serial}: unknown`), unknownIssuer.out);

        // metering: 2 signature checks (¥20), 1 auth check (¥2); unknowns are free
        const st = await jlis.fees.statement(platform, japanMonth(t.now()));
        const line = (kind: string, purpose: string) =>
          st.lines.find((l) => l.kind === kind && l.purpose === purpose && l.channel === 'ocsp');
        assert.equal(line('validity', 'signature')?.count, 2);
        assert.equal(line('validity', 'signature')?.yen, 40);
        assert.equal(line('validity', 'auth')?.yen, 2);
        assert.equal(line('unknown', 'signature')?.count, 2);
        assert.equal(line('unknown', 'signature')?.yen, 0);
        assert.equal(st.total.yen, 42);
      } finally {
        await server.close();
        await done();
        tmp.cleanup();
      }
    });

    test('GET with the request in the path; malformed and unauthenticated requests get OCSP error statuses', async () => {
      const { jlis, done } = await freshJlis(backend);
      const server = await serve(jlis);
      const tmp = tempDir();
      try {
        const v = await jlis.verifiers.add('getter');
        const card = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        const ca = writePem(tmp.dir, 'ca.pem', card.auth.caCertDer);
        const leaf = writePem(tmp.dir, 'leaf.pem', card.auth.der);
        const reqFile = join(tmp.dir, 'req.der');
        const made = await openssl(['ocsp', '-issuer', ca, '-cert', leaf, '-no_nonce', '-reqout', reqFile]);
        assert.equal(made.status, 0, made.out);
        const b64 = readFileSync(reqFile).toString('base64');
        const res = await fetch(`${server.url}/ocsp/${encodeURIComponent(b64)}`, {
          headers: { authorization: `Bearer ${v.apiKey}` },
        });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'application/ocsp-response');
        const respFile = join(tmp.dir, 'resp.der');
        writeFileSync(respFile, new Uint8Array(await res.arrayBuffer()));
        const parsed = await openssl([
          'ocsp',
          '-respin',
          respFile,
          '-issuer',
          ca,
          '-cert',
          leaf,
          '-CAfile',
          ca,
        ]);
        assert.match(parsed.out, /Response verify OK/);
        assert.match(parsed.out, /leaf\.pem: good/);

        const post = (body: Uint8Array<ArrayBuffer>, headers: Record<string, string>) =>
          fetch(`${server.url}/ocsp`, { method: 'POST', body, headers });
        const garbage = await post(new Uint8Array([0x30, 0x03, 0x02, 0x01]), {
          'content-type': 'application/ocsp-request',
          authorization: `Bearer ${v.apiKey}`,
        });
        assert.equal(garbage.status, 200);
        // OCSPResponse { responseStatus malformedRequest(1) }
        assert.deepEqual([...new Uint8Array(await garbage.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x01]);

        const notDer = await fetch(`${server.url}/ocsp/bm90IGFuIE9DU1AgcmVxdWVzdA%3D%3D`, {
          headers: { authorization: `Bearer ${v.apiKey}` },
        });
        assert.deepEqual([...new Uint8Array(await notDer.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x01]);
        const badUrl = await fetch(`${server.url}/ocsp/%E0%A4%A`, {
          headers: { authorization: `Bearer ${v.apiKey}` },
        });
        assert.equal(badUrl.status, 400);
        assert.equal(((await badUrl.json()) as { error: string }).error, 'malformed_url');

        for (const authorization of [undefined, 'Bearer jlisv_not-a-key', 'Basic Zm9vOmJhcg==']) {
          const r = await post(new Uint8Array(readFileSync(reqFile)), {
            'content-type': 'application/ocsp-request',
            ...(authorization ? { authorization } : {}),
          });
          assert.equal(r.status, 200);
          assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
          // unauthorized(6)
          assert.deepEqual([...new Uint8Array(await r.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x06]);
        }
        const noAuth = await openssl(['ocsp', '-issuer', ca, '-cert', leaf, '-url', `${server.url}/ocsp`]);
        assert.match(noAuth.out, /Responder Error: unauthorized \(6\)/);

        const wrongType = await post(new Uint8Array(readFileSync(reqFile)), {
          'content-type': 'text/plain',
          authorization: `Bearer ${v.apiKey}`,
        });
        assert.equal(wrongType.status, 415);
        assert.equal(((await wrongType.json()) as { error: string }).error, 'unsupported_media_type');
        // a disabled verifier's key stops working
        await jlis.verifiers.setDisabled(v.id, true);
        const disabled = await openssl([
          'ocsp',
          '-issuer',
          ca,
          '-cert',
          leaf,
          '-url',
          `${server.url}/ocsp`,
          '-header',
          `Authorization=Bearer ${v.apiKey}`,
        ]);
        assert.match(disabled.out, /Responder Error: unauthorized \(6\)/);
      } finally {
        await server.close();
        await done();
        tmp.cleanup();
      }
    });

    test('a failure inside the responder is answered with internalError, not a stack trace', async () => {
      const { options, cleanup } = isolatedStorage(backend, 'jlis');
      const jlis = await openJlis({ storage: options });
      const server = await serve(jlis);
      try {
        const v = await jlis.verifiers.add('unlucky');
        await jlis.storage.close(); // the store goes away under the running server
        const r = await fetch(`${server.url}/ocsp`, {
          method: 'POST',
          body: new Uint8Array([0x30, 0x00]),
          headers: { 'content-type': 'application/ocsp-request', authorization: `Bearer ${v.apiKey}` },
        });
        assert.equal(r.status, 200);
        // OCSPResponse { responseStatus internalError(2) }
        assert.deepEqual([...new Uint8Array(await r.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x02]);
      } finally {
        await server.close();
        await jlis.crls.stop();
        await cleanup();
      }
    });

    test('the delegated responder is rotated before it expires and each generation answers for its own', async () => {
      const t = clock('2026-04-01T00:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      const server = await serve(jlis);
      const tmp = tempDir();
      try {
        const v = await jlis.verifiers.add('rotation');
        const before = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        const ask = async (caDer: Uint8Array, leafDer: Uint8Array) => {
          const ca = writePem(tmp.dir, 'ca.pem', caDer);
          const leaf = writePem(tmp.dir, 'leaf.pem', leafDer);
          const respFile = join(tmp.dir, 'resp.der');
          const r = await openssl([
            'ocsp',
            '-issuer',
            ca,
            '-cert',
            leaf,
            '-url',
            `${server.url}/ocsp`,
            '-header',
            `Authorization=Bearer ${v.apiKey}`,
            '-CAfile',
            ca,
            '-attime',
            String(Math.floor(t.now().getTime() / 1000)),
            // thisUpdate/nextUpdate follow the test's clock, not the machine's
            '-validity_period',
            '999999999',
            '-respout',
            respFile,
            '-resp_text',
          ]);
          const responder = /Serial Number:\s*\n?\s*([0-9a-f:]+)/i.exec(
            r.out.split('Certificate:')[1] ?? '',
          )?.[1];
          return { out: r.out, responder };
        };
        const first = await ask(before.auth.caCertDer, before.auth.der);
        assert.match(first.out, /leaf\.pem: good/, first.out);
        t.advance(5 * 86_400_000);
        assert.equal(
          (await ask(before.auth.caCertDer, before.auth.der)).responder,
          first.responder,
          'kept while fresh',
        );
        t.advance(16 * 86_400_000); // 21 days into a 30-day life: rotated
        const rotated = await ask(before.auth.caCertDer, before.auth.der);
        assert.match(rotated.out, /leaf\.pem: good/, rotated.out);
        assert.notEqual(rotated.responder, first.responder);

        const oldRoot = jlis.ca.active('auth');
        await jlis.ca.rollover('auth');
        const after = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        assert.notEqual(after.auth.caId, oldRoot.id);
        assert.match((await ask(after.auth.caCertDer, after.auth.der)).out, /leaf\.pem: good/);
        const old = await ask(before.auth.caCertDer, before.auth.der);
        assert.match(old.out, /Response verify OK/, 'the old generation still answers for its certificates');
        assert.match(old.out, /leaf\.pem: good/);
        assert.equal(
          new X509Certificate(after.auth.caCertDer).checkIssued(new X509Certificate(before.auth.der)),
          false,
        );
      } finally {
        await server.close();
        await done();
        tmp.cleanup();
      }
    });
  });
}

/** A self-signed root with J-LIS's name but a key of its own. */
function strangerCa(): Uint8Array {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const name = caName('signature');
  return signCertificate(
    {
      serialHex: '01',
      issuer: name,
      subject: name,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      spkiDer,
      extensions: [extensions.basicConstraints(true), extensions.keyUsage(KeyUsage.keyCertSign)],
    },
    privateKey,
  );
}
