import { envBoolean, type Logger, port, z } from '@honnin/runtime';
import type { JlisOptions } from './jlis.ts';

/** `jlis.*` configuration (README, "J-LIS simulator"). */
export const jlisConfig = z.object({
  port: port.default(7001),
  /** bearer token of the admin API; generated into <dataDir>/credentials/jlis-admin-token when absent */
  adminToken: z.string().min(16).optional(),
  /** encrypts the CA and OCSP responder keys at rest */
  keyPassphrase: z.string().min(8).optional(),
  /** how long an OCSP answer is fresh (nextUpdate − thisUpdate) */
  ocspValiditySeconds: z.coerce.number().int().min(60).max(604_800).default(3600),
  /** life of a delegated OCSP responder certificate; replaced after two thirds of it */
  ocspResponderDays: z.coerce.number().int().min(1).max(365).default(30),
  /** a CRL is re-issued at least this often (its nextUpdate − thisUpdate); J-LIS publishes daily */
  crlIntervalSeconds: z.coerce.number().int().min(60).default(86_400),
  /** also re-issue a generation's CRL as soon as it revokes something (false: only on the schedule) */
  crlOnRevocation: envBoolean.default(true),
});
export type JlisConfig = z.infer<typeof jlisConfig>;

export function jlisOptions(
  shared: { dataDir: string; databaseUrl?: string | undefined },
  config: JlisConfig,
  logger?: Logger,
): JlisOptions {
  return {
    storage: { dataDir: shared.dataDir, databaseUrl: shared.databaseUrl },
    keyPassphrase: config.keyPassphrase,
    ocspValiditySeconds: config.ocspValiditySeconds,
    ocspResponderDays: config.ocspResponderDays,
    crlIntervalSeconds: config.crlIntervalSeconds,
    crlOnRevocation: config.crlOnRevocation,
    logger,
  };
}
