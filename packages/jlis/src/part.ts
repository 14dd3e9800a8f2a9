import { definePart, listen } from '@honnin/runtime';
import {
  CREDENTIALS,
  credential,
  credentialPath,
  readCredential,
  writeCredential,
} from '@honnin/runtime/credentials';
import { jlisCommands } from './cli/commands.ts';
import { jlisConfig, jlisOptions } from './config.ts';
import { createJlisServer } from './http/server.ts';
import { type Jlis, openJlis } from './jlis.ts';

/** The platform operator's verifier registered in demo mode. */
export const PLATFORM_VERIFIER = 'honnin platform';

/**
 * Demo mode: the platform operator is a registered verifier whose key sits in
 * the credentials folder for the platform part. The file wins over the store,
 * so a kept data folder and a fresh database (or the reverse) still agree.
 */
export async function ensurePlatformVerifier(jlis: Jlis, dataDir: string): Promise<void> {
  const stored = readCredential(dataDir, CREDENTIALS.jlisVerifierPlatform);
  const existing = (await jlis.verifiers.list()).find((v) => v.name === PLATFORM_VERIFIER);
  if (existing && stored && (await jlis.verifiers.hasKey(existing.id, stored))) return;
  const v = existing
    ? await jlis.verifiers.rotateKey(existing.id, stored)
    : await jlis.verifiers.add(PLATFORM_VERIFIER, stored);
  if (!stored) writeCredential(dataDir, CREDENTIALS.jlisVerifierPlatform, v.apiKey);
}

export const jlisPart = definePart({
  name: 'jlis',
  title: 'J-LIS シミュレータ / J-LIS simulator',
  config: jlisConfig,
  async start(ctx) {
    const { dataDir } = ctx.shared;
    const jlis = await openJlis(jlisOptions(ctx.shared, ctx.config, ctx.logger));
    try {
      const adminToken = credential(dataDir, CREDENTIALS.jlisAdminToken, ctx.config.adminToken);
      if (ctx.shared.demo) await ensurePlatformVerifier(jlis, dataDir);
      const app = await createJlisServer(jlis, { adminToken, logger: ctx.logger, metrics: ctx.metrics });
      const listening = await listen(app, ctx.config.port, ctx.shared.host);
      jlis.crls.start();
      // generations a CLI rollover added elsewhere become visible here
      const reload = setInterval(() => jlis.ca.reload().catch(() => {}), 30_000);
      reload.unref();
      // port 0 (tests): only the listening address knows the port
      const base = ctx.config.port === 0 ? listening : (ctx.urls.jlis ?? listening);
      return {
        name: 'jlis',
        urls: { api: base, 'CA certs': `${base}/ca`, OCSP: `${base}/ocsp` },
        banner: [
          ctx.config.adminToken
            ? 'admin API token: jlis.adminToken'
            : `admin API token: ${credentialPath(dataDir, CREDENTIALS.jlisAdminToken)}`,
        ],
        async close() {
          clearInterval(reload);
          await app.close();
          await jlis.close();
        },
      };
    } catch (e) {
      await jlis.close();
      throw e;
    }
  },
  commands: jlisCommands,
});
