import type { IssueCardInput } from '../issuing/issue-card.ts';
import { verificationCodeB } from '../issuing/verification-code.ts';
import type { CardSummary } from '../store/card-store.ts';

/**
 * The demo cards issued on the first start with `demo` on: fixed holders,
 * PINs and passwords (README, "Virtual card"). Test data only — the names are
 * fictional and the 個人番号 are made up (valid check digit).
 */
export interface DemoCard {
  key: string;
  /** the label in English (the store keeps the Japanese one, `input.label`) */
  labelEn: string;
  input: IssueCardInput;
}

export function demoCards(): DemoCard[] {
  return [
    {
      key: 'demo-adult',
      labelEn: 'Demo 1 黒桐　幹也 (adult, both certificates)',
      input: {
        label: 'デモ1 黒桐　幹也（成人・両証明書）',
        holder: {
          name: '黒桐　幹也',
          address: '東京都千代田区千代田１－１',
          birthDate: '1980-02-17',
          sex: '1',
          municipalityCode: '131016',
        },
        authPin: '1234',
        signPassword: 'ABC123',
        cardInfoPin: '1234',
        securityCode: '2285',
        individualNumber: '123456789018',
      },
    },
    {
      key: 'demo-adult-2',
      labelEn: 'Demo 2 蒼崎　橙子 (adult, both certificates)',
      input: {
        label: 'デモ2 蒼崎　橙子（成人・両証明書）',
        holder: {
          name: '蒼崎　橙子',
          address: '東京都渋谷区宇田川町２１－１',
          birthDate: '1992-09-26',
          sex: '2',
          municipalityCode: '131130',
        },
        authPin: '5678',
        signPassword: 'HONNIN2026',
        cardInfoPin: '5678',
        securityCode: '4649',
        individualNumber: '234567890121',
      },
    },
    {
      key: 'demo-child',
      labelEn: 'Demo 3 両儀　未那 (12 years old, user authentication only)',
      input: {
        label: 'デモ3 両儀　未那（12歳・利用者証明用のみ）',
        holder: {
          name: '両儀　未那',
          address: '東京都新宿区西新宿２－８－１',
          // 12 in 2026: under 15, so J-LIS issues no signature certificate
          birthDate: '2014-05-05',
          sex: '2',
          municipalityCode: '131041',
        },
        authPin: '1111',
        cardInfoPin: '1111',
        securityCode: '1357',
        individualNumber: '345678901234',
      },
    },
    {
      key: 'demo-android',
      labelEn: 'Demo 4 浅上　藤乃 (Android smartphone certificate)',
      input: {
        token: 'android',
        label: 'デモ4 浅上　藤乃（Androidスマホ用電子証明書）',
        holder: {
          name: '浅上　藤乃',
          address: '神奈川県横浜市中区日本大通１',
          birthDate: '1990-03-03',
          sex: '2',
          municipalityCode: '141003',
        },
        authPin: '2468',
        signPassword: 'ANDROID1',
        securityCode: '8080',
        individualNumber: '456789012346',
      },
    },
  ];
}

/** A card's label as the wallet shows it: a demo card's in the page's language, any other as issued. */
export function cardLabel(label: string, lang: 'ja' | 'en'): string {
  if (lang === 'ja') return label;
  return demoCards().find((d) => d.input.label === label)?.labelEn ?? label;
}

/** Banner lines for the demo cards found among `cards` (matched by label). */
export function demoBanner(cards: readonly CardSummary[]): string[] {
  const lines: string[] = [];
  for (const demo of demoCards()) {
    const card = cards.find((c) => c.label === demo.input.label);
    if (!card) continue;
    const i = demo.input;
    const parts = [`${i.label} [${card.token}]`, `auth PIN ${i.authPin}`];
    if (card.hasSignature) parts.push(`署名用パスワード ${i.signPassword}`);
    if (card.token === 'card') {
      parts.push(`券面事項入力補助 PIN ${i.cardInfoPin}`);
      parts.push(
        `照合番号B ${verificationCodeB(i.holder.birthDate, new Date(card.expiresAt), i.securityCode!)}`,
      );
    }
    lines.push(parts.join(' · '));
  }
  return lines;
}
