// `npm run bench -- card`: APDU round trips per second in memory, over the
// card host's WebSocket tap, and through pcscd + vpcd (PC/SC); card signatures
// per second. Every figure is set against the in-memory card (or Node's own
// RSA signing) measured in the same run.
import { constants, generateKeyPairSync, privateEncrypt } from 'node:crypto';
import { listen, MemoryState } from '@honnin/runtime';
import { fromHex } from '../packages/card/src/apdu/bytes.ts';
import { JpkiClient } from '../packages/card/src/client/jpki-client.ts';
import { createCardHost } from '../packages/card/src/host/server.ts';
import { MemoryTransport } from '../packages/card/src/transports/memory.ts';
import { PcscTransport } from '../packages/card/src/transports/pcsc.ts';
import type { CardTransport } from '../packages/card/src/transports/transport.ts';
import { exposeViaVpcd } from '../packages/card/src/transports/vpcd.ts';
import { WebSocketTransport } from '../packages/card/src/transports/websocket.ts';
import { ensurePcscd, pcscdSkip, stopPcscd } from '../packages/card/test/pcscd.ts';
import { testCards } from '../packages/card/test/support.ts';
import { heading, rate, row } from './lib.ts';

const READ_256 = fromHex('00B0000000');

async function roundTrips(transport: CardTransport): Promise<number> {
  await transport.transmit(fromHex('00A4040C0AD392F000260100000001'));
  await transport.transmit(fromHex('00A4020C02000A'));
  return (await rate(() => transport.transmit(READ_256), 2)).perSecond;
}

export default async function cardBench(): Promise<void> {
  heading('card — APDU round trips (READ BINARY of 256 bytes of the auth certificate)');
  const t = await testCards();
  try {
    const { summary } = await t.issue();
    const memory = await roundTrips(new MemoryTransport(await t.store.load(summary.id)));
    const baseline = { label: 'in memory', value: memory };
    row('in memory (VirtualCard, PIN counters persisted to SQLite)', memory, 'APDU/s');

    const { app } = await createCardHost({
      store: t.store,
      state: new MemoryState('cards'),
      allowedOrigins: [],
    });
    const url = (await listen(app, 0)).replace('http', 'ws');
    const ws = await WebSocketTransport.connect(`${url}/v1/cards/${summary.id}/tap`);
    row('WebSocket tap on the card host (loopback)', await roundTrips(ws), 'APDU/s', baseline);
    await ws.close();
    await app.close();

    const skip = (() => {
      try {
        return pcscdSkip();
      } catch (e) {
        return (e as Error).message;
      }
    })();
    if (skip) process.stdout.write(`  pcscd + vpcd: skipped (${skip})\n`);
    else {
      await ensurePcscd();
      const exposure = exposeViaVpcd(await t.store.load(summary.id));
      await exposure.connected;
      const pcsc = await PcscTransport.connect({ reader: 'Virtual PCD 00 00' });
      row('PC/SC through pcscd + vpcd (TCP to the virtual card)', await roundTrips(pcsc), 'APDU/s', baseline);
      await pcsc.close();
      await exposure.close();
      await stopPcscd();
    }

    heading('card — signatures (VERIFY + SELECT + COMPUTE DIGITAL SIGNATURE, RSA-2048)');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const info = fromHex(`3031300D060960864801650304020105000420${'AB'.repeat(32)}`);
    const raw = (
      await rate(() => privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, info), 2)
    ).perSecond;
    row('Node crypto, RSA-2048 PKCS#1 v1.5 (baseline)', raw, 'sig/s');
    const client = new JpkiClient(new MemoryTransport(await t.store.load(summary.id)));
    row(
      'JPKI client → in-memory card, auth key',
      (await rate(() => client.sign('auth', '1234', info), 2)).perSecond,
      'sig/s',
      {
        label: 'Node crypto',
        value: raw,
      },
    );
  } finally {
    await t.close();
  }
}
