import { definePart, listen, openMigratedStorage, port, z } from '@honnin/runtime';
import { CREDENTIALS, credential, credentialPath, randomSecret } from '@honnin/runtime/credentials';
import { createPaymentServer } from './server.ts';
import { type PaymentDB, paymentMigrations } from './store.ts';

/** A merchant key as card-payment providers write them (generated once, shared with the qualifications part). */
export const paymentKey = () => `sk_test_${randomSecret()}`;

/** The simulated card-payment provider as a part of `honnin start`. */
export const paymentPart = definePart({
  name: 'payment',
  title: '決済代行（シミュレータ） / card-payment provider (simulator)',
  config: z.object({
    port: port.default(7006),
    /** the merchant's secret key for the API; else <dataDir>/credentials/payment-secret-key (generated once) */
    secretKey: z.string().min(16).optional(),
  }),
  async start(ctx) {
    const { dataDir, demo } = ctx.shared;
    const secretKey = credential(dataDir, CREDENTIALS.paymentSecretKey, ctx.config.secretKey, paymentKey);
    const storage = await openMigratedStorage<PaymentDB>(
      { part: 'payment', dataDir: ctx.shared.dataDir, databaseUrl: ctx.shared.databaseUrl },
      paymentMigrations,
    );
    const app = createPaymentServer({
      storage,
      publicUrl: ctx.urls.payment ?? `http://${ctx.shared.publicHost}:${ctx.config.port}`,
      secretKey,
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
      banner: [
        'test cards: 4111 1111 1111 1111 (approved), 4000 0000 0000 0002 (declined)',
        ...(ctx.config.secretKey
          ? []
          : [
              demo
                ? `merchant secret key: ${secretKey}`
                : `merchant secret key: ${credentialPath(dataDir, CREDENTIALS.paymentSecretKey)}`,
            ]),
      ],
      async close() {
        await app.close();
        await storage.close();
      },
    };
  },
});
