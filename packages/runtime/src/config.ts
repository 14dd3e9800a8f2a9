import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

export { z };

/**
 * Configuration comes from three layers, later ones winning:
 *   schema defaults < JSON file (HONNIN_CONFIG, or ./honnin.config.json) < environment.
 * Every leaf `a.bC` of the schema is read from env `HONNIN_A_B_C`; `aliases` adds
 * conventional names (DATABASE_URL, REDIS_URL, …). Validation lists every problem
 * with both spellings of the key, so a start-up failure says exactly what to fix.
 * A typo must not pass unnoticed: a key of the file that the schema does not know
 * is a problem, and an environment variable named like a key of a section
 * (HONNIN_<SECTION>_…) that matches none is a warning — only a warning, as the
 * environment is shared with other programs and older settings.
 */
export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** explicit file; `null` disables the file layer */
  file?: string | null;
  cwd?: string;
  aliases?: Record<string, string>;
  /** values given programmatically (CLI flags, tests); they win over everything */
  overrides?: Record<string, unknown>;
  /** where warnings go (default: process.emitWarning) */
  warn?: (message: string) => void;
}

type AnySchema = z.ZodType;

function unwrap(s: AnySchema): AnySchema {
  let cur = s as { def?: { type?: string; innerType?: AnySchema; in?: AnySchema } };
  for (;;) {
    const t = cur.def?.type;
    if ((t === 'optional' || t === 'default' || t === 'nullable' || t === 'prefault') && cur.def?.innerType) {
      cur = cur.def.innerType as typeof cur;
    } else if (t === 'pipe' && cur.def?.in) {
      cur = cur.def.in as typeof cur;
    } else return cur as AnySchema;
  }
}

function isObject(s: AnySchema): s is z.ZodObject {
  return (unwrap(s) as { def?: { type?: string } }).def?.type === 'object';
}

export function envName(path: readonly string[]): string {
  return `HONNIN_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** Every leaf path of an object schema. */
export function leafPaths(schema: AnySchema, prefix: string[] = []): string[][] {
  const inner = unwrap(schema);
  if (!isObject(inner)) return [prefix];
  const out: string[][] = [];
  for (const [k, v] of Object.entries((inner as z.ZodObject).shape))
    out.push(...leafPaths(v as AnySchema, [...prefix, k]));
  return out;
}

/** Every path of an object schema that is itself an object (the sections), root excluded. */
function sectionPaths(schema: AnySchema, prefix: string[] = []): string[][] {
  const inner = unwrap(schema);
  if (!isObject(inner)) return [];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const [k, v] of Object.entries((inner as z.ZodObject).shape))
    out.push(...sectionPaths(v as AnySchema, [...prefix, k]));
  return out;
}

/** Keys of a parsed config file that the schema has no place for, each with what it does take. */
function unknownKeys(schema: AnySchema, value: Record<string, unknown>, prefix: string[] = []): string[] {
  const shape = (unwrap(schema) as z.ZodObject).shape;
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const path = [...prefix, k];
    const child = Object.hasOwn(shape, k) ? (shape[k] as AnySchema) : undefined;
    if (!child) {
      const where = prefix.length ? prefix.join('.') : 'the top level';
      out.push(`${path.join('.')}: unknown key (${where} takes ${Object.keys(shape).join(', ')})`);
    } else if (isObject(child) && v && typeof v === 'object' && !Array.isArray(v)) {
      out.push(...unknownKeys(child, v as Record<string, unknown>, path));
    }
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function configFilePath(opts: LoadConfigOptions): string | undefined {
  if (opts.file === null) return undefined;
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.file) return resolve(cwd, opts.file);
  if (env.HONNIN_CONFIG) return resolve(cwd, env.HONNIN_CONFIG);
  const def = resolve(cwd, 'honnin.config.json');
  return existsSync(def) ? def : undefined;
}

export function loadConfig<S extends z.ZodObject>(schema: S, opts: LoadConfigOptions = {}): z.infer<S> {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};

  const file = configFilePath(opts);
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.push(`${file}: must hold a JSON object`);
      } else {
        raw = parsed as Record<string, unknown>;
        for (const p of unknownKeys(schema, raw)) problems.push(`${file}: ${p}`);
      }
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
    }
  }

  const fromEnv: Record<string, unknown> = {};
  const aliasByPath = new Map<string, string>();
  for (const [name, dotted] of Object.entries(opts.aliases ?? {})) aliasByPath.set(dotted, name);
  for (const path of leafPaths(schema)) {
    const canonical = envName(path);
    const alias = aliasByPath.get(path.join('.'));
    const value = env[canonical] ?? (alias ? env[alias] : undefined);
    if (value !== undefined && value !== '') setPath(fromEnv, path, value);
  }
  const warn = opts.warn ?? ((m: string) => process.emitWarning(m, 'HonninConfigWarning'));
  const leaves = new Set(leafPaths(schema).map(envName));
  const sections = sectionPaths(schema).map((p) => ({ prefix: `${envName(p)}_`, path: p }));
  for (const name of Object.keys(env)) {
    const section = sections.find((x) => name.startsWith(x.prefix));
    if (!section || leaves.has(name)) continue;
    const known = [...leaves].filter((l) => l.startsWith(section.prefix));
    warn(`${name} matches no configuration key (${section.path.join('.')} takes ${known.join(', ')})`);
  }
  raw = deepMerge(raw, fromEnv);
  if (opts.overrides) raw = deepMerge(raw, opts.overrides);

  if (problems.length) throw new ConfigError(problems);
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      const alias = aliasByPath.get(path.join('.'));
      const where = path.length
        ? `${path.join('.')} (env ${envName(path)}${alias ? ` or ${alias}` : ''})`
        : '(root)';
      problems.push(`${where}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  return result.data;
}

/** A boolean read from the environment: true/false, 1/0, yes/no, on/off. */
export const envBoolean = z.union([
  z.boolean(),
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
    .transform((s) => ['true', '1', 'yes', 'on'].includes(s)),
]);

export const port = z.coerce.number().int().min(0).max(65535);
