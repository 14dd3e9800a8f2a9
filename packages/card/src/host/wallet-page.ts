import { escapeHtml as esc } from '@honnin/runtime/html';
import type { CardSummary } from '../store/card-store.ts';
import { cardLabel } from './demo-cards.ts';

/**
 * The wallet: the host's virtual cards (holder, token kind, PIN tries, locks)
 * with a button that takes a card out of the reader (to try "card removed" in
 * flows) and puts it back. Japanese first, English with ?lang=en.
 */
export type Lang = 'ja' | 'en';

const T = {
  ja: {
    title: '仮想マイナンバーカード',
    intro:
      'このページの仮想カードは、アプリや PC/SC からかざす（タップする）ことができます。テスト用のカードで、実在の人物ではありません。',
    none: 'カードはまだありません。`npm run honnin -- cards issue` で発行できます。',
    holder: '名義',
    token: '種類',
    tokens: {
      card: 'マイナンバーカード',
      android: 'スマホ用電子証明書（Android）',
      iphone: 'スマホ用電子証明書（iPhone）',
    },
    signature: '署名用電子証明書',
    yes: 'あり',
    no: 'なし（15歳未満）',
    expires: '有効期限',
    pins: '暗証番号の残り回数',
    pinNames: {
      'jpki.auth': '利用者証明用電子証明書 暗証番号',
      'jpki.signature': '署名用電子証明書 パスワード',
      'cardInfo.pin': '券面事項入力補助用 暗証番号',
    } as Record<string, string>,
    locked: 'ロック中',
    left: (n: number, max: number) => `残り ${n} 回 / ${max} 回`,
    state: '状態',
    inReader: 'リーダーにあります',
    removed: '取り出されています',
    remove: 'カードを取り出す',
    insert: 'カードを戻す',
    tapUrl: 'タップ用 URL',
    done: { remove: 'カードを取り出しました。', insert: 'カードを戻しました。' },
    failed: '操作に失敗しました。',
    other: 'English',
  },
  en: {
    title: 'Virtual My Number Cards',
    intro:
      'The virtual cards on this page can be tapped from the app or used through PC/SC. They are test cards; the holders are fictional.',
    none: 'No cards yet. Issue one with `npm run honnin -- cards issue`.',
    holder: 'Holder',
    token: 'Kind',
    tokens: {
      card: 'My Number Card',
      android: 'Smartphone certificate (Android)',
      iphone: 'Smartphone certificate (iPhone)',
    },
    signature: 'Signature certificate',
    yes: 'yes',
    no: 'none (under 15)',
    expires: 'Expires',
    pins: 'PIN tries left',
    pinNames: {
      'jpki.auth': 'User-authentication PIN',
      'jpki.signature': 'Signature password',
      'cardInfo.pin': 'Card-info PIN',
    } as Record<string, string>,
    locked: 'locked',
    left: (n: number, max: number) => `${n} of ${max} left`,
    state: 'State',
    inReader: 'in the reader',
    removed: 'removed',
    remove: 'Remove the card',
    insert: 'Put the card back',
    tapUrl: 'Tap URL',
    done: { remove: 'The card was removed.', insert: 'The card is back in the reader.' },
    failed: 'That did not work.',
    other: '日本語',
  },
};

export function walletPage(cards: readonly CardSummary[], lang: Lang, tapBase: string): string {
  const t = T[lang];
  const items = cards.map((c) => {
    const pins = Object.entries(c.pins)
      .filter(([name]) => t.pinNames[name])
      .map(([name, p]) => {
        const locked = p.triesLeft === 0;
        return `<li>${esc(t.pinNames[name]!)}: <span class="${locked ? 'locked' : ''}">${
          locked ? `${t.locked} (${t.left(0, p.maxTries)})` : t.left(p.triesLeft, p.maxTries)
        }</span></li>`;
      })
      .join('');
    const headingId = `card-${esc(c.id)}`;
    return `<li><article class="card" aria-labelledby="${headingId}" data-id="${esc(c.id)}">
  <h2 id="${headingId}">${esc(cardLabel(c.label, lang))}</h2>
  <dl>
    <dt>${t.holder}</dt><dd lang="ja">${esc(c.holderName)}</dd>
    <dt>${t.token}</dt><dd>${esc(t.tokens[c.token])}</dd>
    <dt>${t.signature}</dt><dd>${c.hasSignature ? t.yes : t.no}</dd>
    <dt>${t.expires}</dt><dd>${esc(c.expiresAt.slice(0, 10))}</dd>
    <dt>${t.pins}</dt><dd><ul class="pins">${pins}</ul></dd>
    <dt>${t.state}</dt><dd class="state">${c.removed ? t.removed : t.inReader}</dd>
    <dt>${t.tapUrl}</dt><dd><code>${esc(`${tapBase}/v1/cards/${c.id}/tap`)}</code></dd>
  </dl>
  <button type="button" data-action="${c.removed ? 'insert' : 'remove'}">${c.removed ? t.insert : t.remove}</button>
</article></li>`;
  });
  const script = `
const T = ${JSON.stringify({ remove: t.remove, insert: t.insert, removed: t.removed, inReader: t.inReader, done: t.done, failed: t.failed })};
const status = document.getElementById('status');
document.querySelectorAll('article.card button').forEach((b) => b.addEventListener('click', async () => {
  const card = b.closest('article');
  const action = b.dataset.action;
  b.disabled = true;
  try {
    const r = await fetch('v1/cards/' + card.dataset.id + '/' + action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!r.ok) throw new Error(String(r.status));
    const removed = action === 'remove';
    card.querySelector('.state').textContent = removed ? T.removed : T.inReader;
    b.dataset.action = removed ? 'insert' : 'remove';
    b.textContent = removed ? T.insert : T.remove;
    status.textContent = T.done[action];
  } catch {
    status.textContent = T.failed;
  } finally {
    b.disabled = false;
    b.focus();
  }
}));`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title} — honnin</title>
<style>
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", sans-serif; margin: 0; color: #1a1a1a; background: #f4f6f8; }
header { background: #0b3d91; color: #fff; padding: 1rem; display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
header h1 { font-size: 1.3rem; margin: 0; }
header a { color: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
ul.cards { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: 1rem; }
.card { background: #fff; border-radius: .75rem; padding: 1rem; box-shadow: 0 1px 3px #0003; }
.card h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .75rem; margin: 0 0 1rem; font-size: .9rem; }
dt { color: #555; } dd { margin: 0; overflow-wrap: anywhere; }
ul.pins { margin: 0; padding-left: 1rem; }
.locked { color: #b00020; font-weight: bold; }
button { font: inherit; padding: .6rem 1rem; border-radius: .5rem; border: 2px solid #0b3d91; background: #fff; color: #0b3d91; cursor: pointer; min-height: 44px; }
button:focus-visible, a:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
code { font-size: .8rem; }
</style>
</head>
<body>
<header><h1>${t.title}</h1><a href="?lang=${lang === 'ja' ? 'en' : 'ja'}" lang="${lang === 'ja' ? 'en' : 'ja'}">${t.other}</a></header>
<main>
<p>${t.intro}</p>
<p id="status" role="status" aria-live="polite"></p>
${cards.length ? `<ul class="cards">${items.join('\n')}</ul>` : `<p>${esc(t.none)}</p>`}
</main>
<script>${script}</script>
</body>
</html>`;
}
