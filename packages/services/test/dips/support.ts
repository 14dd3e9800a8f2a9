import {
  type Logger,
  listen,
  type Mailbox,
  openMigratedStorage,
  openStorage,
  type Storage,
  startMailbox,
} from '@honnin/runtime';
import { isolatedStorage, type StorageBackend, tempDir } from '@honnin/runtime/testing';
import { createDipsService, type DipsService } from '../../src/dips/service.ts';
import { dipsMigrations } from '../../src/dips/store/migrations.ts';
import type { DipsDB } from '../../src/dips/store/schema.ts';
import { FormClient, hidden } from '../web/client.ts';

/** The built-in mailbox (a real SMTP server) in a folder of its own, removed on close. */
export async function startTestMailbox(): Promise<Mailbox> {
  const dir = tempDir('honnin-dips-mail-');
  const mailbox = await startMailbox({ dataDir: dir.dir });
  return {
    ...mailbox,
    async close() {
      await mailbox.close();
      dir.cleanup();
    },
  };
}

/** A fresh, migrated DIPS storage: its options (for a service to run on) and a connection to look into it. */
export async function dipsStorage(backend: StorageBackend, name: string) {
  const iso = isolatedStorage(backend, name);
  const storage = await openMigratedStorage<DipsDB>(iso.options, dipsMigrations);
  return {
    options: iso.options,
    db: storage.db,
    async close() {
      await storage.close();
      await iso.cleanup();
    },
  };
}

/** A DIPS service on a fresh storage with a real SMTP mailbox; the platform at `issuer` (default: none). */
export async function startDips(
  backend: StorageBackend,
  opts: {
    clock?: () => number;
    issuer?: string;
    publicUrl?: string;
    port?: number;
    logger?: Logger;
  } = {},
) {
  const iso = isolatedStorage(backend, 'dips');
  const mailbox = await startTestMailbox();
  const port = opts.port ?? 0;
  const service: DipsService = await createDipsService({
    storage: iso.options,
    publicUrl: opts.publicUrl ?? 'http://127.0.0.1:0',
    issuer: opts.issuer ?? 'http://127.0.0.1:9',
    clientId: 'RP00000001',
    smtpUrl: mailbox.smtpUrl,
    mailFrom: 'DIPS <noreply@dips.test>',
    staffPassword: 'staff-password',
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    outboxIntervalMs: 200,
  });
  const url = await listen(service.app, port);
  let reader: Storage<DipsDB> | undefined;
  return {
    url,
    mailbox,
    service,
    client: () => new FormClient(url),
    /** a second connection to the service's storage, to check what it keeps */
    async db() {
      reader ??= await openStorage<DipsDB>(iso.options);
      return reader.db;
    },
    async close() {
      await reader?.close();
      await service.close();
      await mailbox.close();
      await iso.cleanup();
    },
  };
}

export const OWNER = {
  name: '山田 太郎',
  reading: 'ヤマダ タロウ',
  postcode: '100-0001',
  address: '東京都千代田区千代田1-1',
  birthDate: '1990-04-01',
  phone: '03-1234-5678',
  email: 'taro@example.jp',
};

export const AIRCRAFT = {
  manufacturingType: 'maker',
  maker: 'DIPS',
  model: 'S10001',
  category: 'rotorcraft_multicopter',
  serial: 'SN-0001',
  remoteIdType: 'builtin',
  remoteIdMaker: 'DIPS',
  remoteIdModel: 'RID-1',
  remoteIdSerial: 'RID0001',
  altered: 'no',
};

export async function signUp(c: FormClient, who: Partial<typeof OWNER> = {}, password = 'drone2026') {
  const page = await c.follow('/signup');
  return c.submit('/signup', {
    _csrf: hidden(page.text, '_csrf'),
    signup_key: hidden(page.text, 'signup_key'),
    ...OWNER,
    ...who,
    password,
    password2: password,
  });
}

export async function logIn(c: FormClient, email = OWNER.email, password = 'drone2026') {
  const page = await c.follow('/login');
  return c.submit('/login', { _csrf: hidden(page.text, '_csrf'), email, password });
}

/** STEP 01–04 with valid data; returns the application's base path. */
export async function enterApplication(
  c: FormClient,
  opts: { owner?: Partial<typeof OWNER>; aircraft?: Partial<typeof AIRCRAFT>[] } = {},
): Promise<string> {
  let p = await c.follow('/');
  p = await c.submit('/applications', { _csrf: hidden(p.text, '_csrf') });
  const base = new URL(p.url).pathname.replace(/\/[a-z]+$/, '');
  p = await c.submit(`${base}/method`, { _csrf: hidden(p.text, '_csrf'), method: 'mynumber_card' });
  p = await c.submit(`${base}/owner`, { _csrf: hidden(p.text, '_csrf'), ...OWNER, ...opts.owner });
  for (const a of opts.aircraft ?? [{}]) {
    p = await c.submit(`${base}/aircraft`, {
      _csrf: hidden(p.text, '_csrf'),
      form_key: hidden(p.text, 'form_key'),
      ...AIRCRAFT,
      ...a,
    });
  }
  p = await c.follow(`${base}/user`);
  await c.submit(`${base}/user`, { _csrf: hidden(p.text, '_csrf'), same: 'same' });
  return base;
}

/** 登録申請 → OK; returns the page shown after it. */
export async function submitApplication(c: FormClient, base: string) {
  const p = await c.follow(`${base}/submit`);
  return c.submit(`${base}/submit`, { _csrf: hidden(p.text, '_csrf') });
}

export function mailLink(text: string, path: string): string {
  const m = new RegExp(`https?://\\S+${path}\\S*`).exec(text);
  if (!m) throw new Error(`no ${path} link in mail`);
  return new URL(m[0]).pathname;
}
