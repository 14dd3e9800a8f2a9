import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpServer, listen } from '../src/http/index.ts';
import { createMailer, startMailbox } from '../src/mail/index.ts';
import { tempDir } from '../src/testing.ts';

test('mail sent over real SMTP lands in the built-in mailbox and its page', async () => {
  const { dir, cleanup } = tempDir();
  const mailbox = await startMailbox({ dataDir: dir });
  const mailer = createMailer({ smtpUrl: mailbox.smtpUrl, from: 'no-reply@dips.example' });
  const app = createHttpServer({ name: 'mailbox', logLevel: 'silent' });
  mailbox.routes(app);
  const base = await listen(app, 0);
  try {
    const waiting = mailbox.waitFor('Owner@Example.jp', { timeoutMs: 5000 });
    await mailer.send({
      to: 'owner@example.jp',
      subject: 'メール到達確認',
      text: '次のURLを開いてください: http://localhost:1/v/abc',
    });
    const got = await waiting;
    assert.equal(got.subject, 'メール到達確認');
    assert.match(got.text, /http:\/\/localhost:1\/v\/abc/);
    const page = await (await fetch(`${base}/messages/${got.id}`)).text();
    assert.match(page, /<a href="http:\/\/localhost:1\/v\/abc"/);
    const api = (await (await fetch(`${base}/api/messages?to=owner@example.jp`)).json()) as {
      messages: unknown[];
    };
    assert.equal(api.messages.length, 1);
    await assert.rejects(
      createMailer({ smtpUrl: 'smtp://127.0.0.1:1', from: 'x@y' }).send({
        to: 'a@b',
        subject: 's',
        text: 't',
      }),
      {
        code: 'mail_failed',
      },
    );
  } finally {
    mailer.close();
    await app.close();
    await mailbox.close();
    cleanup();
  }
});
