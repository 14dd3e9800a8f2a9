import type { CommandContext } from '@honnin/runtime';
import type { Command } from 'commander';
import type { TokenKind } from './card.ts';
import type { CardsConfig } from './host/part.ts';
import { issueCard } from './issuing/issue-card.ts';
import type { CardLifeEvent } from './issuing/life-events.ts';

type Load = () => Promise<CommandContext<CardsConfig>>;

function print(v: unknown): void {
  process.stdout.write(`${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}\n`);
}

async function withCards<T>(
  load: Load,
  fn: (cards: import('./host/part.ts').CardsRuntime) => Promise<T>,
): Promise<T> {
  const ctx = await load();
  const { openCards } = await import('./host/part.ts');
  const cards = await openCards(ctx.shared, ctx.config, ctx.urls.jlis);
  try {
    return await fn(cards);
  } finally {
    await cards.store.close();
  }
}

/** `honnin cards …`: what a municipal office and a tester do with virtual cards. */
export function cardCommands(cmd: Command, load: Load): void {
  cmd
    .command('issue')
    .description('issue a card: it generates its keys and J-LIS (running) certifies them')
    .requiredOption('--name <name>', '氏名 (family and given name separated by U+3000)')
    .requiredOption('--address <address>', '住所')
    .requiredOption('--birth-date <date>', '生年月日 YYYY-MM-DD')
    .requiredOption('--sex <code>', '1 male, 2 female, 9 not applicable')
    .option('--municipality <code>', 'issuing municipality (全国地方公共団体コード)', '131016')
    .option('--token <kind>', 'card | android | iphone', 'card')
    .requiredOption('--auth-pin <pin>', '利用者証明用暗証番号 (4 digits)')
    .option('--sign-password <password>', '署名用パスワード (6–16 A–Z 0–9); none: no signature certificate')
    .option('--card-info-pin <pin>', '券面事項入力補助用暗証番号 (default: the auth PIN)')
    .option('--security-code <code>', 'the 4-digit security code printed on the card (random by default)')
    .option('--label <label>', 'how the wallet names the card')
    .action(async (o: Record<string, string | undefined>) => {
      await withCards(load, async (cards) => {
        const issued = await issueCard(
          {
            holder: {
              name: o.name!,
              address: o.address!,
              birthDate: o.birthDate!,
              sex: o.sex as '1' | '2' | '9',
              municipalityCode: o.municipality!,
            },
            token: o.token as TokenKind,
            authPin: o.authPin!,
            signPassword: o.signPassword,
            cardInfoPin: o.cardInfoPin,
            securityCode: o.securityCode,
            label: o.label,
          },
          { certifier: cards.certifier(), issuers: await cards.store.apIssuers() },
        );
        const summary = await cards.store.save(issued);
        print(summary);
        // the holder's envelope: shown once, never stored in clear
        print(
          `照合番号B ${issued.envelope.verificationCodeB} (security code ${issued.envelope.securityCode})`,
        );
      });
    });

  cmd
    .command('list')
    .description('list the cards (no secrets)')
    .action(() =>
      withCards(load, async (cards) => {
        for (const c of await cards.store.list())
          print(`${c.id}  ${c.token.padEnd(7)} ${c.removed ? 'removed' : 'present'}  ${c.label}`);
      }),
    );

  cmd
    .command('show <id>')
    .description('one card: holder, kind, expiry, PIN tries')
    .action((id: string) => withCards(load, async (cards) => print(await cards.store.summary(id))));

  cmd
    .command('pins <id>')
    .description('PIN tries left and locks')
    .action((id: string) =>
      withCards(load, async (cards) => {
        for (const [name, p] of Object.entries((await cards.store.summary(id)).pins))
          print(`${name.padEnd(20)} ${p.triesLeft}/${p.maxTries}${p.triesLeft === 0 ? '  LOCKED' : ''}`);
      }),
    );

  cmd
    .command('unblock <id>')
    .description('reset a locked PIN, as the municipal office does (optionally to a new value)')
    .requiredOption('--pin <name>', 'jpki.auth | jpki.signature | cardInfo.pin | …')
    .option('--new-value <value>', 'a new PIN / password')
    .action((id: string, o: { pin: string; newValue?: string }) =>
      withCards(load, async (cards) => print((await cards.store.unblock(id, o.pin, o.newValue)).pins)),
    );

  const lifeEvent = (id: string, event: CardLifeEvent) =>
    withCards(load, async (cards) => {
      const { applyLifeEvent } = await import('./issuing/life-events.ts');
      const { card, certified } = await applyLifeEvent(cards.store, id, event, cards.certifier());
      print({
        event: event.type,
        card,
        revoked: certified.revoked,
        ...(certified.auth ? { auth: { serial: certified.auth.serial } } : {}),
        ...(certified.signature ? { signature: { serial: certified.signature.serial } } : {}),
      });
    });

  cmd
    .command('renew <id>')
    .description(
      '電子証明書の更新: new key pairs on the card, both certificates replaced by J-LIS (running); PINs kept',
    )
    .action((id: string) => lifeEvent(id, { type: 'renewal' }));

  cmd
    .command('move <id>')
    .description(
      '転居: new address on the card (4 items, integrity record, card face) and a new signature certificate',
    )
    .requiredOption('--address <address>', '新住所')
    .option('--municipality <code>', 'the new municipality (全国地方公共団体コード) when it changes')
    .action((id: string, o: { address: string; municipality?: string }) =>
      lifeEvent(id, { type: 'move', address: o.address, municipalityCode: o.municipality }),
    );

  cmd
    .command('rename <id>')
    .description('氏名変更: new name on the card and a new signature certificate')
    .requiredOption('--name <name>', '新しい氏名 (family and given name separated by U+3000)')
    .action((id: string, o: { name: string }) => lifeEvent(id, { type: 'rename', name: o.name }));

  for (const [name, removed] of [
    ['remove', true],
    ['insert', false],
  ] as const)
    cmd
      .command(`${name} <id>`)
      .description(removed ? 'take the card out of the reader (taps fail with card_removed)' : 'put it back')
      .action((id: string) =>
        withCards(load, async (cards) => print(await cards.store.setRemoved(id, removed))),
      );

  cmd
    .command('vpcd <id>')
    .description('put the card into pcscd\'s "Virtual PCD 00 00" reader (vsmartcard-vpcd) until Ctrl+C')
    .option('--port <port>', 'the vpcd driver port (35963 = first reader)', '35963')
    .action(async (id: string, o: { port: string }) => {
      const ctx = await load();
      const { openCards } = await import('./host/part.ts');
      const { exposeViaVpcd } = await import('./transports/vpcd.ts');
      const cards = await openCards(ctx.shared, ctx.config, ctx.urls.jlis);
      const exposure = exposeViaVpcd(await cards.store.load(id), {
        port: Number(o.port),
        logger: ctx.logger,
      });
      print('waiting for pcscd (start it as root: pcscd --foreground) …');
      await exposure.connected;
      print('the card is in the reader; any PC/SC program can use it (opensc-tool -a). Ctrl+C removes it.');
      await untilInterrupted();
      await exposure.close();
      await cards.store.close();
    });

  cmd
    .command('bridge')
    .description('the local bridge: PC/SC readers on this PC offered to the app page over WebSocket')
    .option('--port <port>', 'loopback port', '7013')
    .option('--origin <origins>', 'browser origins allowed (comma-separated; default: the platform part)')
    .action(async (o: { port: string; origin?: string }) => {
      const ctx = await load();
      const { createBridge } = await import('./transports/bridge.ts');
      const { listen } = await import('@honnin/runtime');
      const origins = o.origin?.split(',').map((x) => x.trim()) ?? [ctx.urls.platform];
      const app = await createBridge({
        allowedOrigins: origins.filter((x): x is string => !!x),
        logger: ctx.logger,
      });
      const url = await listen(app, Number(o.port), '127.0.0.1');
      print(
        `bridge: ${url}/v1/cards (readers), ${url.replace('http', 'ws')}/v1/cards/{reader}/tap. Ctrl+C stops.`,
      );
      await untilInterrupted();
      await app.close();
    });

  cmd
    .command('serve')
    .description('run the card host alone (wallet, API, taps) on cards.port until Ctrl+C')
    .action(async () => {
      const ctx = await load();
      const { openCards } = await import('./host/part.ts');
      const { createCardHost } = await import('./host/server.ts');
      const { createSharedState, listen } = await import('@honnin/runtime');
      const cards = await openCards(ctx.shared, ctx.config, ctx.urls.jlis);
      const state = createSharedState({ redisUrl: ctx.shared.redisUrl, namespace: 'cards' });
      const { cardsAdminToken, cardHostOrigins } = await import('./host/part.ts');
      const { app } = await createCardHost({
        store: cards.store,
        state,
        logger: ctx.logger,
        ...cardHostOrigins(ctx.config, ctx.urls, ctx.shared.publicHost),
        admin: {
          token: cardsAdminToken(ctx.shared.dataDir, ctx.config),
          certifier: () => cards.certifier(),
        },
      });
      const url = await listen(app, ctx.config.port, ctx.shared.host);
      print(`card host: ${url}/ (wallet), ${url}/v1/cards. Ctrl+C stops.`);
      await untilInterrupted();
      await app.close();
      await state.close();
      await cards.store.close();
    });

  cmd
    .command('tap <id>')
    .description(
      'tap a card on the running card host and show what a client reads (token, certificates, tries)',
    )
    .option('--url <url>', 'card host base URL')
    .action(async (id: string, o: { url?: string }) => {
      const ctx = await load();
      const base = o.url ?? ctx.urls.cards ?? `http://${ctx.shared.publicHost}:${ctx.config.port}`;
      const { WebSocketTransport } = await import('./transports/websocket.ts');
      const { JpkiClient } = await import('./client/jpki-client.ts');
      const transport = await WebSocketTransport.connect(`${base.replace(/^http/, 'ws')}/v1/cards/${id}/tap`);
      try {
        const c = new JpkiClient(transport);
        const token = await c.readToken();
        const availability = await c.readAvailability();
        const auth = token.token === 'card' ? (await c.readAuthCertificate()).length : undefined;
        print({
          label: transport.hello.label,
          token,
          availability,
          authCertificateBytes: auth,
          triesLeft: {
            auth: await c.triesLeft('auth'),
            ...(availability.signature ? { signature: await c.triesLeft('signature') } : {}),
          },
        });
      } finally {
        await transport.close();
      }
    });
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
