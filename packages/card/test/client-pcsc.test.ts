import assert from 'node:assert/strict';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '@honnin/runtime/testing';
import { PcscTransport } from '../src/transports/pcsc.ts';
import { exposeViaVpcd, type VpcdExposure } from '../src/transports/vpcd.ts';
import { clientSuite } from './client-suite.ts';
import { ensurePcscd, pcscdSkip, stopPcscd, tool } from './pcscd.ts';
import { type TestCards, testCards } from './support.ts';

// One file for everything that needs pcscd: its tests run one after another.
const skip = pcscdSkip();
const READER = 'Virtual PCD 00 00';

before(async () => {
  if (!skip) await ensurePcscd();
});
after(stopPcscd);

describe('the virtual card in pcscd, seen by OpenSC', { skip }, () => {
  let t: TestCards;
  let exposure: VpcdExposure;
  let certificate: Uint8Array;
  before(async () => {
    t = await testCards();
    const { card } = await t.issue();
    exposure = exposeViaVpcd(card);
    await exposure.connected;
    const { JpkiClient } = await import('../src/client/jpki-client.ts');
    const { MemoryTransport } = await import('../src/transports/memory.ts');
    certificate = await new JpkiClient(
      new MemoryTransport(await t.store.load((await t.store.list())[0]!.id)),
    ).readAuthCertificate();
  });
  after(async () => {
    await exposure?.close();
    await t?.close();
  });

  test('the reader has the card, with the My Number Card ATR', async () => {
    let readers = '';
    for (let i = 0; i < 50 && !/0\s+Yes\s+Virtual PCD 00 00/.test(readers); i++) {
      readers = await tool('opensc-tool', ['--list-readers']);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(readers, /0\s+Yes\s+Virtual PCD 00 00/);
    assert.match(await tool('opensc-tool', ['-r', '0', '-a']), /3b:e0:00:ff:81:31:fe:45:14/);
  });

  test("OpenSC's JPKI driver lists and reads the certificates", async () => {
    const list = await tool('pkcs15-tool', ['-r', '0', '--list-certificates']);
    assert.match(list, /User Authentication Certificate\]/);
    assert.match(list, /Digital Signature Certificate\]/);
    const pem = await tool('pkcs15-tool', ['-r', '0', '--read-certificate', '01']);
    const der = new X509Certificate(pem.slice(pem.indexOf('-----BEGIN'))).raw;
    assert.deepEqual(new Uint8Array(der), certificate);
  });

  test('OpenSC signs with the auth key after the PIN (pkcs15-crypt)', async () => {
    const dir = tempDir();
    try {
      const data = Buffer.from('OpenSC が署名する');
      writeFileSync(join(dir.dir, 'hash'), createHash('sha256').update(data).digest());
      await tool('pkcs15-crypt', [
        '-r',
        '0',
        '--sign',
        '--key',
        '01',
        '--pkcs1',
        '--sha-256',
        '--pin',
        '1234',
        '--input',
        join(dir.dir, 'hash'),
        '--output',
        join(dir.dir, 'sig'),
      ]);
      const sig = readFileSync(join(dir.dir, 'sig'));
      assert.equal(sig.length, 256);
      assert.ok(verify('sha256', data, new X509Certificate(certificate).publicKey, sig));
    } finally {
      dir.cleanup();
    }
  });
});

let current: VpcdExposure | undefined;
clientSuite(
  'PC/SC (pcscd + vpcd)',
  () => ({
    async connect(id, store) {
      await current?.close();
      current = exposeViaVpcd(await store.load(id));
      await current.connected;
      const exposure = current;
      const transport = await PcscTransport.connect({ reader: READER });
      return { transport, remove: () => exposure.close() };
    },
    async stop() {
      await current?.close();
    },
  }),
  { skip },
);

// The local bridge in front of the same reader: the page's WebSocket code drives a PC/SC card.
let bridge: import('fastify').FastifyInstance | undefined;
let bridgeUrl = '';
let bridged: VpcdExposure | undefined;
clientSuite(
  'the local bridge (WebSocket → PC/SC reader)',
  () => ({
    async start() {
      const { createBridge } = await import('../src/transports/bridge.ts');
      const { listen } = await import('@honnin/runtime');
      bridge = await createBridge({ allowedOrigins: [] });
      bridgeUrl = (await listen(bridge, 0)).replace('http', 'ws');
    },
    async connect(id, store) {
      await bridged?.close();
      bridged = exposeViaVpcd(await store.load(id));
      await bridged.connected;
      const exposure = bridged;
      const { WebSocketTransport } = await import('../src/transports/websocket.ts');
      const transport = await WebSocketTransport.connect(
        `${bridgeUrl}/v1/cards/${encodeURIComponent(READER)}/tap`,
      );
      return { transport, remove: () => exposure.close() };
    },
    async stop() {
      await bridged?.close();
      await bridge?.close();
    },
  }),
  { skip },
);
