import { createLogger, createMetrics, type RunningPart } from '@honnin/runtime';
import { type HonninConfig, partUrls } from './config.ts';
import { PARTS } from './parts.ts';

export interface StartedSystem {
  parts: RunningPart[];
  urls: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts every part on the configured ports. Without SMTP_URL the built-in
 * mailbox runs and receives all mail. Returns when everything listens.
 */
export async function startSystem(
  config: HonninConfig,
  opts: { only?: string[] } = {},
): Promise<StartedSystem> {
  const logger = createLogger(config.logLevel, 'honnin');
  const metrics = createMetrics();
  const urls = partUrls(config);
  const running: RunningPart[] = [];
  let smtpUrl = config.smtpUrl ?? '';
  const close = async () => {
    for (const p of [...running].reverse()) {
      await p.close().catch((e: Error) => logger.error({ err: e, part: p.name }, 'close failed'));
    }
  };
  try {
    for (const part of PARTS) {
      if (opts.only && !opts.only.includes(part.name)) continue;
      if (part.name === 'mailbox' && config.smtpUrl) continue;
      const r = await part.start({
        shared: config,
        config: config[part.name] ?? {},
        logger: logger.child({ part: part.name }),
        metrics,
        urls,
        smtpUrl,
      });
      if (part.name === 'mailbox' && r.urls.smtp) smtpUrl = r.urls.smtp;
      running.push(r);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { parts: running, urls, close };
}

export function banner(system: StartedSystem): string {
  const lines = ['', 'honnin (本人) is running:', ''];
  for (const p of system.parts) {
    const title = PARTS.find((x) => x.name === p.name)?.title ?? p.name;
    lines.push(`  ${title}`);
    for (const [label, url] of Object.entries(p.urls)) lines.push(`    ${label.padEnd(14)} ${url}`);
    for (const b of p.banner ?? []) lines.push(`    ${b}`);
    lines.push('');
  }
  lines.push('Stop with Ctrl+C.', '');
  return lines.join('\n');
}
