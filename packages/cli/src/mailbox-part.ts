import { definePart, listen, port, startMailboxServer, z } from '@honnin/runtime';

/**
 * The built-in mailbox: runs only when no SMTP relay is configured, and then
 * receives every mail the services send.
 */
export const mailboxPart = definePart({
  name: 'mailbox',
  title: 'メールボックス / built-in mailbox',
  config: z.object({ port: port.default(7007), smtpPort: port.default(7025) }),
  async start(ctx) {
    const { mailbox, app } = await startMailboxServer({
      dataDir: ctx.shared.dataDir,
      databaseUrl: ctx.shared.databaseUrl,
      smtpPort: ctx.config.smtpPort,
      logger: ctx.logger,
    });
    await listen(app, ctx.config.port, ctx.shared.host);
    return {
      name: 'mailbox',
      urls: { page: `${ctx.urls.mailbox}/`, smtp: mailbox.smtpUrl },
      async close() {
        await app.close();
        await mailbox.close();
      },
    };
  },
});
