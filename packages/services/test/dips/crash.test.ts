import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely, Mailbox } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../../../e2e/support/ports.ts';
import type { DipsDB } from '../../src/dips/store/schema.ts';
import { FormClient, hidden } from '../web/client.ts';
import { DipsProcess } from './child.ts';
import { AIRCRAFT, dipsStorage, mailLink, OWNER, startTestMailbox } from './support.ts';

/**
 * Crash safety: the service runs as a child process and is killed with SIGKILL
 * in the middle of requests and right after it acknowledged them; started again
 * on the same storage, it has everything it acknowledged, and a retried request
 * (same form, same keys) never stores anything twice.
 */
for (const backend of storageBackends()) {
  describe(`dips survives being killed (${backend.name})`, { skip: backend.skip }, () => {
    let store: Awaited<ReturnType<typeof dipsStorage>>;
    let db: Kysely<DipsDB>;
    let mailbox: Mailbox;
    let port: number;
    const child = new DipsProcess();

    before(async () => {
      store = await dipsStorage(backend, 'dipscrash');
      db = store.db;
      mailbox = await startTestMailbox();
      port = await freePort();
    });
    after(async () => {
      await kill();
      await store.close();
      await mailbox.close();
    });

    const start = (smtpUrl = mailbox.smtpUrl) => child.start({ storage: store.options, port, smtpUrl });
    const kill = () => child.kill();

    /**
     * Sends a form, kills the service `afterMs` into the request (answered or not),
     * starts it again, and sends the same form again as a citizen would.
     */
    async function crashDuring(c: FormClient, path: string, form: Record<string, string>, afterMs: number) {
      const inFlight = c.post(path, form).then(
        (r) => r.status,
        () => 'no answer' as const,
      );
      await new Promise((r) => setTimeout(r, afterMs));
      await kill();
      const first = await inFlight;
      await start();
      const retried = await c.submit(path, form);
      return { first, retried };
    }

    const count = async (table: 'account' | 'application' | 'aircraft' | 'outbox') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('killed mid-request and right after each answer, it keeps every acknowledged step exactly once', async () => {
      const url = await start();
      const c = new FormClient(url);
      let p = await c.follow('/signup');
      const signup = {
        _csrf: hidden(p.text, '_csrf'),
        signup_key: hidden(p.text, 'signup_key'),
        ...OWNER,
        password: 'drone2026',
        password2: 'drone2026',
      };
      const s = await crashDuring(c, '/signup', signup, 15);
      if (s.retried.res.status === 403) {
        // the first attempt had finished and rotated the session: the citizen logs in
        const login = await c.follow('/login');
        p = await c.submit('/login', {
          _csrf: hidden(login.text, '_csrf'),
          email: OWNER.email,
          password: 'drone2026',
        });
      } else p = s.retried;
      assert.match(p.text, /メインメニュー/);
      assert.equal(await count('account'), 1);

      // a new application, killed mid-request: one draft
      const started = await crashDuring(c, '/applications', { _csrf: hidden(p.text, '_csrf') }, 5);
      const base = new URL(started.retried.url).pathname.replace(/\/[a-z]+$/, '');
      assert.equal(await count('application'), 1);
      p = await c.submit(`${base}/method`, {
        _csrf: hidden(started.retried.text, '_csrf'),
        method: 'mynumber_card',
      });
      await kill(); // right after the answer
      await start();
      p = await c.submit(`${base}/owner`, { _csrf: hidden(p.text, '_csrf'), ...OWNER });
      assert.match(p.url, /\/aircraft$/, 'STEP 01 survived the kill');

      // aircraft: the same add-form killed at several moments, then a second aircraft
      for (const [i, ms] of [
        [1, 0],
        [2, 8],
      ] as const) {
        const form = {
          _csrf: hidden(p.text, '_csrf'),
          form_key: hidden(p.text, 'form_key'),
          ...AIRCRAFT,
          serial: `SN-${i}`,
        };
        const r = await crashDuring(c, `${base}/aircraft`, form, ms);
        await kill();
        await start();
        p = await c.follow(`${base}/aircraft`);
        assert.equal((p.text.match(/<h2>機体 \d+<\/h2>/g) ?? []).length, i, `${i} aircraft after ${r.first}`);
      }
      assert.equal(await count('aircraft'), 2);
      p = await c.follow(`${base}/user`);
      await c.submit(`${base}/user`, { _csrf: hidden(p.text, '_csrf'), same: 'same' });

      // 登録申請 killed mid-request: one application number, one mail check, the mail arrives
      const since = Date.now();
      const dialog = await c.follow(`${base}/submit`);
      const submitted = await crashDuring(c, `${base}/submit`, { _csrf: hidden(dialog.text, '_csrf') }, 3);
      assert.match(submitted.retried.url, /\/verify$/);
      await kill();
      await start();
      const app = await db.selectFrom('application').selectAll().executeTakeFirstOrThrow();
      assert.equal(app.status, 'verifying');
      assert.match(app.number!, /^\d{8}-\d{6}$/);
      assert.equal(await count('outbox'), 1);
      const mail = await mailbox.waitFor(OWNER.email, { since, subject: /到達確認/, timeoutMs: 20_000 });
      const opened = await new FormClient(url).follow(mailLink(mail.text, '/mail-check/'));
      assert.match(opened.text, /認証が完了しました/);
      await kill();
      await start();
      assert.match((await c.follow(`${base}/verify`)).text, /注意事項の確認/);
    });

    test('a mail whose sending was cut off by the kill is sent after the restart, as the same message', async () => {
      // an SMTP server that holds every message until released
      const held: (() => void)[] = [];
      let hold = true;
      const received: { to: string; messageId: string | undefined }[] = [];
      const smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, session, cb) {
          let raw = '';
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => {
            raw += chunk;
          });
          stream.on('end', () => {
            const done = () => {
              received.push({
                to: session.envelope.rcptTo.map((r) => r.address).join(','),
                messageId: /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1],
              });
              cb();
            };
            if (hold) held.push(done);
            else done();
          });
        },
      });
      await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
      const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}`;
      try {
        await kill();
        const url = await start(smtpUrl);
        const c = new FormClient(url);
        let p = await c.follow('/login');
        p = await c.submit('/login', {
          _csrf: hidden(p.text, '_csrf'),
          email: OWNER.email,
          password: 'drone2026',
        });
        const app = await db.selectFrom('application').selectAll().executeTakeFirstOrThrow();
        p = await c.follow(`/applications/${app.id}/verify`);
        // a new login restarted the procedure at STEP 05; apply again
        assert.match(p.url, /\/confirm$/);
        const dialog = await c.follow(`/applications/${app.id}/submit`);
        await c.submit(`/applications/${app.id}/submit`, { _csrf: hidden(dialog.text, '_csrf') });
        while (held.length === 0) await new Promise((r) => setTimeout(r, 20));
        await kill(); // the SMTP server has the message but never answered: not marked sent
        hold = false;
        for (const release of held.splice(0)) release();
        const before = received.length;
        const cutOff = received.at(-1)!;
        await start(smtpUrl);
        const unsent = () => db.selectFrom('outbox').select('id').where('sent_at', 'is', null).execute();
        while ((await unsent()).length > 0) await new Promise((r) => setTimeout(r, 50));
        assert.ok(received.length > before, 'the restarted service sent it');
        const resent = received.at(-1)!;
        assert.equal(resent.to, OWNER.email);
        // the receiver got it twice: the same Message-ID tells it the copies are one mail
        assert.match(cutOff.messageId ?? '', /^<[0-9a-f-]{36}@127\.0\.0\.1>$/);
        assert.equal(resent.messageId, cutOff.messageId);
      } finally {
        await kill();
        await new Promise<void>((r) => smtp.close(() => r()));
      }
    });
  });
}
