import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { envBoolean, envName, loadConfig, port, z } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';
import { tempDir } from '../src/testing.ts';

const schema = z.object({
  databaseUrl: z.string().optional(),
  logLevel: z.enum(['debug', 'info', 'warn']).default('info'),
  jlis: z
    .object({ port: port.default(7001), publicUrl: z.url().optional(), strict: envBoolean.default(false) })
    .prefault({}),
});

test('env names follow the schema path', () => {
  assert.equal(envName(['jlis', 'publicUrl']), 'HONNIN_JLIS_PUBLIC_URL');
});

test('defaults, file, env and overrides layer in that order', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ logLevel: 'debug', jlis: { port: 8000 } }));
    const c = loadConfig(schema, {
      file,
      env: { HONNIN_JLIS_PORT: '9000', DATABASE_URL: 'postgres://x/y', HONNIN_JLIS_STRICT: 'yes' },
      aliases: { DATABASE_URL: 'databaseUrl' },
    });
    assert.deepEqual(c, {
      databaseUrl: 'postgres://x/y',
      logLevel: 'debug',
      jlis: { port: 9000, strict: true },
    });
    const d = loadConfig(schema, { file: null, env: {}, overrides: { jlis: { port: 1 } } });
    assert.equal(d.jlis.port, 1);
    assert.equal(d.logLevel, 'info');
  } finally {
    cleanup();
  }
});

test('every problem is reported with its env name', () => {
  try {
    loadConfig(schema, { file: null, env: { HONNIN_LOG_LEVEL: 'loud', HONNIN_JLIS_PORT: '70000' } });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'config_invalid');
    assert.equal(e.problems.length, 2);
    assert.match(e.message, /logLevel \(env HONNIN_LOG_LEVEL\)/);
    assert.match(e.message, /jlis\.port \(env HONNIN_JLIS_PORT\)/);
  }
});

test('a broken config file is reported, not thrown raw', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ nope');
    assert.throws(
      () => loadConfig(schema, { file, env: {} }),
      (e: unknown) => e instanceof ConfigError && /bad\.json/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

test('a key the file has but the schema does not is a problem, named with what the section takes', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ jlis: { prot: 1234 }, logLevl: 'debug', logLevel: 'debug' }));
    assert.throws(
      () => loadConfig(schema, { file, env: {} }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 2);
        assert.match(e.message, /jlis\.prot: unknown key \(jlis takes port, publicUrl, strict\)/);
        assert.match(e.message, /logLevl: unknown key \(the top level takes databaseUrl, logLevel, jlis\)/);
        return true;
      },
    );
    // known keys only: loads
    writeFileSync(file, JSON.stringify({ jlis: { port: 1234 } }));
    assert.equal(loadConfig(schema, { file, env: {} }).jlis.port, 1234);
  } finally {
    cleanup();
  }
});

test('an environment name in a section that matches no key is a warning, other HONNIN_ names are not', () => {
  const warnings: string[] = [];
  const c = loadConfig(schema, {
    file: null,
    env: { HONNIN_JLIS_PROT: '1234', HONNIN_JLIS_PORT: '7100', HONNIN_TEST_DATABASE_URL: 'x', PATH: '/bin' },
    warn: (m) => warnings.push(m),
  });
  assert.equal(c.jlis.port, 7100);
  assert.deepEqual(warnings, [
    'HONNIN_JLIS_PROT matches no configuration key (jlis takes HONNIN_JLIS_PORT, HONNIN_JLIS_PUBLIC_URL, HONNIN_JLIS_STRICT)',
  ]);
});
