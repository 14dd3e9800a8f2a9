import { randomBytes } from 'node:crypto';
import { definePart, HonninError, listen, port, z } from '@honnin/runtime';
import { CREDENTIALS, credential, credentialPath, readCredential } from '@honnin/runtime/credentials';
import { demoClients } from './clients/demo.ts';
import { registerCommands } from './commands.ts';
import { DEFAULT_QR_POLICY } from './flows/qr.ts';
import { createPlatform } from './platform.ts';

/** `platform.*` configuration (README, "Identity platform"). */
export const platformConfig = z.object({
  port: port.default(7002),
  /** bearer token of the admin API; generated into <dataDir>/credentials/platform-admin-token when absent */
  adminToken: z.string().min(16).optional(),
  /** the platform's verifier API key at J-LIS; read from <dataDir>/credentials/jlis-verifier-platform when absent */
  jlisApiKey: z.string().min(16).optional(),
  /** base64 of the 32 bytes sealing personal data at rest; generated into <dataDir>/credentials/platform-seal-key when absent */
  sealKey: z.string().optional(),
  /** minutes a citizen has from the authorization request to the consent */
  flowMinutes: z.coerce.number().int().min(1).max(60).default(10),
  /** how long a QR code on the PC may be opened (seed 002: 30 seconds) */
  qrSeconds: z.coerce.number().int().min(1).max(300).default(30),
  /** wrong 6-digit numbers allowed on the PC before the flow fails */
  bindingAttempts: z.coerce.number().int().min(1).max(10).default(3),
  /** days an ID-token signing key signs before the next one takes over */
  keyRotationDays: z.coerce.number().int().min(1).max(365).default(30),
  /** the local bridge to a PC's card readers (`honnin cards bridge`) */
  readerBridgeUrl: z.string().url().default('http://127.0.0.1:7013'),
  /** hours between backstop runs of old → new certificate linking (新旧紐付け; logins link at once) */
  relinkHours: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(24),
  /** access-token lifetime */
  accessTokenSeconds: z.coerce.number().int().min(60).max(86_400).default(600),
});
export type PlatformConfig = z.infer<typeof platformConfig>;

export const ADMIN_TOKEN_CREDENTIAL = 'platform-admin-token';
export const SEAL_KEY_CREDENTIAL = 'platform-seal-key';

/** The configured admin token, else the one in the credentials folder, else a new one written there. */
export function platformAdminToken(dataDir: string, configured: string | undefined): string {
  return credential(dataDir, ADMIN_TOKEN_CREDENTIAL, configured);
}

/**
 * The seal key: configured, else the one in the credentials folder, else — an
 * install whose key an older version kept in its database — that key, written
 * to the folder once (the platform then drops it from the database), else a
 * new one. Never in the store whose data it seals.
 */
export function platformSealKey(
  dataDir: string,
  configured: string | undefined,
): (legacy: Buffer | undefined) => Uint8Array {
  return (legacy) => {
    const value = credential(dataDir, SEAL_KEY_CREDENTIAL, configured, () =>
      (legacy ?? randomBytes(32)).toString('base64'),
    );
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value))
      throw new HonninError(
        'platform_seal_key_invalid',
        configured
          ? 'platform.sealKey must be base64 of 32 bytes'
          : `${credentialPath(dataDir, SEAL_KEY_CREDENTIAL)} must hold base64 of 32 bytes`,
        { status: 500 },
      );
    return key;
  };
}

export const platformPart = definePart({
  name: 'platform',
  title: 'デジタル認証アプリ（本人確認基盤） / identity platform',
  config: platformConfig,
  async start(ctx) {
    const { dataDir } = ctx.shared;
    const publicUrl = ctx.urls.platform ?? `http://${ctx.shared.publicHost}:${ctx.config.port}`;
    const jlisApiKey = ctx.config.jlisApiKey ?? readCredential(dataDir, CREDENTIALS.jlisVerifierPlatform);
    if (!jlisApiKey)
      throw new HonninError(
        'platform_jlis_key_missing',
        `no J-LIS verifier key: set platform.jlisApiKey or start jlis in demo mode (${credentialPath(dataDir, CREDENTIALS.jlisVerifierPlatform)})`,
        { status: 500 },
      );
    const platform = await createPlatform({
      publicUrl,
      storage: { dataDir, databaseUrl: ctx.shared.databaseUrl },
      redisUrl: ctx.shared.redisUrl,
      logger: ctx.logger,
      metrics: ctx.metrics,
      adminToken: platformAdminToken(dataDir, ctx.config.adminToken),
      sealKey: platformSealKey(dataDir, ctx.config.sealKey),
      verification: {
        jlisUrl: ctx.urls.jlis ?? 'http://localhost:7001',
        jlisApiKey,
        cvRoot: { cardHostUrl: ctx.urls.cards ?? 'http://localhost:7003' },
      },
      cardHostUrl: ctx.urls.cards ?? 'http://localhost:7003',
      readerBridgeUrl: ctx.config.readerBridgeUrl,
      flowTtlMs: ctx.config.flowMinutes * 60_000,
      bindingAttempts: ctx.config.bindingAttempts,
      qrPolicy: { ...DEFAULT_QR_POLICY, lifetimeMs: ctx.config.qrSeconds * 1000 },
      accessTokenSeconds: ctx.config.accessTokenSeconds,
      relinkMs: ctx.config.relinkHours * 3_600_000,
      keySchedule: {
        rotateAfterMs: ctx.config.keyRotationDays * 86_400_000,
        publishAheadMs: 86_400_000,
        retainMs: 7 * 86_400_000,
      },
    });
    try {
      if (ctx.shared.demo) for (const c of demoClients(ctx.urls)) await platform.clients.ensure(c);
      await listen(platform.app, ctx.config.port, ctx.shared.host);
    } catch (e) {
      await platform.close();
      throw e;
    }
    return {
      name: 'platform',
      urls: {
        issuer: publicUrl,
        discovery: `${publicUrl}/.well-known/openid-configuration`,
        app: `${publicUrl}/app`,
      },
      banner: [
        ctx.config.adminToken
          ? 'admin API token: platform.adminToken'
          : `admin API token: ${credentialPath(dataDir, ADMIN_TOKEN_CREDENTIAL)}`,
      ],
      close: () => platform.close(),
    };
  },
  commands: registerCommands,
});
