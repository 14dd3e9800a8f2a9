import type { Command } from 'commander';
import type { Logger } from 'pino';
import { envBoolean, z } from './config.ts';
import type { Metrics } from './http/metrics.ts';

/**
 * How `honnin start` runs the parts. Every part (jlis, cards, platform, dips,
 * qualifications, …) exports a `start(ctx)` returning a RunningPart; they run in
 * one process but only reach each other over their public HTTP URLs, which are
 * known up front from the configured ports.
 */
export const sharedConfig = z.object({
  /** folder for SQLite files and other local state */
  dataDir: z.string().default('data'),
  /** PostgreSQL for every part (each in its own schema); SQLite files when absent */
  databaseUrl: z.string().optional(),
  /** Redis for state shared between instances; in-process when absent */
  redisUrl: z.string().optional(),
  /** SMTP relay for outgoing mail; the built-in mailbox when absent */
  smtpUrl: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** address the servers bind to */
  host: z.string().default('127.0.0.1'),
  /** host name used in the URLs the parts give each other and to browsers */
  publicHost: z.string().default('localhost'),
  /** issue the demo cards on the first start */
  demo: envBoolean.default(true),
});
export type SharedConfig = z.infer<typeof sharedConfig>;

/** Conventional environment names accepted besides HONNIN_… */
export const CONFIG_ALIASES: Record<string, string> = {
  DATABASE_URL: 'databaseUrl',
  REDIS_URL: 'redisUrl',
  SMTP_URL: 'smtpUrl',
  LOG_LEVEL: 'logLevel',
};

export interface PartContext<C = unknown> {
  shared: SharedConfig;
  /** this part's own configuration section */
  config: C;
  logger: Logger;
  metrics: Metrics;
  /** public base URLs of every part, by part name (e.g. urls.jlis = "http://localhost:7001") */
  urls: Readonly<Record<string, string>>;
  /** where outgoing mail goes (the built-in mailbox's SMTP when none is configured) */
  smtpUrl: string;
}

export interface RunningPart {
  name: string;
  /** what to print: labelled URLs */
  urls: Record<string, string>;
  /** extra lines for the start banner (demo cards, admin hints) */
  banner?: string[];
  close(): Promise<void>;
}

/** What an admin command gets: the configuration, a logger and where the parts are. */
export interface CommandContext<C = unknown> {
  shared: SharedConfig;
  config: C;
  logger: Logger;
  /** public base URLs of every part, by part name, as PartContext.urls */
  urls: Readonly<Record<string, string>>;
}

/**
 * A part as the `honnin` CLI sees it. `config` is the part's section of the
 * configuration (read from HONNIN_<NAME>_… and the config file's "<name>" key).
 */
export interface PartModule<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  config: S;
  start(ctx: PartContext<z.infer<S>>): Promise<RunningPart>;
  /** admin commands, mounted under `honnin <name>` */
  commands?(cmd: Command, load: () => Promise<CommandContext<z.infer<S>>>): void;
}

/**
 * Declares a part: type-checks `start` and `commands` against the part's own
 * config schema, then erases that type so the CLI can hold every part in one list
 * (the CLI hands each part exactly its section, parsed by that same schema).
 */
export function definePart<S extends z.ZodObject>(part: PartModule<S>): PartModule {
  return part as unknown as PartModule;
}
