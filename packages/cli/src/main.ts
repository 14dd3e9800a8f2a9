import { ConfigError, createLogger, HonninError } from '@honnin/runtime';
import { Command } from 'commander';
import { loadHonninConfig, maskSecrets, partUrls } from './config.ts';
import { PARTS } from './parts.ts';
import { banner, startSystem } from './start.ts';

const program = new Command('honnin')
  .description('honnin (本人) — My Number Card identity verification, end to end')
  .option('-c, --config <file>', 'configuration file (JSON); default ./honnin.config.json when present')
  .showHelpAfterError();

const load = () =>
  loadHonninConfig({
    file: program.opts<{ config?: string }>().config,
    warn: (m) => process.stderr.write(`honnin: warning: ${m}\n`),
  });

program
  .command('start')
  .description('start every part on embedded defaults (SQLite, in-process state, built-in mailbox)')
  .option('--only <parts>', 'comma-separated part names to start')
  .action(async (o: { only?: string }) => {
    const config = load();
    const system = await startSystem(config, o.only ? { only: o.only.split(',') } : {});
    process.stdout.write(banner(system));
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await system.close();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('config')
  .description('print the effective configuration (secrets masked)')
  .action(() => {
    process.stdout.write(`${JSON.stringify(maskSecrets(load()), null, 2)}\n`);
  });

for (const part of PARTS) {
  if (!part.commands) continue;
  const cmd = program.command(part.name).description(part.title);
  part.commands(cmd, async () => {
    const config = load();
    return {
      shared: config,
      config: config[part.name] ?? {},
      logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
      urls: partUrls(config),
    };
  });
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`honnin: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof HonninError) {
    process.stderr.write(`honnin: ${e.message} [${e.code}]\n`);
    process.exit(1);
  }
  throw e;
}
