import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { freshJlis, holder, serve, spki } from './support.ts';

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

type Json = Record<string, unknown> & { error?: string; message?: string };

for (const backend of storageBackends()) {
  describe(`J-LIS admin API on ${backend.name}`, { skip: backend.skip }, () => {
    test('POST /admin/cards certifies card-generated keys; events replace and revoke; records show the states', async () => {
      const { jlis, done } = await freshJlis(backend);
      const server = await serve(jlis);
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${server.adminToken}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Json };
      };
      try {
        const issued = await call('POST', '/admin/cards', {
          holder,
          token: 'android',
          authPublicKey: b64(spki()),
          signaturePublicKey: b64(spki()),
        });
        assert.equal(issued.status, 201, JSON.stringify(issued.body));
        const card = issued.body as {
          cardId: string;
          holderId: string;
          token: string;
          expiresAt: string;
          auth: {
            serial: string;
            certificate: string;
            caCertificate: string;
            notBefore: string;
            notAfter: string;
          };
          signature: { serial: string; certificate: string; caCertificate: string };
        };
        assert.match(card.cardId, /^[0-9a-f-]{36}$/);
        assert.equal(card.token, 'android');
        assert.equal(card.expiresAt, new Date(card.expiresAt).toISOString());
        const authCert = new X509Certificate(Buffer.from(card.auth.certificate, 'base64'));
        assert.equal(authCert.serialNumber, card.auth.serial);
        assert.ok(
          authCert.verify(new X509Certificate(Buffer.from(card.auth.caCertificate, 'base64')).publicKey),
        );
        assert.equal(card.auth.notAfter, authCert.validToDate.toISOString());
        assert.ok(
          new X509Certificate(Buffer.from(card.signature.certificate, 'base64')).subjectAltName !== undefined,
        );

        const minor = await call('POST', '/admin/cards', {
          holder: { ...holder, birthDate: '2015-01-01' },
          authPublicKey: b64(spki()),
          signaturePublicKey: b64(spki()),
        });
        assert.equal(minor.status, 201);
        assert.equal(minor.body.signature, undefined);
        assert.equal(minor.body.token, 'card', 'token defaults to card');

        const moved = await call('POST', `/admin/cards/${card.cardId}/events`, {
          type: 'move',
          holder: { address: '愛知県名古屋市中区三の丸３－１－１', municipalityCode: '231002' },
          signaturePublicKey: b64(spki()),
        });
        assert.equal(moved.status, 200, JSON.stringify(moved.body));
        assert.equal(moved.body.event, 'move');
        assert.deepEqual(
          (moved.body.revoked as { serial: string; reason: string }[]).map((r) => [r.serial, r.reason]),
          [[card.signature.serial, 'affiliationChanged']],
        );
        const newSig = moved.body.signature as { serial: string; certificate: string };
        assert.match(new X509Certificate(Buffer.from(newSig.certificate, 'base64')).subject, /Nagoya-shi/);

        const renewed = await call('POST', `/admin/cards/${card.cardId}/events`, {
          type: 'renewal',
          authPublicKey: b64(spki()),
          signaturePublicKey: b64(spki()),
        });
        assert.equal(renewed.status, 200);
        assert.ok(renewed.body.auth && renewed.body.signature);

        const record = await call('GET', `/admin/cards/${card.cardId}`);
        const certs = record.body.certificates as { purpose: string; status: string; reason?: string }[];
        assert.deepEqual(certs.map((c) => `${c.purpose} ${c.status} ${c.reason ?? ''}`.trim()).sort(), [
          'auth good',
          'auth revoked superseded',
          'signature good',
          'signature revoked affiliationChanged',
          'signature revoked superseded',
        ]);
        const list = await call('GET', '/admin/cards?limit=1');
        assert.equal((list.body.cards as unknown[]).length, 1);

        const authSerial = (renewed.body.auth as { serial: string }).serial;
        const revoked = await call('POST', `/admin/certificates/auth/${authSerial}/revoke`, {
          reason: 'keyCompromise',
        });
        assert.equal(revoked.status, 200);
        assert.equal(revoked.body.reason, 'keyCompromise');
        const again = await call('POST', `/admin/certificates/auth/${authSerial}/revoke`, {
          reason: 'keyCompromise',
        });
        assert.equal(again.status, 409);
        assert.equal(again.body.error, 'jlis_certificate_revoked');
        const cert = await call('GET', `/admin/certificates/auth/${authSerial.toLowerCase()}`);
        assert.equal(cert.body.event, 'revoke');

        const loss = await call('POST', `/admin/cards/${card.cardId}/events`, { type: 'loss' });
        assert.equal(loss.status, 200);
        const afterLoss = await call('POST', `/admin/cards/${card.cardId}/events`, {
          type: 'renewal',
          authPublicKey: b64(spki()),
        });
        assert.equal(afterLoss.status, 409);
        assert.equal(afterLoss.body.error, 'jlis_card_not_active');

        const reissued = await call('POST', '/admin/cards', {
          holderId: card.holderId,
          authPublicKey: b64(spki()),
          signaturePublicKey: b64(spki()),
        });
        assert.equal(reissued.status, 201, JSON.stringify(reissued.body));
        assert.equal(reissued.body.holderId, card.holderId);
        assert.ok(reissued.body.signature);
        assert.deepEqual(reissued.body.revoked, [], 'the lost card was on hold already');
        const both = await call('POST', '/admin/cards', {
          holder,
          holderId: card.holderId,
          authPublicKey: b64(spki()),
        });
        assert.equal(both.status, 400);
        assert.equal(both.body.error, 'invalid_request');

        const rollover = await call('POST', '/admin/ca/auth/rollover');
        assert.equal(rollover.status, 201);
        assert.equal(jlis.ca.active('auth').id, rollover.body.id);
      } finally {
        await server.close();
        await done();
      }
    });

    test('bad requests get 400/401/404/409 with stable codes and no stack traces', async () => {
      const { jlis, done } = await freshJlis(backend);
      const server = await serve(jlis);
      const send = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
        const token = init.token === undefined ? server.adminToken : init.token;
        const res = await fetch(`${server.url}${path}`, {
          method: init.method ?? 'POST',
          body: init.body,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
        });
        const text = await res.text();
        assert.doesNotMatch(text, /\n\s+at |stack/i, 'no stack trace leaks');
        return { status: res.status, headers: res.headers, body: JSON.parse(text) as Json };
      };
      try {
        const cases: [string, RequestInit & { token?: string | null }, number, string][] = [
          ['/admin/cards', { token: null, body: '{}' }, 401, 'jlis_admin_unauthorized'],
          ['/admin/cards', { token: 'wrong-token-wrong-token', body: '{}' }, 401, 'jlis_admin_unauthorized'],
          ['/admin/cards', { body: '{"holder":' }, 400, 'malformed_body'],
          ['/admin/cards', { body: '[]' }, 400, 'invalid_request'],
          [
            '/admin/cards',
            { body: JSON.stringify({ holder, authPublicKey: '###' }) },
            400,
            'invalid_request',
          ],
          [
            '/admin/cards',
            { body: JSON.stringify({ holder, authPublicKey: b64(spki()), extra: 1 }) },
            400,
            'invalid_request',
          ],
          [
            '/admin/cards',
            { body: JSON.stringify({ holder, authPublicKey: 'AAAA' }) },
            400,
            'jlis_public_key_invalid',
          ],
          [
            '/admin/cards',
            {
              body: JSON.stringify({
                holder: { ...holder, municipalityCode: '000000' },
                authPublicKey: b64(spki()),
              }),
            },
            400,
            'jlis_holder_invalid',
          ],
          [
            '/admin/cards',
            {
              body: JSON.stringify({
                holder: { ...holder, birthDate: '2999-01-01' },
                authPublicKey: b64(spki()),
              }),
            },
            400,
            'jlis_holder_invalid',
          ],
          ['/admin/cards/not-a-uuid/events', { body: '{"type":"loss"}' }, 400, 'invalid_request'],
          [
            '/admin/cards/00000000-0000-4000-8000-000000000000/events',
            { body: '{"type":"loss"}' },
            404,
            'jlis_card_unknown',
          ],
          [
            '/admin/cards/00000000-0000-4000-8000-000000000000/events',
            { body: '{"type":"marriage"}' },
            400,
            'invalid_request',
          ],
          [
            '/admin/certificates/auth/XYZ/revoke',
            { body: '{"reason":"unspecified"}' },
            400,
            'invalid_request',
          ],
          ['/admin/certificates/auth/ABC/revoke', { body: '{"reason":"bored"}' }, 400, 'invalid_request'],
          [
            '/admin/certificates/auth/ABC/revoke',
            { body: '{"reason":"unspecified"}' },
            404,
            'jlis_certificate_unknown',
          ],
          ['/admin/verifiers', { body: '{"name":""}' }, 400, 'invalid_request'],
          ['/admin/verifiers/nobody/statements/2026-04', { method: 'GET' }, 404, 'jlis_verifier_unknown'],
          ['/admin/nowhere', { method: 'GET' }, 404, 'not_found'],
        ];
        for (const [path, init, status, code] of cases) {
          const r = await send(path, init);
          assert.equal(r.status, status, `${path} ${init.body ?? ''}: ${JSON.stringify(r.body)}`);
          assert.equal(r.body.error, code, `${path} ${init.body ?? ''}`);
          assert.equal(typeof r.body.message, 'string');
          if (status === 401) assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
        }
        const invalid = await send('/admin/cards', { body: JSON.stringify({ holder: {} }) });
        const problems = (invalid.body.details as { problems: string[] }).problems;
        assert.ok(problems.some((p) => p.startsWith('holder.name')));
        assert.ok(problems.some((p) => p.startsWith('authPublicKey')));

        const made = await send('/admin/verifiers', { body: '{"name":"bank"}' });
        assert.equal(made.status, 201);
        assert.match(String(made.body.apiKey), /^jlisv_/);
        const dup = await send('/admin/verifiers', { body: '{"name":"bank"}' });
        assert.equal(dup.status, 409);
        assert.equal(dup.body.error, 'jlis_verifier_exists');
        const listed = await send('/admin/verifiers', { method: 'GET' });
        assert.doesNotMatch(JSON.stringify(listed.body), new RegExp(String(made.body.apiKey)));
        const badMonth = await send(`/admin/verifiers/${made.body.id}/statements/2026-13`, { method: 'GET' });
        assert.equal(badMonth.body.error, 'jlis_month_invalid');
        // nothing was stored by the refused requests
        assert.equal((await jlis.records.cards()).length, 0);
      } finally {
        await server.close();
        await done();
      }
    });
  });
}
