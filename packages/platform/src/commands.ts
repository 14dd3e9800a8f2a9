import { readFileSync } from 'node:fs';
import { type CommandContext, openMigratedStorage, type Storage } from '@honnin/runtime';
import type { Command } from 'commander';
import { type ClientInput, ClientRegistry, type ClientScope } from './clients/registry.ts';
import { SigningKeys } from './oidc/signing-keys.ts';
import type { PlatformConfig } from './part.ts';
import { migrations } from './store/migrations.ts';
import type { PlatformDB } from './store/schema.ts';
import { Fees } from './verification/fees.ts';

type Load = () => Promise<CommandContext<PlatformConfig>>;

async function withStorage<T>(load: Load, fn: (storage: Storage<PlatformDB>) => Promise<T>): Promise<T> {
  const { shared } = await load();
  const storage = await openMigratedStorage<PlatformDB>(
    { part: 'platform', dataDir: shared.dataDir, databaseUrl: shared.databaseUrl },
    migrations,
  );
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

const print = (v: unknown): void => {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `honnin platform …`: the client registry, fees and signing keys. */
export function registerCommands(cmd: Command, load: Load): void {
  const client = cmd.command('client').description('relying parties (サービス提供者)');
  client
    .command('add')
    .description('register a relying party (or replace the one with the same id)')
    .requiredOption('--name <name>', 'name shown to citizens on the consent screen (Japanese)')
    .option('--name-en <name>', 'English name')
    .option('--id <clientId>', 'client id like RP00000003 (default: the next free one)')
    .requiredOption('--redirect-uri <url>', 'redirect URI (repeatable)', collect)
    .option('--jwks-uri <url>', 'where the relying party publishes its keys')
    .option('--jwks <file>', 'a JSON file with its public JWK set (instead of --jwks-uri)')
    .option('--scopes <list>', 'allowed scopes, comma-separated', 'openid,name,address,birthdate,gender,sign')
    .option('--certified-verifier', 'a certified signature verifier: may receive certificates')
    .option('--test-mode', 'answer with the test-response screen instead of a card')
    .action(
      async (o: {
        name: string;
        nameEn?: string;
        id?: string;
        redirectUri: string[];
        jwksUri?: string;
        jwks?: string;
        scopes: string;
        certifiedVerifier?: boolean;
        testMode?: boolean;
      }) =>
        withStorage(load, async (storage) => {
          const registry = new ClientRegistry(storage);
          const input: ClientInput = {
            clientId: o.id ?? (await registry.nextClientId()),
            name: o.name,
            nameEn: o.nameEn,
            redirectUris: o.redirectUri,
            jwksUri: o.jwksUri,
            jwks: o.jwks ? JSON.parse(readFileSync(o.jwks, 'utf8')) : undefined,
            scopes: o.scopes.split(',').map((s) => s.trim()) as ClientScope[],
            certifiedVerifier: !!o.certifiedVerifier,
            testMode: !!o.testMode,
          };
          print(await registry.put(input));
        }),
    );
  client
    .command('list')
    .description('list relying parties')
    .action(() =>
      withStorage(load, async (storage) => {
        for (const c of await new ClientRegistry(storage).list())
          process.stdout.write(
            `${c.clientId}  ${c.name}${c.disabled ? '  [disabled]' : ''}${c.testMode ? '  [test mode]' : ''}${c.certifiedVerifier ? '  [certified verifier]' : ''}\n`,
          );
      }),
    );
  client
    .command('show <clientId>')
    .description('show a relying party')
    .action((id: string) =>
      withStorage(load, async (storage) =>
        print(await new ClientRegistry(storage).get(id, { includeDisabled: true })),
      ),
    );
  client
    .command('disable <clientId>')
    .description('stop a relying party from starting flows or getting tokens')
    .action((id: string) => withStorage(load, (storage) => new ClientRegistry(storage).disable(id)));

  cmd
    .command('fees')
    .description('J-LIS fees paid per relying party')
    .option('--client <clientId>', 'only this relying party')
    .action((o: { client?: string }) =>
      withStorage(load, async (storage) => print(await new Fees(storage).summary(o.client))),
    );

  cmd
    .command('rotate-keys')
    .description('start signing ID tokens with a new key now (running instances pick it up within a minute)')
    .action(() =>
      withStorage(load, async (storage) => {
        process.stdout.write(`new signing key ${await new SigningKeys(storage).rotateNow()}\n`);
      }),
    );
}
