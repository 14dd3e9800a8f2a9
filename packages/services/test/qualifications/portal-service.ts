import { type Logger, listen, openStorage, type Storage } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import { hostedCheckoutGateway } from '../../src/payment/gateway.ts';
import { enrollWithOfficialCa } from '../../src/qualifications/certificate/signing-keys.ts';
import { createQualificationsService } from '../../src/qualifications/service.ts';
import type { WebDB } from '../../src/web/session.ts';
import { FormClient } from '../web/client.ts';

/**
 * The qualifications portal on a fresh storage, for tests of its pages alone:
 * the platform, the official-status CA and the payment provider it names are
 * not running (nothing here signs, certifies or pays).
 */
export async function startPortal(backend: StorageBackend, opts: { logger?: Logger } = {}) {
  const store = isolatedStorage(backend, 'qualifications');
  const nowhere = 'http://127.0.0.1:9';
  const service = await createQualificationsService({
    storage: store.options,
    publicUrl: 'http://127.0.0.1:0',
    verifyUrl: nowhere,
    issuer: nowhere,
    clientId: 'RP00000002',
    enroll: enrollWithOfficialCa(nowhere, 'unused-enrollment-token'),
    payments: hostedCheckoutGateway({ baseUrl: nowhere, secretKey: 'unused-secret-key-0' }),
    staffPassword: 'staff-password',
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const url = await listen(service.app, 0);
  let reader: Storage<WebDB> | undefined;
  return {
    url,
    service,
    client: () => new FormClient(url),
    /** a second connection to the service's storage, to check the sessions it keeps */
    async db() {
      reader ??= await openStorage<WebDB>(store.options);
      return reader.db;
    },
    async close() {
      await reader?.close();
      await service.close();
      await store.cleanup();
    },
  };
}
