import { connect, type Socket } from 'node:net';
import type { Logger } from '@honnin/runtime';

/**
 * Puts a virtual card into pcscd's "Virtual PCD" reader (Debian's
 * vsmartcard-vpcd driver), so every PC/SC program sees it as a real card.
 * The card is the TCP client of the driver (127.0.0.1:35963 for the first
 * reader); every message is a 2-byte big-endian length and a payload. A 1-byte
 * payload is control — 00 power off, 01 power on, 02 reset, 04 "send your ATR"
 * — anything longer a command APDU, answered with the response APDU.
 */
export const VPCD_PORT = 35963;

export interface VpcdCard {
  readonly atr: Uint8Array;
  transmit(command: Uint8Array): Promise<Uint8Array>;
  reset(): Uint8Array;
}

export interface VpcdExposure {
  /** resolves once pcscd's driver has accepted the connection */
  readonly connected: Promise<void>;
  /** takes the card out of the reader (closes the connection, stops retrying) */
  close(): Promise<void>;
}

export function exposeViaVpcd(
  card: VpcdCard,
  opts: { host?: string; port?: number; retryMs?: number; logger?: Logger | undefined } = {},
): VpcdExposure {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? VPCD_PORT;
  let socket: Socket | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let onConnected: () => void;
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });

  const frame = (payload: Uint8Array) => {
    const out = Buffer.alloc(payload.length + 2);
    out.writeUInt16BE(payload.length);
    out.set(payload, 2);
    return out;
  };

  const attach = () => {
    if (closed) return;
    const s = connect({ host, port });
    socket = s;
    let buffered = Buffer.alloc(0);
    // commands are answered in order even though the card answers asynchronously
    let chain: Promise<void> = Promise.resolve();
    s.setNoDelay(true);
    s.on('connect', () => {
      opts.logger?.info({ port }, 'card inserted into the vpcd reader');
      onConnected();
    });
    s.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const payload = new Uint8Array(buffered.subarray(2, 2 + len));
        buffered = buffered.subarray(2 + len);
        chain = chain.then(async () => {
          if (payload.length === 1) {
            const control = payload[0];
            if (control === 0x04) s.write(frame(card.atr));
            else card.reset(); // power off, power on, reset: the session is gone
          } else if (payload.length > 1) {
            s.write(frame(await card.transmit(payload)));
          }
        });
        chain = chain.catch((e: unknown) => {
          opts.logger?.error({ err: e }, 'vpcd card failed');
          s.destroy();
        });
      }
    });
    s.on('error', () => {});
    s.on('close', () => {
      socket = undefined;
      // pcscd not there (yet), or restarted: try again
      if (!closed) retry = setTimeout(attach, opts.retryMs ?? 500);
    });
  };
  attach();

  return {
    connected,
    async close() {
      closed = true;
      clearTimeout(retry);
      const s = socket;
      if (!s || s.destroyed) return;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end();
        setTimeout(() => s.destroy(), 1000).unref();
      });
    },
  };
}
