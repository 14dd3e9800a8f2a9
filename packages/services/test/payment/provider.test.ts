import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen, openMigratedStorage, type Storage, silentLogger } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { cardBrand, expiryValid, luhnValid, normalizeCardNumber } from '../../src/payment/card.ts';
import { hostedCheckoutGateway, type PaymentGateway } from '../../src/payment/gateway.ts';
import { createPaymentServer } from '../../src/payment/server.ts';
import { type PaymentDB, paymentMigrations } from '../../src/payment/store.ts';

const KEY = 'sk_test_provider_0123456789';

describe('card checks', () => {
  test('Luhn: known test numbers pass, a changed digit fails', () => {
    for (const n of [
      '4111111111111111',
      '5555555555554444',
      '3530111333300000',
      '378282246310005',
      '30569309025904',
    ]) {
      assert.equal(luhnValid(n), true, n);
      assert.equal(luhnValid(n.slice(0, -1) + String((Number(n.at(-1)) + 1) % 10)), false, n);
    }
    assert.equal(luhnValid('4111'), false);
    assert.equal(luhnValid('abcd111111111111'), false);
  });
  test('brands and normalisation of what people type', () => {
    assert.equal(normalizeCardNumber('４１１１ １１１１-1111 1111'), '4111111111111111');
    assert.equal(cardBrand('4111111111111111'), 'visa');
    assert.equal(cardBrand('5555555555554444'), 'mastercard');
    assert.equal(cardBrand('2223003122003222'), 'mastercard');
    assert.equal(cardBrand('3530111333300000'), 'jcb');
    assert.equal(cardBrand('378282246310005'), 'amex');
    assert.equal(cardBrand('6011111111111117'), undefined);
  });
  test('expiry: valid through the end of its month in Japan time', () => {
    const now = new Date('2026-11-30T16:00:00Z'); // 2026-12-01 01:00 in Japan
    assert.equal(expiryValid(11, 26, now), false);
    assert.equal(expiryValid(12, 26, now), true);
    assert.equal(expiryValid(1, 27, now), true);
    assert.equal(expiryValid(13, 27, now), false);
    assert.equal(expiryValid(0, 27, now), false);
    assert.equal(expiryValid(1, 99, now), false); // beyond 20 years
  });
});

for (const backend of storageBackends()) {
  describe(`the simulated provider over HTTP (${backend.name})`, { skip: backend.skip }, () => {
    const store = isolatedStorage(backend, 'payment');
    let storage: Storage<PaymentDB>;
    let app: FastifyInstance;
    let url: string;
    let gateway: PaymentGateway;
    before(async () => {
      storage = await openMigratedStorage<PaymentDB>(store.options, paymentMigrations);
      app = createPaymentServer({
        storage,
        publicUrl: 'http://pay.test',
        secretKey: KEY,
        logger: silentLogger(),
      });
      url = await listen(app, 0);
      gateway = hostedCheckoutGateway({ baseUrl: url, secretKey: KEY });
    });
    after(async () => {
      await app?.close();
      await storage?.close();
      await store.cleanup();
    });

    const form = (fields: Record<string, string>) =>
      ({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      }) as const;
    const tokenOf = (html: string) => /name="_token" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const card = {
      number: '4111 1111 1111 1111',
      expMonth: '12',
      expYear: '99',
      cvc: '123',
      holder: 'TARO SHIKEN',
    };
    const year = String((new Date().getUTCFullYear() + 2) % 100).padStart(2, '0');

    test('the merchant API needs the secret key and valid amounts', async () => {
      const bad = hostedCheckoutGateway({ baseUrl: url, secretKey: 'sk_wrong_0123456789' });
      const order = { orderId: 'o1', amount: 100, description: 'x', returnUrl: 'http://shop.test/back' };
      for (const refused of [
        () => bad.createCheckout(order),
        () => gateway.createCheckout({ ...order, amount: 0 }),
        () => gateway.createCheckout({ ...order, returnUrl: 'javascript:alert(1)' }),
      ]) {
        await assert.rejects(refused, { code: 'payment_provider_error' });
      }
    });

    test('card entry → check → pay: bad cards are named field by field, a good one is charged once', async () => {
      const co = await gateway.createCheckout({
        orderId: 'order-1',
        amount: 1000,
        description: '書換交付手数料',
        returnUrl: 'http://shop.test/back',
      });
      assert.equal((await gateway.getPayment(co.paymentId)).status, 'pending');
      const path = new URL(co.checkoutUrl).pathname;
      const page = await (await fetch(`${url}${path}`)).text();
      assert.match(page, /1,000円/);
      const token = tokenOf(page);

      const wrong = await fetch(
        `${url}${path}/confirm`,
        form({
          _token: token,
          number: '4111 1111 1111 1112',
          expMonth: '13',
          expYear: year,
          cvc: '1',
          holder: '山田',
        }),
      );
      assert.equal(wrong.status, 400);
      const errors = await wrong.text();
      for (const msg of ['カード番号が正しくありません', '有効期限', 'セキュリティコード', 'カード名義']) {
        assert.match(errors, new RegExp(msg));
      }
      const forged = await fetch(`${url}${path}/pay`, form({ _token: 'forged', ...card, expYear: year }));
      assert.equal(forged.status, 403);
      assert.match(forged.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await forged.text(), /画面の有効期限が切れました/);
      const unknown = await fetch(`${url}/checkout/pay_unknown`);
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /このお支払いは見つかりません/);

      const confirm = await fetch(`${url}${path}/confirm`, form({ _token: token, ...card, expYear: year }));
      assert.equal(confirm.status, 200);
      assert.match(await confirm.text(), /\*\*\*\* \*\*\*\* \*\*\*\* 1111/);
      const paid = await fetch(`${url}${path}/pay`, form({ _token: token, ...card, expYear: year }));
      assert.equal(paid.status, 303);
      assert.equal(paid.headers.get('location'), `http://shop.test/back?payment_id=${co.paymentId}`);
      const state = await gateway.getPayment(co.paymentId);
      assert.equal(state.status, 'succeeded');
      assert.equal(state.orderId, 'order-1');
      assert.equal(state.cardLast4, '1111');
      // paying again does not charge twice
      await fetch(`${url}${path}/pay`, form({ _token: token, ...card, expYear: year }));
      const rows = await storage.db
        .selectFrom('payment')
        .selectAll()
        .where('id', '=', co.paymentId)
        .execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.card_last4, '1111');
      // the full number and the security code are stored nowhere
      assert.doesNotMatch(JSON.stringify(rows), /4111111111111111|"123"/);
    });

    test('a declined card leaves the payment open with a message; cancel returns to the merchant', async () => {
      const co = await gateway.createCheckout({
        orderId: 'order-2',
        amount: 500,
        description: 'x',
        returnUrl: 'http://shop.test/back',
      });
      const path = new URL(co.checkoutUrl).pathname;
      const token = tokenOf(await (await fetch(`${url}${path}`)).text());
      const declined = await fetch(
        `${url}${path}/pay`,
        form({ _token: token, ...card, number: '4000000000000002', expYear: year }),
      );
      assert.match(await declined.text(), /このカードはご利用いただけませんでした/);
      assert.equal((await gateway.getPayment(co.paymentId)).status, 'pending');
      const cancel = await fetch(`${url}${path}/cancel`, form({ _token: token }));
      assert.equal(cancel.status, 303);
      assert.equal((await gateway.getPayment(co.paymentId)).status, 'canceled');
    });
  });
}
