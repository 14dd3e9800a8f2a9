import { createMetrics, silentLogger } from '@honnin/runtime';
import { loadHonninConfig } from '../../packages/cli/src/config.ts';
import { PARTS } from '../../packages/cli/src/parts.ts';
import type { TestSystem } from './system.ts';

/**
 * Stops one running part of a test system (its server and its store), as an
 * outage would; the function returned starts it again on the same port, data
 * folder and database, and puts it back among the system's parts (closed with
 * the system).
 */
export async function stopPart(system: TestSystem, name: string): Promise<() => Promise<void>> {
  const parts = system.system.parts;
  const i = parts.findIndex((p) => p.name === name);
  const part = PARTS.find((p) => p.name === name);
  if (i < 0 || !part) throw new Error(`no running part ${name}`);
  await parts[i]!.close();
  return async () => {
    const config = loadHonninConfig({
      file: null,
      env: {},
      overrides: {
        dataDir: system.dataDir,
        logLevel: 'warn',
        demo: true,
        ...(system.databaseUrl ? { databaseUrl: system.databaseUrl } : {}),
        [name]: { port: Number(new URL(system.urls[name]!).port) },
      },
    });
    parts[i] = await part.start({
      shared: config,
      config: config[name] ?? {},
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      urls: system.system.urls,
      smtpUrl: '',
    });
  };
}
