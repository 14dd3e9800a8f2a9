import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '@honnin/jpki';
import type { CertPurpose, SexCode } from '@honnin/jpki/profile';
import { type CommandContext, HonninError } from '@honnin/runtime';
import type { Command } from 'commander';
import { type JlisConfig, jlisOptions } from '../config.ts';
import type { IssuedCertificate } from '../issuance.ts';
import { type Jlis, openJlis } from '../jlis.ts';
import type { LifeEvent } from '../lifecycle.ts';
import type { CertificateRecord } from '../records.ts';
import { LIFE_EVENT_TYPES, REVOCATION_REASONS, type RevocationReason } from '../revocation/reasons.ts';
import { japanMonth } from '../verifiers/fees.ts';

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));

/** A card-generated key pair, made here because the CLI plays the card. */
function cardKey(dir: string | undefined, name: string): Uint8Array {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.key.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
  }
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

function saveCertificate(dir: string | undefined, name: string, c: IssuedCertificate | undefined) {
  if (!dir || !c) return;
  writeFileSync(join(dir, `${name}.cert.pem`), toPem(c.der));
  writeFileSync(join(dir, `${name}.ca.pem`), toPem(c.caCertDer));
}

const summary = (c: IssuedCertificate | undefined) =>
  c && { serial: c.serial, caId: c.caId, notAfter: c.notAfter.toISOString() };

function certLine(c: CertificateRecord): string {
  const why = c.reason ? ` ${c.reason} (${c.event})` : '';
  return `    ${c.purpose.padEnd(9)} ${c.serial.padEnd(8)} ${c.status}${why}  until ${c.notAfter.toISOString().slice(0, 10)}`;
}

function choice<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) {
    throw new HonninError('invalid_request', `${what} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * `honnin jlis …`: J-LIS's administration, working directly on its store (the
 * server need not run). Commands print JSON where a script would read them.
 */
export function jlisCommands(cmd: Command, load: () => Promise<CommandContext<JlisConfig>>): void {
  const withJlis = async (fn: (jlis: Jlis) => Promise<void>) => {
    const ctx = await load();
    const jlis = await openJlis(jlisOptions(ctx.shared, ctx.config, ctx.logger));
    try {
      await fn(jlis);
    } finally {
      await jlis.close();
    }
  };

  cmd
    .command('issue')
    .description('issue a card: key pairs generated here (as a card would), certified; prints the serials')
    .option('--name <name>', '氏名', '山田　太郎')
    .option('--address <address>', '住所', '東京都千代田区千代田１－１')
    .option('--birth-date <date>', 'YYYY-MM-DD', '1990-01-01')
    .option('--sex <code>', "'1', '2' or '9'", '1')
    .option('--municipality <code>', '全国地方公共団体コード', '131016')
    .option('--token <token>', 'card, android or iphone', 'card')
    .option('--no-signature', 'no signature certificate')
    .option('--out <dir>', 'write the private keys (0600) and certificates as PEM here')
    .action((o) =>
      withJlis(async (jlis) => {
        const card = await jlis.issuer.issueCard({
          holder: {
            name: o.name,
            address: o.address,
            birthDate: o.birthDate,
            sex: o.sex as SexCode,
            municipalityCode: o.municipality,
          },
          token: choice(o.token, ['card', 'android', 'iphone'] as const, '--token'),
          authPublicKey: cardKey(o.out, 'auth'),
          signaturePublicKey: o.signature ? cardKey(o.out, 'signature') : undefined,
        });
        saveCertificate(o.out, 'auth', card.auth);
        saveCertificate(o.out, 'signature', card.signature);
        json({
          cardId: card.cardId,
          holderId: card.holderId,
          expiresAt: card.expiresAt.toISOString(),
          auth: summary(card.auth),
          signature: summary(card.signature),
        });
      }),
    );

  cmd
    .command('reissue')
    .description('a new card for a known holder (再交付): earlier cards revoked, certificates linked')
    .argument('<holderId>')
    .option('--token <token>', 'card, android or iphone', 'card')
    .option('--no-signature', 'no signature certificate')
    .option('--out <dir>', 'write the private keys (0600) and certificates as PEM here')
    .action((holderId: string, o) =>
      withJlis(async (jlis) => {
        const card = await jlis.lifecycle.reissueCard({
          holderId,
          token: choice(o.token, ['card', 'android', 'iphone'] as const, '--token'),
          authPublicKey: cardKey(o.out, 'auth'),
          signaturePublicKey: o.signature ? cardKey(o.out, 'signature') : undefined,
        });
        saveCertificate(o.out, 'auth', card.auth);
        saveCertificate(o.out, 'signature', card.signature);
        json({
          cardId: card.cardId,
          holderId: card.holderId,
          expiresAt: card.expiresAt.toISOString(),
          revoked: card.revoked.map((x) => ({ purpose: x.purpose, serial: x.serial, reason: x.reason })),
          auth: summary(card.auth),
          signature: summary(card.signature),
        });
      }),
    );

  cmd
    .command('event')
    .description(
      `a life event: ${LIFE_EVENT_TYPES.join(', ')} (new keys are generated for move, rename, renewal)`,
    )
    .argument('<cardId>')
    .argument('<type>')
    .option('--name <name>', 'new 氏名 (rename)')
    .option('--address <address>', 'new 住所 (move)')
    .option('--municipality <code>', 'new municipality (move)')
    .option('--purposes <list>', 'request: signature,auth')
    .option('--reason <reason>', 'request: unspecified or keyCompromise')
    .option('--no-signature', 'move/rename/renewal: no new signature certificate')
    .option('--out <dir>', 'write new private keys and certificates as PEM here')
    .action((cardId: string, type: string, o) =>
      withJlis(async (jlis) => {
        const t = choice(type, LIFE_EVENT_TYPES, 'the event');
        const holder = { name: o.name, address: o.address, municipalityCode: o.municipality };
        const sigKey = () => (o.signature ? cardKey(o.out, 'signature') : undefined);
        let event: LifeEvent;
        if (t === 'move' || t === 'rename') event = { type: t, holder, signaturePublicKey: sigKey() };
        else if (t === 'renewal')
          event = { type: t, authPublicKey: cardKey(o.out, 'auth'), signaturePublicKey: sigKey() };
        else if (t === 'request') {
          event = {
            type: t,
            purposes: o.purposes
              ? String(o.purposes)
                  .split(',')
                  .map((p) => choice(p.trim(), ['signature', 'auth'] as const, '--purposes'))
              : undefined,
            reason: o.reason
              ? choice(o.reason, ['unspecified', 'keyCompromise'] as const, '--reason')
              : undefined,
          };
        } else event = { type: t };
        const r = await jlis.lifecycle.apply(cardId, event);
        saveCertificate(o.out, 'auth', r.auth);
        saveCertificate(o.out, 'signature', r.signature);
        json({
          event: r.event,
          cardId: r.cardId,
          revoked: r.revoked.map((x) => ({ purpose: x.purpose, serial: x.serial, reason: x.reason })),
          auth: summary(r.auth),
          signature: summary(r.signature),
        });
      }),
    );

  cmd
    .command('revoke')
    .description(`revoke one certificate (${REVOCATION_REASONS.join(', ')})`)
    .argument('<purpose>', 'signature or auth')
    .argument('<serial>', 'hex serial')
    .requiredOption('--reason <reason>', 'CRL reason')
    .action((purpose: string, serial: string, o: { reason: string }) =>
      withJlis(async (jlis) => {
        const r = await jlis.lifecycle.revoke(
          choice(purpose, ['signature', 'auth'] as CertPurpose[], 'purpose'),
          serial,
          choice(o.reason, REVOCATION_REASONS, '--reason') as RevocationReason,
        );
        json({
          purpose: r.purpose,
          serial: r.serial,
          reason: r.reason,
          revokedAt: r.revokedAt.toISOString(),
        });
      }),
    );

  cmd
    .command('list')
    .description('cards, newest first, with their certificates and states')
    .option('--limit <n>', 'how many cards', '20')
    .option('--json', 'as JSON')
    .action((o: { limit: string; json?: boolean }) =>
      withJlis(async (jlis) => {
        const cards = await jlis.records.cards({ limit: Math.max(1, Math.min(1000, Number(o.limit) || 20)) });
        if (o.json) return json(cards);
        for (const c of cards) {
          out(
            `${c.cardId}  ${c.token}  card ${c.status}, holder ${c.holderStatus}, card until ${c.expiresAt.toISOString().slice(0, 10)}`,
          );
          for (const cert of c.certificates) out(certLine(cert));
        }
        if (cards.length === 0) out('no cards');
      }),
    );

  cmd
    .command('export-ca')
    .description('write every CA certificate to a folder as <id>.pem and <id>.der')
    .argument('<dir>')
    .action((dir: string) =>
      withJlis(async (jlis) => {
        mkdirSync(dir, { recursive: true });
        for (const g of jlis.ca.list()) {
          writeFileSync(join(dir, `${g.id}.pem`), toPem(g.certDer));
          writeFileSync(join(dir, `${g.id}.der`), g.certDer);
          out(`${g.id}${g.active ? ' (active)' : ''} → ${join(dir, `${g.id}.pem`)}`);
        }
      }),
    );

  cmd
    .command('crl')
    .description("write a CA generation's current CRL (DER) to a file")
    .argument('<caId>')
    .argument('<file>')
    .action((caId: string, file: string) =>
      withJlis(async (jlis) => {
        writeFileSync(file, await jlis.crls.der(caId));
        const info = await jlis.crls.current(caId);
        out(
          `CRL ${info.number} of ${caId}: ${info.entries} entries, next update ${info.nextUpdate.toISOString()}`,
        );
      }),
    );

  cmd
    .command('rollover')
    .description('start a new CA generation for a purpose (a running server picks it up within 30 s)')
    .argument('<purpose>', 'signature or auth')
    .action((purpose: string) =>
      withJlis(async (jlis) => {
        const g = await jlis.ca.rollover(choice(purpose, ['signature', 'auth'] as CertPurpose[], 'purpose'));
        out(`${g.id} now issues ${g.purpose} certificates`);
      }),
    );

  const verifier = cmd.command('verifier').description('approved signature verifiers (署名検証者)');
  verifier
    .command('add')
    .description('register a verifier; prints its API key once')
    .argument('<name>')
    .action((name: string) =>
      withJlis(async (jlis) => {
        const v = await jlis.verifiers.add(name);
        json({ id: v.id, name: v.name, apiKey: v.apiKey });
      }),
    );
  verifier
    .command('list')
    .description('registered verifiers')
    .action(() =>
      withJlis(async (jlis) => {
        for (const v of await jlis.verifiers.list()) {
          out(`${v.id}  ${v.name}  key ${v.keyHint}…${v.disabled ? '  (disabled)' : ''}`);
        }
      }),
    );
  verifier
    .command('rotate-key')
    .description('a new API key for a verifier (the old one stops working); prints it once')
    .argument('<verifier>', 'id or name')
    .action((name: string) =>
      withJlis(async (jlis) => {
        const v = await jlis.verifiers.rotateKey(name);
        json({ id: v.id, name: v.name, apiKey: v.apiKey });
      }),
    );
  for (const [command, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    verifier
      .command(command)
      .argument('<verifier>', 'id or name')
      .description(`${command} a verifier's access`)
      .action((name: string) =>
        withJlis(async (jlis) => {
          const v = await jlis.verifiers.setDisabled(name, disabled);
          out(`${v.name} ${disabled ? 'disabled' : 'enabled'}`);
        }),
      );
  }

  cmd
    .command('statement')
    .description("a verifier's fee statement for a month (Japan time)")
    .argument('<verifier>', 'id or name')
    .argument('[month]', 'YYYY-MM (default: this month)')
    .option('--json', 'as JSON')
    .action((name: string, month: string | undefined, o: { json?: boolean }) =>
      withJlis(async (jlis) => {
        const st = await jlis.fees.statement(await jlis.verifiers.get(name), month ?? japanMonth(jlis.now()));
        if (o.json) return json(st);
        out(`${st.verifier.name} — ${st.month}`);
        for (const l of st.lines) {
          out(
            `  ${l.kind.padEnd(12)} ${l.channel.padEnd(10)} ${l.purpose.padEnd(10)} ${String(l.count).padStart(8)}  ¥${l.yen}`,
          );
        }
        out(`  ${'total'.padEnd(34)} ${String(st.total.count).padStart(8)}  ¥${st.total.yen}`);
      }),
    );
}
