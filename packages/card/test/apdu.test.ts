import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, hex } from '../src/apdu/bytes.ts';
import { encodeCommand, MalformedApduError, parseCommand } from '../src/apdu/command.ts';
import { encodeResponse, parseResponse } from '../src/apdu/status.ts';
import { encodedLength, readTlv, tlv } from '../src/apdu/tlv.ts';

test('the four APDU cases parse in short and extended form', () => {
  assert.deepEqual(parseCommand(fromHex('00200080')), {
    cla: 0,
    ins: 0x20,
    p1: 0,
    p2: 0x80,
    data: new Uint8Array(0),
    ne: undefined,
    extended: false,
  });
  assert.equal(parseCommand(fromHex('00B0000000')).ne, 256, 'Le 00 means 256');
  assert.equal(parseCommand(fromHex('00B0000010')).ne, 16);
  const case3 = parseCommand(fromHex('00A4040C0AD392F000260100000001'));
  assert.equal(hex(case3.data), 'D392F000260100000001');
  assert.equal(case3.ne, undefined);
  const case4 = parseCommand(fromHex('802A00800301020300'));
  assert.equal(hex(case4.data), '010203');
  assert.equal(case4.ne, 256);
  assert.equal(parseCommand(fromHex('00B00000000000')).ne, 65536, 'extended Le 0000 means 65536');
  const ext = parseCommand(fromHex(`802A0080000100${'AB'.repeat(256)}0000`));
  assert.equal(ext.data.length, 256);
  assert.equal(ext.extended, true);
  assert.equal(ext.ne, 65536);
});

test('lengths that do not add up are malformed', () => {
  for (const bad of ['00', '00A404', '00A4040C05D392', '00A4040C02D39200FF', '002000800000010101'])
    assert.throws(() => parseCommand(fromHex(bad)), MalformedApduError, bad);
});

test('encoding picks short or extended form and round-trips', () => {
  assert.equal(hex(encodeCommand({ ins: 0xb0, p1: 0, p2: 0, ne: 256 })), '00B0000000');
  assert.equal(
    hex(encodeCommand({ cla: 0x80, ins: 0x2a, p1: 0, p2: 0x80, data: fromHex('01'), ne: 256 })),
    '802A0080010100',
  );
  const big = encodeCommand({ ins: 0xb0, p1: 0, p2: 0, data: new Uint8Array(300), ne: 1000 });
  const back = parseCommand(big);
  assert.equal(back.data.length, 300);
  assert.equal(back.ne, 1000);
  assert.deepEqual(parseResponse(encodeResponse(0x63c2)), { data: new Uint8Array(0), sw: 0x63c2 });
});

test('TLVs with two-byte tags and long lengths; DER sizes from a header', () => {
  const t = tlv(0xdf33, new Uint8Array(256));
  assert.equal(hex(t.subarray(0, 5)), 'DF33820100');
  const back = readTlv(t);
  assert.equal(back.tag, 0xdf33);
  assert.equal(back.value.length, 256);
  assert.equal(encodedLength(fromHex('30820471')), 0x475);
  assert.equal(encodedLength(fromHex('FF100C')), 15);
  assert.equal(encodedLength(fromHex('30')), undefined);
});
