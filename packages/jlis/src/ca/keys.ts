import { createPrivateKey, type KeyObject } from 'node:crypto';
import { HonninError } from '@honnin/runtime';

/** PKCS#8 PEM of a J-LIS private key, encrypted (AES-256-CBC) when a passphrase is configured. */
export function exportPrivateKey(key: KeyObject, passphrase: string | undefined): string {
  return key.export({
    type: 'pkcs8',
    format: 'pem',
    ...(passphrase ? { cipher: 'aes-256-cbc', passphrase } : {}),
  }) as string;
}

export function importPrivateKey(pem: string, passphrase: string | undefined, what: string): KeyObject {
  try {
    return createPrivateKey(passphrase ? { key: pem, passphrase } : pem);
  } catch (e) {
    throw new HonninError(
      'jlis_ca_key_locked',
      `${what} key cannot be opened (wrong or missing key passphrase?)`,
      { status: 500, cause: e },
    );
  }
}
