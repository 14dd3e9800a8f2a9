import { definePart, listen, port, z } from '@honnin/runtime';
import { CREDENTIALS, credential } from '@honnin/runtime/credentials';
import { randomStaffPassword, staffPasswordBanner } from '../web/staff.ts';
import { createDipsService } from './service.ts';

/**
 * `honnin start` runs the drone registration service (DIPS-REG) as a relying
 * party of the identity platform (client RP00000001 in demo mode).
 */
export const dipsPart = definePart({
  name: 'dips',
  title: 'ドローン登録システム / drone registration (DIPS)',
  config: z.object({
    port: port.default(7004),
    /** the client id the platform registered (demo: RP00000001) */
    clientId: z
      .string()
      .regex(/^RP\d{8}$/)
      .default('RP00000001'),
    /** the platform's issuer URL; the platform part's URL when absent */
    issuer: z.string().url().optional(),
    mailFrom: z.string().default('ドローン登録システム <noreply@dips.localhost>'),
    /** the staff pages' password; else <dataDir>/credentials/dips-staff-password (generated once) */
    staffPassword: z.string().min(8).optional(),
    idleMinutes: z.coerce.number().int().min(1).default(60),
    authWindowMinutes: z.coerce.number().int().min(1).default(5),
  }),
  async start(ctx) {
    const publicUrl = ctx.urls.dips ?? `http://${ctx.shared.publicHost}:${ctx.config.port}`;
    const { dataDir } = ctx.shared;
    const staffPassword = credential(
      dataDir,
      CREDENTIALS.dipsStaffPassword,
      ctx.config.staffPassword,
      randomStaffPassword,
    );
    const service = await createDipsService({
      storage: { dataDir: ctx.shared.dataDir, databaseUrl: ctx.shared.databaseUrl },
      publicUrl,
      issuer: ctx.config.issuer ?? ctx.urls.platform ?? `http://${ctx.shared.publicHost}:7002`,
      clientId: ctx.config.clientId,
      smtpUrl: ctx.smtpUrl,
      mailFrom: ctx.config.mailFrom,
      staffPassword,
      logger: ctx.logger,
      metrics: ctx.metrics,
      idleTimeoutMs: ctx.config.idleMinutes * 60_000,
      authWindowMs: ctx.config.authWindowMinutes * 60_000,
    });
    try {
      await listen(service.app, ctx.config.port, ctx.shared.host);
    } catch (e) {
      await service.close();
      throw e;
    }
    return {
      name: 'dips',
      urls: {
        citizens: `${publicUrl}/`,
        staff: `${publicUrl}/staff`,
        jwks: `${publicUrl}/.well-known/jwks.json`,
      },
      banner: staffPasswordBanner(
        ctx.shared,
        'dips.staffPassword',
        ctx.config.staffPassword,
        CREDENTIALS.dipsStaffPassword,
        staffPassword,
      ),
      close: () => service.close(),
    };
  },
});
