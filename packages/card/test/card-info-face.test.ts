import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hex } from '../src/apdu/bytes.ts';
import { readTlv, readTlvs } from '../src/apdu/tlv.ts';
import {
  checkDigit,
  isValidIndividualNumber,
  randomIndividualNumber,
} from '../src/issuing/individual-number.ts';
import { verificationCodeB } from '../src/issuing/verification-code.ts';
import { apdu, type TestCards, testCards } from './support.ts';

const SELECT_TEXT = '00A4040C0AD3921000310001010408';
const SELECT_FACE = '00A4040C0AD3921000310001010402';
const SELECT = (ef: string) => `00A4020C02${ef}`;
const verifyWith = (value: string) =>
  `00200080${value.length.toString(16).padStart(2, '0')}${Buffer.from(value).toString('hex')}`;
const bytes = (h: string) => new Uint8Array(Buffer.from(h.slice(0, -4), 'hex'));

test('個人番号 check digit per the ordinance; 照合番号B from birth date, expiry year and security code', () => {
  assert.equal(checkDigit('12345678901'), 8);
  assert.ok(isValidIndividualNumber('123456789018'));
  assert.ok(!isValidIndividualNumber('123456789019'));
  for (let i = 0; i < 50; i++)
    assert.ok(
      isValidIndividualNumber(randomIndividualNumber((n) => crypto.getRandomValues(new Uint8Array(n)))),
    );
  // card.md's example: 昭和55年2月17日, card expiring 2035, security code 2285
  assert.equal(verificationCodeB('1980-02-17', new Date('2035-02-17T14:59:59Z'), '2285'), '55021720352285');
  // the expiry year is Japan's: 31 Dec 15:30 UTC is already next year in Tokyo
  assert.equal(
    verificationCodeB('2019-05-01', new Date('2029-12-31T15:30:00Z'), '0001').slice(6, 10),
    '2030',
  );
});

describe('券面事項入力補助AP and 券面AP, byte by byte', () => {
  let t: TestCards;
  before(async () => {
    t = await testCards();
  });
  after(() => t.close());

  test('text AP files, sizes and who opens them', async () => {
    const { card, envelope } = await t.issue();
    assert.equal(await apdu(card, SELECT_TEXT), '9000');
    assert.equal(await apdu(card, SELECT('0001')), '9000');
    assert.equal(await apdu(card, '00B0000000'), '6982');
    await apdu(card, SELECT('0015'));
    assert.equal(await apdu(card, verifyWith(envelope.verificationCodeB)), '9000');
    assert.equal(await apdu(card, '00B0810000'), '6982', '照合番号B does not open the 個人番号');
    assert.equal((await apdu(card, '00B0820000')).slice(-4), '9000', 'but opens the 4 items');
    assert.equal((await apdu(card, '00B0830000')).slice(-4), '9000', 'and the integrity record');
    await apdu(card, SELECT_TEXT);
    await apdu(card, SELECT('0014'));
    assert.equal(await apdu(card, '00200080'), '63CA', '10 tries for 照合番号A');
    await apdu(card, verifyWith('123456789018'));
    const number = await apdu(card, '00B0810000');
    assert.equal(
      number,
      `FF100C${Buffer.from('123456789018').toString('hex').toUpperCase()}FFFF9000`,
      '17 bytes with filler',
    );
    assert.equal(await apdu(card, '00B0820000'), '6982', '照合番号A does not open the 4 items');
    const integrity = bytes(await apdu(card, '00B0830000'));
    const integrity2 = bytes(await apdu(card, '00B0010000'));
    const record = new Uint8Array([...integrity, ...integrity2]);
    assert.equal(record.length, 336);
    assert.equal(hex(record.subarray(0, 5)), 'FF3082014B');
    const kids = readTlvs(readTlv(record).value);
    assert.deepEqual(
      kids.map((k) => [k.tag.toString(16), k.value.length]),
      [
        ['df31', 32],
        ['df32', 32],
        ['df33', 256],
      ],
    );
    assert.equal(hex(kids[0]!.value), createHash('sha256').update(bytes(number)).digest('hex').toUpperCase());
    // 4 items: DF21 offsets point at DF22..DF25
    await apdu(card, SELECT_TEXT);
    await apdu(card, SELECT('0011'));
    await apdu(card, verifyWith('1234'));
    const info = bytes(await apdu(card, '00B0820000'));
    const offsets = readTlvs(readTlv(info).value)[0]!;
    assert.equal(offsets.tag, 0xdf21);
    for (let i = 0; i < 4; i++) {
      const at = (offsets.value[i * 2]! << 8) | offsets.value[i * 2 + 1]!;
      assert.equal(hex(info.subarray(at, at + 2)), `DF2${2 + i}`);
    }
    assert.equal(Buffer.from(readTlvs(readTlv(info).value)[1]!.value).toString('utf8'), '黒桐　幹也');
    // CV certificate: 7F21 82 0233 { 5F4E 82 0129 …, 5F37 82 0100 … }
    await apdu(card, SELECT('0004'));
    const cv1 = await apdu(card, '00B0000000');
    assert.equal(cv1.slice(0, 10), '7F21820233');
    assert.equal(cv1.slice(10, 20), '5F4E820129');
    const ascii7 = (at: number) => Buffer.from(cv1.slice(at, at + 14), 'hex').toString('latin1');
    assert.equal(ascii7(20), '6000000', 'issued by the CV root');
    assert.equal(ascii7(52), '6000033', "the text AP's issuer key (test-card number)");
    // the PIN and codes cannot be changed except the PIN
    await apdu(card, SELECT('0014'));
    assert.equal(await apdu(card, verifyWith('123456789018')), '9000');
    assert.equal(await apdu(card, '00240180 0C313131313131313131313131'.replace(' ', '')), '6982');
  });

  test('visual AP: the card face with 照合番号A or B, the age record with the birth-date key', async () => {
    const { card, envelope } = await t.issue();
    assert.equal(await apdu(card, SELECT_FACE), '9000');
    assert.equal(await apdu(card, '00B0820000'), '6982');
    assert.equal((await apdu(card, '00B0830000')).slice(-4), '9000', 'AP basic info is free');
    assert.equal((await apdu(card, '00B0840000')).slice(0, 10), '7F21820233');
    await apdu(card, SELECT('0012'));
    assert.equal(await apdu(card, verifyWith(envelope.verificationCodeB)), '9000');
    assert.equal((await apdu(card, '00B0820000')).slice(0, 4), 'FF20');
    assert.equal(await apdu(card, '00B0850000'), '6982', 'the 個人番号 image needs 照合番号A');
    assert.equal(await apdu(card, '00B0810000'), '6982', 'the age record needs the birth-date key');
    await apdu(card, SELECT('0011'));
    assert.equal(await apdu(card, verifyWith('550217')), '9000', 'birth date as era YYMMDD');
    assert.equal((await apdu(card, '00B0810000')).slice(0, 4), 'FF10');
    await apdu(card, SELECT('0013'));
    assert.equal(await apdu(card, verifyWith('123456789018')), '9000');
    const image = await apdu(card, '00B0850000');
    assert.match(image, /^FF4082[0-9A-F]{4}DF4182[0-9A-F]{4}89504E47/, 'a PNG inside FF40/DF41');
  });
});
