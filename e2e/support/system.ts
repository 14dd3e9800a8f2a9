import { tempDir } from '@honnin/runtime/testing';
import pg from 'pg';
import { loadHonninConfig } from '../../packages/cli/src/config.ts';
import { type StartedSystem, startSystem } from '../../packages/cli/src/start.ts';
import { freePort } from './ports.ts';

export interface TestSystem {
  /** public base URL of every started part */
  urls: Record<string, string>;
  dataDir: string;
  /** the parts' database (a fresh one on the given server), when PostgreSQL is used */
  databaseUrl?: string | undefined;
  system: StartedSystem;
  close(): Promise<void>;
}

export interface TestSystemOptions {
  /** the parts to start, as `honnin start --only` names them */
  parts: string[];
  /** PostgreSQL server for the parts' schemas (a fresh database is made and dropped) */
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** issue the demo cards and register the demo clients (default true) */
  demo?: boolean;
  /** extra configuration, per part section (a function gets the parts' URLs, known before they start) */
  config?:
    | Record<string, Record<string, unknown>>
    | ((urls: Record<string, string>) => Record<string, Record<string, unknown>>);
}

/**
 * A whole honnin on free ports in a temporary folder, started exactly as
 * `honnin start --only …` does (the parts' own start functions, talking over
 * HTTP). With a database URL, the parts get a database of their own on that
 * server, dropped on close.
 */
export async function startTestSystem(o: TestSystemOptions): Promise<TestSystem> {
  const tmp = tempDir('honnin-system-');
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (o.databaseUrl) {
    const name = `honnin_e2e_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const admin = new pg.Client({ connectionString: o.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(o.databaseUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.href;
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: o.databaseUrl });
      await c.connect();
      // parts' pools let go of their connections shortly after closing; forcing earlier
      // would make a pool's idle client fail in the middle of the next test
      for (let i = 0; i < 50; i++) {
        const left = await c.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name]);
        if (left.rows.length === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const sections: Record<string, Record<string, unknown>> = {};
  for (const part of o.parts) sections[part] = { port: await freePort() };
  const urls = Object.fromEntries(o.parts.map((p) => [p, `http://localhost:${sections[p]!.port}`]));
  const extra = typeof o.config === 'function' ? o.config(urls) : (o.config ?? {});
  for (const part of o.parts) Object.assign(sections[part]!, extra[part]);
  if (o.parts.includes('mailbox')) sections.mailbox!.smtpPort = await freePort();
  const config = loadHonninConfig({
    file: null,
    env: {},
    overrides: {
      dataDir: tmp.dir,
      logLevel: 'warn',
      demo: o.demo ?? true,
      ...(databaseUrl ? { databaseUrl } : {}),
      ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}),
      ...sections,
    },
  });
  let system: StartedSystem;
  try {
    system = await startSystem(config, { only: o.parts });
  } catch (e) {
    await dropDatabase();
    tmp.cleanup();
    throw e;
  }
  return {
    urls: Object.fromEntries(o.parts.map((p) => [p, system.urls[p]!])),
    dataDir: tmp.dir,
    databaseUrl,
    system,
    async close() {
      await system.close();
      await dropDatabase();
      tmp.cleanup();
    },
  };
}
