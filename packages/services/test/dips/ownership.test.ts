import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import { Applications } from '../../src/dips/application/applications.ts';
import type { DipsDB } from '../../src/dips/store/schema.ts';
import { hidden } from '../web/client.ts';
import { AIRCRAFT, enterApplication, signUp, startDips, submitApplication } from './support.ts';

/**
 * An application and its aircraft are their account's: another account gets
 * "not found" on every citizen route — pages, form posts, the status poll —
 * and changes nothing.
 */
for (const backend of storageBackends()) {
  describe(`DIPS applications belong to their account (${backend.name})`, { skip: backend.skip }, () => {
    let dips: Awaited<ReturnType<typeof startDips>>;
    before(async () => {
      dips = await startDips(backend);
    });
    after(async () => dips?.close());

    test("account B reaches none of A's application, draft or submitted", async () => {
      const a = dips.client();
      await signUp(a, { email: 'owner-a@example.jp' });
      const base = await enterApplication(a, { owner: { email: 'owner-a@example.jp' } });
      const aircraftPage = await a.follow(`${base}/aircraft`);
      const aircraftId = new RegExp(`${base}/aircraft/([0-9a-f-]{36})`).exec(aircraftPage.text)![1]!;

      const b = dips.client();
      await signUp(b, { email: 'owner-b@example.jp' });
      const menu = await b.follow('/');
      const csrf = hidden(menu.text, '_csrf');
      const refused = async (what: string, r: Response) => {
        assert.equal(r.status, 404, what);
        const text = await r.text();
        assert.doesNotMatch(text, /DIPS|SN-0001|山田/, `${what} shows nothing of A's`);
      };
      for (const path of [
        base,
        `${base}/method`,
        `${base}/owner`,
        `${base}/aircraft`,
        `${base}/aircraft/${aircraftId}`,
        `${base}/user`,
        `${base}/confirm`,
        `${base}/submit`,
        `${base}/verify`,
        `${base}/complete`,
      ]) {
        await refused(`GET ${path}`, await b.get(path));
      }
      const status = await b.request('GET', `${base}/verify/status`, undefined, {
        accept: 'application/json',
      });
      assert.equal(status.status, 404);
      for (const [path, body] of [
        [`${base}/aircraft/${aircraftId}`, { ...AIRCRAFT, model: 'STOLEN' }],
        [`${base}/aircraft/${aircraftId}/delete`, {}],
        [`${base}/owner`, { name: '乗っ取り 太郎' }],
        [`${base}/submit`, {}],
        [`${base}/verify/cancel`, {}],
      ] as const) {
        await refused(`POST ${path}`, await b.post(path, { _csrf: csrf, ...body }));
      }

      // A's application is as A left it, and still A's to submit
      const mine = await a.follow(`${base}/aircraft/${aircraftId}`);
      assert.match(mine.text, /value="S10001"/);
      const done = await submitApplication(a, base);
      assert.match(done.url, /\/verify$/);
      await refused(`GET ${base} (submitted)`, await b.get(base));
      await refused(`GET ${base}/verify (submitted)`, await b.get(`${base}/verify`));
      const list = await b.follow('/applications');
      assert.doesNotMatch(list.text, new RegExp(base.split('/').at(-1)!));
    });

    test('the citizen lookup needs an account: none is nobody, never "any"', async () => {
      const apps = new Applications((await dips.db()) as Kysely<DipsDB>, Date.now);
      const a = dips.client();
      await signUp(a, { email: 'owner-c@example.jp' });
      const base = await enterApplication(a, { owner: { email: 'owner-c@example.jp' } });
      const id = base.split('/').at(-1)!;
      await assert.rejects(apps.ownedBy('', id), { code: 'application_not_found' });
      assert.equal((await apps.forOffice(id)).id, id);
    });
  });
}
