import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { openJlis } from '@honnin/jlis';
import { isolatedStorage } from '@honnin/runtime/testing';
import fc from 'fast-check';
import { ascii, concat, fromHex } from '../src/apdu/bytes.ts';
import { encodeCommand } from '../src/apdu/command.ts';
import { isDocumentedStatus, parseResponse, SW } from '../src/apdu/status.ts';
import type { PinRecord } from '../src/applets/applet.ts';
import { VirtualCard } from '../src/card.ts';
import { apIssuers, generateApIssuerKeys } from '../src/issuing/ap-issuers.ts';
import { libraryCertifier } from '../src/issuing/certification.ts';
import { type IssuedVirtualCard, issueCard } from '../src/issuing/issue-card.ts';
import { ADULT } from './support.ts';

let issued: IssuedVirtualCard;
const jlisStorage = isolatedStorage({ name: 'sqlite' }, 'jlis');

before(async () => {
  const jlis = await openJlis({ storage: jlisStorage.options });
  try {
    issued = await issueCard(
      {
        holder: ADULT,
        authPin: '1234',
        signPassword: 'ABC123',
        securityCode: '2285',
        individualNumber: '123456789018',
      },
      { certifier: libraryCertifier(jlis), issuers: apIssuers(await generateApIssuerKeys()) },
    );
  } finally {
    await jlis.close();
  }
});
after(() => jlisStorage.cleanup());

const AIDS = ['D392F000260100000001', 'D3921000310001010408', 'D3921000310001010402'].map(fromHex);
const EFS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x0a, 0x0b, 0x11, 0x12, 0x13, 0x14, 0x15, 0x17, 0x18, 0x1a, 0x1b,
];
const SECRETS = ['1234', 'ABC123', '123456789018', '55021720362285', '550217', '0000'].map(ascii);

/** Commands a client might send, well-formed or nearly so. */
const plausible = fc.oneof(
  fc.constantFrom(...AIDS).map((aid) => encodeCommand({ ins: 0xa4, p1: 4, p2: 0x0c, data: aid })),
  fc
    .constantFrom(...EFS)
    .map((ef) => encodeCommand({ ins: 0xa4, p1: 2, p2: 0x0c, data: Uint8Array.of(0, ef) })),
  fc
    .record({ off: fc.nat(0x7fff), ne: fc.integer({ min: 1, max: 300 }) })
    .map(({ off, ne }) => encodeCommand({ ins: 0xb0, p1: off >> 8, p2: off & 0xff, ne })),
  fc.constantFrom(...EFS).map((ef) => encodeCommand({ ins: 0xb0, p1: 0x80 | ef, p2: 0, ne: 256 })),
  fc
    .record({
      p2: fc.constantFrom(0x80, 0x91, 0x98, 0x9b),
      pin: fc.option(fc.oneof(fc.constantFrom(...SECRETS), fc.uint8Array({ maxLength: 20 }))),
    })
    .map(({ p2, pin }) => encodeCommand({ ins: 0x20, p1: 0, p2, data: pin ?? undefined })),
  fc
    .record({ pin: fc.oneof(fc.constantFrom(...SECRETS), fc.uint8Array({ maxLength: 20 })) })
    .map(({ pin }) => encodeCommand({ ins: 0x24, p1: 1, p2: 0x80, data: pin })),
  fc
    .uint8Array({ minLength: 1, maxLength: 300 })
    .map((d) => encodeCommand({ cla: 0x80, ins: 0x2a, p1: 0, p2: 0x80, data: d, ne: 256 })),
  fc
    .integer({ min: 0, max: 300 })
    .map((ne) => encodeCommand({ ins: 0x84, p1: 0, p2: 0, ne: ne || undefined })),
);

/** …and the same with random bytes flipped, cut or appended, plus pure noise. */
const command = fc.oneof(
  plausible,
  fc
    .tuple(
      plausible,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      fc.nat(8),
    )
    .map(([bytes, flips, cut]) => {
      const b = bytes.slice(0, Math.max(0, bytes.length - (cut % 4)));
      for (const [i, v] of flips) if (b.length) b[i % b.length] = v;
      return b;
    }),
  fc.tuple(plausible, fc.uint8Array({ maxLength: 4 })).map(([a, b]) => concat(a, b)),
  fc.uint8Array({ maxLength: 40 }),
);

test('random and mutated APDUs: no throw, documented status words, PIN counters move only as a card’s do', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), async (commands) => {
      let persisted: ReadonlyMap<string, PinRecord> | undefined;
      const card = new VirtualCard({
        token: issued.image.token,
        applets: issued.image.applets,
        pins: issued.image.pins,
        keys: issued.keys,
        persist: async (p) => {
          persisted = new Map([...p].map(([k, v]) => [k, { ...v }]));
        },
      });
      for (const c of commands) {
        const before = card.pinStatus();
        const { sw, data } = parseResponse(await card.transmit(c));
        assert.ok(isDocumentedStatus(sw), `undocumented status ${sw.toString(16)}`);
        if (sw !== SW.OK) assert.equal(data.length, 0, 'data only with 9000');
        const afterStatus = card.pinStatus();
        const isVerify = c.length >= 5 && c[0] === 0 && c[1] === 0x20;
        for (const [name, b] of Object.entries(before)) {
          const a = afterStatus[name]!;
          if (a.triesLeft === b.triesLeft) continue;
          assert.ok(isVerify, `${name} changed by a non-VERIFY ${Buffer.from(c).toString('hex')}`);
          if (sw === SW.OK) assert.equal(a.triesLeft, a.maxTries, 'success restores the counter');
          else {
            assert.equal(a.triesLeft, b.triesLeft - 1, 'a wrong PIN costs exactly one try');
            assert.equal(sw, SW.WRONG_PIN_BASE | a.triesLeft, '63Cx tells the tries left');
          }
        }
        // a locked PIN stays locked whatever comes
        for (const [name, b] of Object.entries(before))
          if (b.triesLeft === 0) assert.equal(afterStatus[name]!.triesLeft, 0);
      }
      // what was written to the store is what the card holds
      if (persisted)
        for (const [name, p] of persisted) assert.equal(p.triesLeft, card.pinStatus()[name]!.triesLeft);
    }),
    {
      numRuns: 300,
      seed: Number.parseInt(process.env.HONNIN_FUZZ_SEED ?? String(randomBytes(4).readUInt32BE() >> 1), 10),
    },
  );
});
