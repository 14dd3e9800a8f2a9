import { definePart, listen, openMigratedStorage, port, z } from '@honnin/runtime';
import { createPaymentServer } from './server.ts';
import { type PaymentDB, paymentMigrations } from './store.ts';

/** The demo merchant key, shared with the qualifications part's default. */
export const DEMO_SECRET_KEY = 'sk_test_honnin_demo_merchant';

/** The simulated card-payment provider as a part of `honnin start`. */
export const paymentPart = definePart({
  name: 'payment',
  title: '決済代行（シミュレータ） / card-payment provider (simulator)',
  config: z.object({
    port: port.default(7006),
    /** the merchant's secret key for the API */
    secretKey: z.string().min(16).default(DEMO_SECRET_KEY),
  }),
  async start(ctx) {
    const storage = await openMigratedStorage<PaymentDB>(
      { part: 'payment', dataDir: ctx.shared.dataDir, databaseUrl: ctx.shared.databaseUrl },
      paymentMigrations,
    );
    const app = createPaymentServer({
      storage,
      publicUrl: ctx.urls.payment ?? `http://${ctx.shared.publicHost}:${ctx.config.port}`,
      secretKey: ctx.config.secretKey,
      logger: ctx.logger,
      metrics: ctx.metrics,
    });
    try {
      await listen(app, ctx.config.port, ctx.shared.host);
    } catch (e) {
      await storage.close();
      throw e;
    }
    return {
      name: 'payment',
      urls: { api: `${ctx.urls.payment}/v1` },
      banner: ['test cards: 4111 1111 1111 1111 (approved), 4000 0000 0000 0002 (declined)'],
      async close() {
        await app.close();
        await storage.close();
      },
    };
  },
});
