import { definePart, envBoolean, HonninError, listen, port, z } from '@honnin/runtime';
import { CREDENTIALS, credential } from '@honnin/runtime/credentials';
import { hostedCheckoutGateway } from '../payment/gateway.ts';
import { paymentKey } from '../payment/part.ts';
import { relyingPartyMigrations } from '../relying-party/store.ts';
import { randomStaffPassword, staffPasswordBanner } from '../web/staff.ts';
import { CATALOGUE } from './catalogue.ts';
import { enrollWithOfficialCa } from './certificate/signing-keys.ts';
import { openRegistry, type Registry } from './registry/registry.ts';
import { createQualificationsService } from './service.ts';

/**
 * `honnin start` runs the national qualification system (the Mynaportal-like
 * portal, the managing body's staff view and the registry API) as a relying
 * party of the identity platform (client RP00000002 in demo mode).
 */
export const qualificationsPart = definePart({
  name: 'qualifications',
  title: '国家資格等オンライン / national qualifications online',
  config: z.object({
    port: port.default(7005),
    clientId: z
      .string()
      .regex(/^RP\d{8}$/)
      .default('RP00000002'),
    /** the platform's issuer URL; the platform part's URL when absent */
    issuer: z.string().url().optional(),
    /** the verification page written into QR codes; the verify part's URL when absent */
    verifyUrl: z.string().url().optional(),
    /** the official-status CA that certifies the signing key; the gpki part when absent */
    caUrl: z.string().url().optional(),
    /** what this system presents to the CA; else <dataDir>/credentials/gpki-enrollment-token (shared with the gpki part) */
    enrollmentToken: z.string().min(16).optional(),
    /** the card-payment provider; the payment part when absent */
    paymentUrl: z.string().url().optional(),
    /** the merchant's key at the provider; else <dataDir>/credentials/payment-secret-key (shared with the payment part) */
    paymentSecretKey: z.string().min(16).optional(),
    /** the staff pages' password; else <dataDir>/credentials/qualifications-staff-password (generated once) */
    staffPassword: z.string().min(8).optional(),
    /** encrypts the record-signing key at rest */
    keyPassphrase: z.string().optional(),
    idleMinutes: z.coerce.number().int().min(1).default(60),
    /** the platform client is in test mode: accept its test responses (never in production) */
    sandbox: envBoolean.default(false),
  }),
  async start(ctx) {
    const c = ctx.config;
    const host = `http://${ctx.shared.publicHost}`;
    const publicUrl = ctx.urls.qualifications ?? `${host}:${c.port}`;
    const { dataDir } = ctx.shared;
    const staffPassword = credential(
      dataDir,
      CREDENTIALS.qualificationsStaffPassword,
      c.staffPassword,
      randomStaffPassword,
    );
    const service = await createQualificationsService({
      storage: { dataDir: ctx.shared.dataDir, databaseUrl: ctx.shared.databaseUrl },
      publicUrl,
      verifyUrl: c.verifyUrl ?? ctx.urls.verify ?? `${host}:7008`,
      issuer: c.issuer ?? ctx.urls.platform ?? `${host}:7002`,
      clientId: c.clientId,
      enroll: enrollWithOfficialCa(
        c.caUrl ?? ctx.urls.gpki ?? `${host}:7009`,
        credential(dataDir, CREDENTIALS.gpkiEnrollmentToken, c.enrollmentToken),
      ),
      payments: hostedCheckoutGateway({
        baseUrl: c.paymentUrl ?? ctx.urls.payment ?? `${host}:7006`,
        secretKey: credential(dataDir, CREDENTIALS.paymentSecretKey, c.paymentSecretKey, paymentKey),
      }),
      staffPassword,
      sandbox: c.sandbox,
      keyPassphrase: c.keyPassphrase,
      idleTimeoutMs: c.idleMinutes * 60_000,
      logger: ctx.logger,
      metrics: ctx.metrics,
    });
    const banner = staffPasswordBanner(
      ctx.shared,
      'qualifications.staffPassword',
      c.staffPassword,
      CREDENTIALS.qualificationsStaffPassword,
      staffPassword,
    );
    try {
      // certify the signing key now when the CA is up; otherwise at the first issue
      const key = await service.registry.keys.active();
      banner.push(`signing key: ${key.keyId} (${key.certificate.serialNumber})`);
    } catch (e) {
      if (!(e instanceof HonninError)) throw e;
      ctx.logger.warn({ err: e }, 'signing key not certified yet');
    }
    try {
      await listen(service.app, c.port, ctx.shared.host);
    } catch (e) {
      await service.close();
      throw e;
    }
    return {
      name: 'qualifications',
      urls: {
        portal: `${publicUrl}/`,
        staff: `${publicUrl}/staff`,
        jwks: `${publicUrl}/.well-known/jwks.json`,
      },
      banner,
      close: () => service.close(),
    };
  },
  commands(cmd, load) {
    const withRegistry = async <T>(fn: (registry: Registry) => Promise<T>) => {
      const { shared, config: c } = await load();
      const host = `http://${shared.publicHost}`;
      const registry = await openRegistry({
        storage: { dataDir: shared.dataDir, databaseUrl: shared.databaseUrl },
        enroll: enrollWithOfficialCa(
          c.caUrl ?? `${host}:7009`,
          credential(shared.dataDir, CREDENTIALS.gpkiEnrollmentToken, c.enrollmentToken),
        ),
        verifyBaseUrl: c.verifyUrl ?? `${host}:7008`,
        keyPassphrase: c.keyPassphrase,
        extraMigrations: relyingPartyMigrations,
      });
      try {
        return await fn(registry);
      } finally {
        await registry.close();
      }
    };
    cmd
      .command('catalogue')
      .description('the qualifications holders can register')
      .action(() => {
        for (const q of CATALOGUE)
          process.stdout.write(`${q.id}  ${q.name} (${q.nameEn}) — ${q.managingBody}\n`);
      });
    cmd
      .command('keys')
      .description('the record-signing keys (key id, certificate serial, active)')
      .action(() =>
        withRegistry(async (r) => {
          for (const k of await r.keys.list()) {
            process.stdout.write(`${k.keyId}  ${k.serial}  ${k.active ? 'active' : 'retired'}\n`);
          }
        }),
      );
    cmd
      .command('rotate-key')
      .description('a new signing key, certified by the official-status CA (which must be running)')
      .action(() =>
        withRegistry(async (r) => {
          const k = await r.keys.rotate();
          process.stdout.write(`${k.keyId} now signs (certificate ${k.certificate.serialNumber})\n`);
        }),
      );
  },
});
