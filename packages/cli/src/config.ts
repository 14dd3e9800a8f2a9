import {
  CONFIG_ALIASES,
  type LoadConfigOptions,
  loadConfig,
  type SharedConfig,
  sharedConfig,
  type z,
} from '@honnin/runtime';
import { PARTS } from './parts.ts';

/** The whole configuration: shared keys at the top, one section per part. */
export function configSchema() {
  const sections: Record<string, z.ZodType> = {};
  for (const p of PARTS) sections[p.name] = p.config.prefault({});
  return sharedConfig.extend(sections);
}

export type HonninConfig = SharedConfig & Record<string, Record<string, unknown> & { port: number }>;

export function loadHonninConfig(opts: Omit<LoadConfigOptions, 'aliases'> = {}): HonninConfig {
  return loadConfig(configSchema(), { ...opts, aliases: CONFIG_ALIASES }) as unknown as HonninConfig;
}

/** Public base URL of every part from its configured port (parts address each other by these). */
export function partUrls(config: HonninConfig): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const p of PARTS) {
    const section = config[p.name];
    if (section && typeof section.port === 'number')
      urls[p.name] = `http://${config.publicHost}:${section.port}`;
  }
  return urls;
}

const SECRET_KEY = /token|key|password|passphrase|secret/i;

/**
 * The configuration as `honnin config` prints it: values of secret-named keys
 * (tokens, keys, passwords, passphrases, secrets) replaced by `***`, and the
 * user information of URLs (`smtp://user:pass@…`) too.
 */
export function maskSecrets(config: unknown): unknown {
  return JSON.parse(
    JSON.stringify(config, (k, v) => {
      if (typeof v !== 'string' || !k) return v;
      if (SECRET_KEY.test(k)) return v ? '***' : v;
      if (/url/i.test(k)) return v.replace(/\/\/[^@/]*@/, '//***@');
      return v;
    }),
  );
}
