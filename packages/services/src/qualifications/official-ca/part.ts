import { definePart, listen, openMigratedStorage, port, z } from '@honnin/runtime';
import { CREDENTIALS, credential } from '@honnin/runtime/credentials';
import { CRL_REASONS, type CrlReasonName, OfficialCa, OfficialCaError } from './authority.ts';
import { createOfficialCaServer } from './server.ts';
import { type OfficialCaDB, officialCaMigrations } from './store.ts';

const config = z.object({
  port: port.default(7009),
  /** encrypts the CA key at rest */
  keyPassphrase: z.string().optional(),
  /**
   * what a subscriber (the qualification system) presents to have its key
   * certified; else <dataDir>/credentials/gpki-enrollment-token (generated once,
   * read by the qualifications part)
   */
  enrollmentToken: z.string().min(16).optional(),
});

async function openCa(
  shared: { dataDir: string; databaseUrl?: string | undefined },
  crlUrl: string,
  pass?: string,
) {
  const storage = await openMigratedStorage<OfficialCaDB>(
    { part: 'gpki', dataDir: shared.dataDir, databaseUrl: shared.databaseUrl },
    officialCaMigrations,
  );
  const ca = new OfficialCa(storage, { crlUrl, keyPassphrase: pass });
  try {
    await ca.init();
  } catch (e) {
    await storage.close();
    throw e;
  }
  return { ca, storage };
}

/** The simulated government official-status CA (官職認証局) as a part of `honnin start`. */
export const officialCaPart = definePart({
  name: 'gpki',
  title: '官職認証局（シミュレータ） / government official-status CA (simulator)',
  config,
  async start(ctx) {
    const base = ctx.urls.gpki ?? `http://${ctx.shared.publicHost}:${ctx.config.port}`;
    const enrollmentToken = credential(
      ctx.shared.dataDir,
      CREDENTIALS.gpkiEnrollmentToken,
      ctx.config.enrollmentToken,
    );
    const { ca, storage } = await openCa(ctx.shared, `${base}/crl`, ctx.config.keyPassphrase);
    const app = createOfficialCaServer({ ca, enrollmentToken, logger: ctx.logger, metrics: ctx.metrics });
    try {
      await listen(app, ctx.config.port, ctx.shared.host);
    } catch (e) {
      // a port in use: nothing of this part stays open
      await app.close();
      await storage.close();
      throw e;
    }
    return {
      name: 'gpki',
      urls: { root: `${base}/ca.crt`, crl: `${base}/crl` },
      async close() {
        await app.close();
        await storage.close();
      },
    };
  },
  commands(cmd, load) {
    const withCa = async <T>(fn: (ca: OfficialCa) => Promise<T>) => {
      const c = await load();
      const { ca, storage } = await openCa(
        c.shared,
        `http://${c.shared.publicHost}:${c.config.port}/crl`,
        c.config.keyPassphrase,
      );
      try {
        return await fn(ca);
      } finally {
        await storage.close();
      }
    };
    cmd
      .command('list')
      .description('certificates this CA has issued')
      .action(() =>
        withCa(async (ca) => {
          for (const c of await ca.list()) {
            const state = c.revoked_at ? `revoked ${new Date(Number(c.revoked_at)).toISOString()}` : 'good';
            process.stdout.write(`${c.serial}  ${state}  ${c.subject}\n`);
          }
        }),
      );
    cmd
      .command('revoke <serial>')
      .description('revoke a certificate (it appears on the next CRL)')
      .option('--reason <reason>', Object.keys(CRL_REASONS).join(' | '), 'unspecified')
      .action((serial: string, o: { reason: string }) =>
        withCa(async (ca) => {
          if (!(o.reason in CRL_REASONS))
            throw new OfficialCaError('ca_reason_unknown', `unknown reason ${o.reason}`);
          await ca.revoke(serial, o.reason as CrlReasonName);
          process.stdout.write(`revoked ${serial}\n`);
        }),
      );
  },
});
