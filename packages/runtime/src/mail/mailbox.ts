import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { escapeHtml } from '../html.ts';
import { createHttpServer } from '../http/index.ts';
import type { Logger } from '../log.ts';
import { openMigratedStorage, type PartMigration, type Storage } from '../storage/index.ts';

/**
 * The built-in mailbox: a real SMTP server on loopback that keeps every message
 * it receives, and a page that shows them. It stands in for the citizen's mail
 * provider when no SMTP relay is configured; tests read mail from it too.
 */
interface MailboxDB {
  message: {
    id: string;
    received_at: number;
    mail_from: string;
    mail_to: string;
    subject: string;
    text: string;
    html: string | null;
  };
}

export interface StoredMail {
  id: string;
  receivedAt: number;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

const migrations: Record<string, PartMigration<MailboxDB>> = {
  '001_messages': {
    async up(db) {
      await db.schema
        .createTable('message')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('mail_from', 'text', (c) => c.notNull())
        .addColumn('mail_to', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('html', 'text')
        .execute();
      await db.schema.createIndex('message_to').on('message').columns(['mail_to', 'received_at']).execute();
    },
  },
};

export interface Mailbox {
  /** smtp://127.0.0.1:PORT */
  readonly smtpUrl: string;
  list(to?: string): Promise<StoredMail[]>;
  get(id: string): Promise<StoredMail | undefined>;
  /** resolves with the first message to `to` received after the call (or already there, if `since` given) */
  waitFor(to: string, opts?: { since?: number; timeoutMs?: number; subject?: RegExp }): Promise<StoredMail>;
  /** HTML page + JSON API; mount under a server of its own or another's prefix */
  routes(app: FastifyInstance): void;
  close(): Promise<void>;
}

export async function startMailbox(opts: {
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  smtpPort?: number;
  logger?: Logger | undefined;
}): Promise<Mailbox> {
  const storage: Storage<MailboxDB> = await openMigratedStorage<MailboxDB>(
    { part: 'mailbox', dataDir: opts.dataDir, databaseUrl: opts.databaseUrl },
    migrations,
  );
  const waiters = new Set<{
    to: string;
    since: number;
    subject?: RegExp | undefined;
    resolve: (m: StoredMail) => void;
  }>();

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [])
            .flatMap((a) => a.value.map((v) => v.address ?? ''))
            .filter(Boolean);
          for (const addr of to.length ? to : ['']) {
            const mail: StoredMail = {
              id: crypto.randomUUID(),
              receivedAt: Date.now(),
              from: parsed.from?.value[0]?.address ?? '',
              to: addr.toLowerCase(),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
            };
            await storage.db
              .insertInto('message')
              .values({
                id: mail.id,
                received_at: mail.receivedAt,
                mail_from: mail.from,
                mail_to: mail.to,
                subject: mail.subject,
                text: mail.text,
                html: mail.html,
              })
              .execute();
            for (const w of waiters) {
              if (
                w.to === mail.to &&
                mail.receivedAt >= w.since &&
                (!w.subject || w.subject.test(mail.subject))
              ) {
                waiters.delete(w);
                w.resolve(mail);
              }
            }
          }
          callback();
        })
        .catch((e: Error) => {
          opts.logger?.warn({ err: e }, 'mailbox could not store a message');
          callback(e);
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(opts.smtpPort ?? 0, '127.0.0.1', () => resolve());
  });
  smtp.on('error', (e: Error) => opts.logger?.warn({ err: e }, 'mailbox SMTP error'));
  const port = (smtp.server.address() as { port: number }).port;

  const toMail = (r: MailboxDB['message']): StoredMail => ({
    id: r.id,
    receivedAt: Number(r.received_at),
    from: r.mail_from,
    to: r.mail_to,
    subject: r.subject,
    text: r.text,
    html: r.html,
  });
  const list = async (to?: string) => {
    let q = storage.db.selectFrom('message').selectAll().orderBy('received_at', 'desc').limit(200);
    if (to) q = q.where('mail_to', '=', to.toLowerCase());
    return (await q.execute()).map(toMail);
  };
  const get = async (id: string) => {
    const r = await storage.db.selectFrom('message').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toMail(r) : undefined;
  };

  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    list,
    get,
    async waitFor(to, o = {}) {
      const addr = to.toLowerCase();
      const since = o.since ?? Date.now();
      const existing = (await list(addr)).filter(
        (m) => m.receivedAt >= since && (!o.subject || o.subject.test(m.subject)),
      );
      if (existing.length) return existing[existing.length - 1]!;
      return new Promise<StoredMail>((resolve, reject) => {
        const w = { to: addr, since, subject: o.subject, resolve };
        waiters.add(w);
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no mail to ${addr} within ${o.timeoutMs ?? 10_000} ms`));
        }, o.timeoutMs ?? 10_000);
        const orig = w.resolve;
        w.resolve = (m) => {
          clearTimeout(t);
          orig(m);
        };
      });
    },
    routes(app) {
      app.get('/api/messages', async (req) => {
        const to = (req.query as { to?: string }).to;
        return { messages: await list(to) };
      });
      app.get('/api/messages/:id', async (req, reply) => {
        const m = await get((req.params as { id: string }).id);
        return m ?? reply.status(404).send({ error: 'not_found', message: 'no such message' });
      });
      app.get('/', async (req, reply) => {
        const to = (req.query as { to?: string }).to;
        reply.type('text/html; charset=utf-8');
        return mailboxPage(await list(to), to);
      });
      app.get('/messages/:id', async (req, reply) => {
        const m = await get((req.params as { id: string }).id);
        if (!m) return reply.status(404).type('text/html; charset=utf-8').send('<p>Not found</p>');
        reply.type('text/html; charset=utf-8');
        return messagePage(m);
      });
    },
    async close() {
      for (const w of waiters) waiters.delete(w);
      await new Promise<void>((r) => smtp.close(() => r()));
      await storage.close();
    },
  };
}

/** A mailbox with its own HTTP server (what `honnin start` runs). */
export async function startMailboxServer(opts: Parameters<typeof startMailbox>[0] & { httpPort?: number }) {
  const mailbox = await startMailbox(opts);
  const app = createHttpServer({ name: 'mailbox', logger: opts.logger });
  mailbox.routes(app);
  return { mailbox, app };
}

// Plain text with URLs made clickable, so one-time links in mails can be opened.
function linkify(text: string): string {
  return escapeHtml(text).replace(
    /https?:\/\/[^\s<>"]+/g,
    (u) => `<a href="${u}" target="_blank" rel="noopener">${u}</a>`,
  );
}

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,"Noto Sans CJK JP",sans-serif;margin:0;padding:1rem;max-width:60rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}pre{white-space:pre-wrap}</style></head>
<body><header><h1>${escapeHtml(title)}</h1></header><main>${body}</main></body></html>`;
}

function mailboxPage(mails: StoredMail[], to?: string): string {
  const rows = mails
    .map(
      (m) =>
        `<tr><td>${new Date(m.receivedAt).toISOString()}</td><td>${escapeHtml(m.to)}</td><td><a href="messages/${m.id}">${escapeHtml(m.subject || '(件名なし / no subject)')}</a></td></tr>`,
    )
    .join('');
  return shell(
    `メールボックス / Mailbox${to ? ` — ${to}` : ''}`,
    mails.length
      ? `<table><thead><tr><th scope="col">受信 / Received</th><th scope="col">宛先 / To</th><th scope="col">件名 / Subject</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p>メールはまだありません。/ No mail yet.</p>',
  );
}

function messagePage(m: StoredMail): string {
  return shell(
    m.subject || '(件名なし)',
    `<dl><dt>From</dt><dd>${escapeHtml(m.from)}</dd><dt>To</dt><dd>${escapeHtml(m.to)}</dd><dt>Date</dt><dd>${new Date(m.receivedAt).toISOString()}</dd></dl><pre>${linkify(m.text)}</pre><p><a href="../">← 一覧 / list</a></p>`,
  );
}
