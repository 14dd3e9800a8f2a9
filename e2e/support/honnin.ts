import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketTransport } from '@honnin/card/client';
import { cardTapUrl } from '@honnin/platform/citizen/browser/tap';
import type { CardSession } from './citizen.ts';
import type { DemoRelyingParty } from './relying-party.ts';
import type { TestSystem } from './system.ts';

/** A credential the parts wrote under `<dataDir>/credentials/` (admin tokens, keys). */
export function credential(system: TestSystem, name: string): string {
  return readFileSync(join(system.dataDir, 'credentials', name), 'utf8').trim();
}

/** Registers a relying party at the running platform over its admin API. */
export async function registerRelyingParty(
  system: TestSystem,
  rp: DemoRelyingParty,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const res = await fetch(`${system.urls.platform}/admin/clients/${rp.clientId}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${credential(system, 'platform-admin-token')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(rp.registration(extra)),
  });
  if (!res.ok) throw new Error(`registering ${rp.clientId}: ${res.status} ${await res.text()}`);
}

export interface DemoCardInfo {
  id: string;
  label: string;
  holderName: string;
  hasSignature: boolean;
}

/** The card host's demo card whose label starts with `prefix` ("デモ1" …). */
export async function demoCard(system: TestSystem, prefix: string): Promise<DemoCardInfo> {
  const { cards } = (await (await fetch(`${system.urls.cards}/v1/cards`)).json()) as {
    cards: DemoCardInfo[];
  };
  const card = cards.find((c) => c.label.startsWith(prefix));
  if (!card) throw new Error(`no demo card ${prefix}`);
  return card;
}

/** The demo cards' PINs (README, "Virtual card"). */
export const DEMO_PINS: Record<string, { authPin: string; signPassword?: string; cardInfoPin: string }> = {
  デモ1: { authPin: '1234', signPassword: 'ABC123', cardInfoPin: '1234' },
  デモ2: { authPin: '5678', signPassword: 'HONNIN2026', cardInfoPin: '5678' },
  デモ3: { authPin: '1111', cardInfoPin: '1111' },
};

/** A demo card held to the phone: each read is a tap on the card host. */
export async function tapSession(
  system: TestSystem,
  prefix: keyof typeof DEMO_PINS & string,
): Promise<CardSession & { card: DemoCardInfo }> {
  const card = await demoCard(system, prefix);
  return {
    card,
    ...DEMO_PINS[prefix]!,
    transport: () => WebSocketTransport.connect(cardTapUrl(system.urls.cards!, card.id)),
  };
}
