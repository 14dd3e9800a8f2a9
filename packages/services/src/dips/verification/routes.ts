import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type BasicInfo,
  basicInfoFromVerification,
  certificateSerialFromVerification,
} from '../../relying-party/basic-info.ts';
import { redirectToPlatform } from '../../relying-party/install.ts';
import { RelyingPartyError } from '../../relying-party/outcomes.ts';
import { buttonForm } from '../../web/forms.ts';
import { html, jsonScript, raw, type SafeHtml } from '../../web/html.ts';
import { type Lang, type Text, tr } from '../../web/i18n.ts';
import { stepIndicator } from '../../web/layout.ts';
import { type Application, ownerOf } from '../application/applications.ts';
import { L } from '../application/fields.ts';
import { ownApplication, resumeStep, waysToRead } from '../application/routes.ts';
import type { Dips } from '../context.ts';
import {
  CANCEL,
  OK,
  SERVICE_NAME,
  VERIFICATION_LABEL,
  VERIFICATION_STEPS,
  WIZARD_LABEL,
  WIZARD_STEPS,
} from '../texts.ts';

const STOP: Text = { ja: '手続きを中止して修正する', en: 'Stop and correct the application' };

/**
 * 登録申請 and what follows: the mail check, ① precautions, ② signature,
 * ③ overwrite with the card's 4 items and sign again, ④ user authentication,
 * and the callback from the identity platform that moves it along.
 */
export function verificationRoutes(app: FastifyInstance, d: Dips): void {
  const auth = { preHandler: d.web.requireLogin };
  const own = (req: FastifyRequest) => ownApplication(d, req);

  /**
   * The application whose verification this browser session runs. A verification
   * left by another session (an idle timeout, a login elsewhere) starts again
   * from 登録申請; nothing entered is lost.
   */
  async function running(req: FastifyRequest, reply: FastifyReply): Promise<Application | undefined> {
    const a = await own(req);
    if (a.status === 'verifying' && a.session_id === req.session.id) return a;
    if (a.status === 'verifying') {
      await d.procedure.restart(a);
      await req.session.flash('info', {
        ja: '本人確認の手続きが中断されたため、もう一度「登録申請」から手続きをやり直してください。入力した内容は保存されています。',
        en: 'The identity verification was interrupted. Please start again from "Apply for registration"; what you entered has been kept.',
      });
      reply.redirect(`/applications/${a.id}/confirm`, 303);
      return undefined;
    }
    reply.redirect(`/applications/${a.id}/${resumeStep(a)}`, 303);
    return undefined;
  }

  const verifyPath = (id: string) => `/applications/${id}/verify`;
  const toVerify = (reply: FastifyReply, id: string) => reply.redirect(verifyPath(id), 303);

  // 登録申請: the confirmation dialog of the seeds, as a page (works without script, survives reload)
  app.get('/applications/:id/submit', auth, async (req, reply) => {
    const a = await own(req);
    if (a.status !== 'draft') return reply.redirect(`/applications/${a.id}/${resumeStep(a)}`, 303);
    const lang = req.lang;
    return reply.page({
      title: { ja: 'メールの到達確認', en: 'Confirmation of the E-mail arrival' },
      progress: stepIndicator(lang, WIZARD_LABEL, WIZARD_STEPS, 4),
      body: html`<section class="dialog" aria-labelledby="dlg-title"><h2 id="dlg-title">${tr(lang, {
        ja: '新規登録の手続き申請を行います。',
        en: 'Registration procedure: make an application.',
      })}</h2><p>${tr(lang, {
        ja: 'OKボタン押下後、所有者のメールアドレスに確認用メールが送信されます。メールを確認することによって申請完了となります。',
        en: 'Press the "OK" button, and then an e-mail for confirmation will be sent to the e-mail address of the owner. When you confirm the e-mail, the application will be completed.',
      })}</p><div class="actions">${buttonForm(lang, req.session, `/applications/${a.id}/submit`, OK)}<a class="button secondary" href="/applications/${a.id}/confirm">${tr(
        lang,
        CANCEL,
      )}</a></div></section>`,
    });
  });
  app.post('/applications/:id/submit', auth, async (req, reply) => {
    const a = await own(req);
    if (a.status === 'draft' || a.status === 'verifying') await d.procedure.submit(a, req.session.id);
    return toVerify(reply, a.id);
  });

  app.get('/applications/:id/verify', auth, async (req, reply) => {
    const a = await running(req, reply);
    if (!a) return;
    const page = stagePage(req, a, d);
    return reply.page(page);
  });

  // What the mail-check page polls: does not count as activity (the idle timeout still runs).
  app.get('/applications/:id/verify/status', { config: { web: { touch: false } } }, async (req) => {
    if (!req.session.accountId) return { stage: null, reload: true };
    const a = await own(req);
    return { stage: a.stage, status: a.status };
  });

  app.post('/applications/:id/verify/resend', auth, async (req, reply) => {
    const a = await running(req, reply);
    if (!a) return;
    await d.procedure.resendMailCheck(a);
    await req.session.flash('info', { ja: 'メールを再送信しました。', en: 'The mail has been sent again.' });
    return toVerify(reply, a.id);
  });

  app.post('/applications/:id/verify/precautions', auth, async (req, reply) => {
    const a = await running(req, reply);
    if (!a) return;
    await d.procedure.acceptPrecautions(a);
    return toVerify(reply, a.id);
  });

  app.post('/applications/:id/verify/sign', auth, async (req, reply) => {
    const a = await running(req, reply);
    if (!a) return;
    if (a.stage !== 'sign' && a.stage !== 'resign') return toVerify(reply, a.id);
    return redirectToPlatform(req, reply, verifyPath(a.id), async () => {
      const s = await d.procedure.beginSignature(a);
      const owner = ownerOf(a)!;
      const transactionId = await d.rp.createSignTransaction({
        digest: s.digest,
        name: `無人航空機の新規登録申請（申請番号 ${a.number}）`,
        title: 'ドローン登録システム / DIPS-REG',
        summary: `所有者: ${owner.name} / 機体: ${s.document.aircraft.length}機 / Owner: ${owner.name}, ${s.document.aircraft.length} UA`,
      });
      return d.rp.authorize({
        purpose: 'dips.sign',
        sessionId: req.session.id,
        scope: ['openid', 'sign'],
        signTransactionId: transactionId,
        context: { applicationId: a.id, attempt: s.attempt, digest: s.digestHex },
        uiLocale: req.lang,
      });
    });
  });

  app.post('/applications/:id/verify/overwrite', auth, async (req, reply) => {
    const a = await running(req, reply);
    if (!a) return;
    if (a.stage === 'mismatch') await d.procedure.overwriteWithCard(a);
    return toVerify(reply, a.id);
  });

  app.post('/applications/:id/verify/auth', auth, async (req, reply) => {
    const a = await running(req, reply);
    if (!a) return;
    if (a.stage !== 'user_auth') return toVerify(reply, a.id);
    const started = await d.procedure.beginUserAuthentication(a);
    if (started === 'window_expired') {
      await req.session.flash('error', WINDOW_EXPIRED);
      return toVerify(reply, a.id);
    }
    return redirectToPlatform(req, reply, verifyPath(a.id), () =>
      d.rp.authorize({
        purpose: 'dips.auth',
        sessionId: req.session.id,
        scope: ['openid'],
        acrValues: ['aal3'],
        context: { applicationId: a.id, attempt: started.attempt },
        uiLocale: req.lang,
      }),
    );
  });

  app.post('/applications/:id/verify/cancel', auth, async (req, reply) => {
    const a = await own(req);
    if (a.status === 'verifying') await d.procedure.restart(a);
    return reply.redirect(`/applications/${a.id}/confirm`, 303);
  });

  // The mail's one-time URL: opened in a new tab (or on another device); no login needed.
  // (Its request is not logged at info level: the URL holds the one-time token.)
  app.get('/mail-check/:token', { logLevel: 'warn' }, async (req, reply) => {
    const r = await d.procedure.confirmMail((req.params as { token: string }).token);
    const ok = r === 'confirmed' || r === 'already';
    const text: Text = ok
      ? {
          ja: 'メールアドレスの認証が完了しました。申請の画面で操作を続けてください。この画面はブラウザの「×」ボタンで閉じてください。',
          en: 'The e-mail address has been authenticated. If you are performing the application operation on another screen, continue the operation there. Close this screen with the X button of the browser.',
        }
      : r === 'expired'
        ? {
            ja: 'このURLの有効期限が切れています。申請の画面で「メールを再送信する」を押してください。',
            en: 'This URL has expired. Press "Send the mail again" on the application screen.',
          }
        : {
            ja: 'このURLは無効です。最新のメールのURLを開いてください。',
            en: 'This URL is not valid. Open the URL in the latest mail.',
          };
    return reply.page(
      {
        title: ok
          ? { ja: '認証完了', en: 'Authentication completed' }
          : { ja: '認証できませんでした', en: 'Not authenticated' },
        // both languages, as the seed's page: the mail may be opened anywhere
        body: html`<div class="panel" role="status"><p lang="ja">${text.ja}</p><p lang="en">${text.en}</p></div>`,
      },
      ok ? 200 : 400,
    );
  });

  // The identity platform sends the browser back here after a signature or an authentication.
  app.get('/auth/callback', async (req, reply) => {
    const r = await d.rp.callback(new URL(req.url, d.publicUrl), req.session.id);
    if (r.kind === 'unknown') throw r.error;
    const applicationId = String(r.context.applicationId);
    const attempt = Number(r.context.attempt);
    if (r.kind === 'replayed') return toVerify(reply, applicationId);
    const step = r.purpose === 'dips.sign' ? ('signature' as const) : ('user_auth' as const);
    const fail = async (e: RelyingPartyError) => {
      req.log.info({ outcome: e.outcome, applicationId }, 'verification step failed');
      if (
        await d.procedure.failed(applicationId, attempt, {
          step,
          result: e.outcome,
          detail: e.revocationReason,
        })
      ) {
        await req.session.flash('error', e.text);
      }
      return toVerify(reply, applicationId);
    };
    if (r.kind === 'failure') return fail(r.error);

    if (step === 'signature') {
      let card: BasicInfo | undefined;
      let serial: string | undefined;
      try {
        // verified by the platform, over the digest of the document this attempt showed
        const result = await d.rp.signResult(r.signTransactionId!, r.accessToken, {
          digest: Buffer.from(String(r.context.digest), 'hex'),
        });
        card = basicInfoFromVerification(result.verification);
        serial = certificateSerialFromVerification(result.verification);
      } catch (e) {
        if (e instanceof RelyingPartyError) return fail(e);
        throw e;
      }
      if (!card)
        return fail(new RelyingPartyError('platform_error', 'the verification result holds no 4 items'));
      await d.procedure.signatureVerified(applicationId, attempt, {
        card,
        sub: r.sub,
        digestHex: String(r.context.digest),
        reference: r.signTransactionId!,
        certificateSerial: serial,
      });
      return toVerify(reply, applicationId);
    }

    const done = await d.procedure.userAuthenticated(applicationId, attempt, { sub: r.sub });
    if (done === 'completed') return reply.redirect(`/applications/${applicationId}/complete`, 303);
    if (done === 'window_expired') await req.session.flash('error', WINDOW_EXPIRED);
    if (done === 'different_person') await req.session.flash('error', DIFFERENT_PERSON);
    return toVerify(reply, applicationId);
  });
}

const WINDOW_EXPIRED: Text = {
  ja: '電子署名の付与から5分以内に利用者証明用電子証明書の暗証番号（4桁）が入力されなかったため、有効時間が過ぎました。お手数ですが、電子署名の付与からやり直してください。',
  en: 'The user-authentication PIN (4 digits) was not entered within 5 minutes of the electronic signature. Please grant the electronic signature again.',
};
const DIFFERENT_PERSON: Text = {
  ja: '電子署名に使用したマイナンバーカードと、利用者認証に使用したカードの持ち主が異なります。同じマイナンバーカードで、電子署名の付与からやり直してください。',
  en: 'The card used for user authentication does not belong to the person who signed. Please start again from the electronic signature with the same card.',
};

function verificationProgress(lang: Lang, stage: Application['stage']): SafeHtml {
  const index = { precautions: 0, sign: 1, mismatch: 2, resign: 2, user_auth: 3 } as Record<string, number>;
  const i = index[stage ?? ''];
  return i === undefined
    ? stepIndicator(lang, WIZARD_LABEL, WIZARD_STEPS, 4)
    : stepIndicator(lang, VERIFICATION_LABEL, VERIFICATION_STEPS, i);
}

/** The page of the current stage. */
function stagePage(req: FastifyRequest, a: Application, d: Dips) {
  const lang = req.lang;
  const base = `/applications/${a.id}/verify`;
  const ok = (action: string) => buttonForm(lang, req.session, `${base}/${action}`, OK);
  const stop = buttonForm(lang, req.session, `${base}/cancel`, STOP, { className: 'secondary' });
  const progress = verificationProgress(lang, a.stage);
  const owner = ownerOf(a)!;

  switch (a.stage) {
    case 'mail_check':
      return {
        title: { ja: 'メールの到達確認', en: 'Confirmation of the E-mail arrival' },
        progress,
        body: html`<div class="dialog"><p>${tr(
          lang,
          {
            ja: '所有者情報に登録されたメールアドレス（{email}）にメールを送信しております。画面をこのままにしてメールをご確認ください。メールの確認後、自動的に次の画面に移ります。',
            en: 'We are sending an e-mail to the address registered in the owner information ({email}). Please check your e-mail without leaving this screen. After you confirm the e-mail, the next screen will be displayed automatically.',
          },
          { email: owner.email },
        )}</p><p id="waiting" role="status" aria-live="polite">${tr(lang, { ja: 'メールの確認を待っています…', en: 'Waiting for the e-mail to be confirmed…' })}</p>
<p class="muted">${tr(lang, {
          ja: 'この画面を閉じても、入力した内容は保存されています。メインメニューの「申請状況確認」から手続きを再開できます。',
          en: 'If you close this screen, what you entered is kept: you can resume from "Application status" on the main menu.',
        })}</p>
<noscript><p><a href="${base}">${tr(lang, { ja: 'メールを確認したら、ここを押して次へ進んでください', en: 'After confirming the e-mail, press here to continue' })}</a></p></noscript>
<div class="actions">${buttonForm(lang, req.session, `${base}/resend`, { ja: 'メールを再送信する', en: 'Send the mail again' }, { className: 'secondary' })}${stop}</div></div>
${jsonScript('poll', { url: `${base}/status` })}${raw(POLL_SCRIPT)}`,
      };
    case 'precautions':
      return {
        title: { ja: '注意事項の確認', en: 'Check for precautions' },
        progress,
        body: html`<div class="dialog"><p>${tr(lang, {
          ja: '所有者情報として入力された内容とマイナンバーカードの情報との認証を行うため、デジタル認証アプリを利用して、「署名用電子証明書のパスワード（英数字6〜16文字）」、「利用者証明用電子証明書の暗証番号（数字4桁）」を入力していただきます。',
          en: 'To check the owner information you entered against your Individual Number Card, you will enter the "password of the signature certificate (6 to 16 letters and digits)" and the "PIN of the user-authentication certificate (4 digits)" in the digital authentication app.',
        })}</p><p>${tr(lang, {
          ja: 'そのため、お手元にマイナンバーカードをご準備の上、「OK」ボタンを押してください。',
          en: 'So, prepare your Individual Number Card and press the "OK" button.',
        })}</p><p>${tr(lang, {
          ja: 'マイナンバーカードによる認証のため、ドローン登録システムのアカウント情報及び入力された所有者情報のうち、氏名、住所、生年月日は、マイナンバーカードに登録されている基本4情報と一致する必要があります。',
          en: 'For authentication with the Individual Number Card, the name, address and birth date in your DIPS-REG account and the entered owner information have to match the four basic items registered on the card.',
        })}</p><ul><li>${tr(lang, {
          ja: '※マイナンバーカードの「電子証明書の有効期限」が過ぎている場合は、申請ができませんのでご注意ください。',
          en: '*If the Individual Number Card is past the "expiration date of the electronic certificate", you cannot make an application.',
        })}</li><li>${tr(lang, {
          ja: '※「利用者証明用電子証明書の暗証番号(4桁)」入力は有効時間(5分以内)がございますのでご注意ください。',
          en: '*The "PIN of the user-authentication certificate (4 digits)" must be entered within 5 minutes.',
        })}</li></ul><div class="actions">${ok('precautions')}${stop}</div></div>${waysToRead(lang, d.publicUrl)}`,
      };
    case 'sign':
    case 'resign':
      return {
        title:
          a.stage === 'sign'
            ? { ja: '電子署名の付与', en: 'Grant an electronic signature' }
            : { ja: '電子署名の付与（2回目）', en: 'Grant an electronic signature (2nd time)' },
        progress,
        body: html`<div class="dialog"><p>${
          a.stage === 'resign'
            ? tr(lang, {
                ja: '申請データの作成が完了しました。改めて署名用電子証明書のパスワードを入力してください。',
                en: 'The preparation of the application data is completed. Enter the password for signature again.',
              })
            : tr(lang, { ja: '電子署名を作成します。', en: 'Create an electronic signature.' })
        }</p><p>${tr(
          lang,
          {
            ja: '「OK」を押すとデジタル認証アプリの画面に移ります。接続先サービスが「{service}」であることを確認し、署名用電子証明書のパスワード（英数字6〜16文字）を入力して、マイナンバーカードを読み取ってください。',
            en: 'Pressing "OK" takes you to the digital authentication app. Check that the service shown is "{service}", enter the signature password (6 to 16 letters and digits) and read your card.',
          },
          { service: SERVICE_NAME[lang] },
        )}</p><p class="muted">${tr(lang, {
          ja: '署名用電子証明書のパスワードを5回続けて間違えるとロックされます。',
          en: 'The signature password locks after 5 wrong entries in a row.',
        })}</p><div class="actions">${ok('sign')}${stop}</div></div>`,
      };
    case 'mismatch':
      return {
        title: { ja: 'マイナンバーカードの情報との相違', en: 'Your details differ from the card' },
        progress,
        body: mismatchBody(lang, a, owner, ok('overwrite'), stop),
      };
    case 'user_auth': {
      const left = d.procedure.windowLeftMs(a);
      return {
        title: { ja: '利用者認証', en: 'Perform user authentication' },
        progress,
        body: html`<div class="dialog"><p>${tr(lang, { ja: '利用者認証を行います。', en: 'Perform user authentication.' })}</p><p>${tr(
          lang,
          {
            ja: '「OK」を押すとデジタル認証アプリの画面に移ります。利用者証明用電子証明書の暗証番号（数字4桁）を入力して、マイナンバーカードを読み取ってください。3回続けて間違えるとロックされます。',
            en: 'Pressing "OK" takes you to the digital authentication app. Enter the user-authentication PIN (4 digits) and read your card. It locks after 3 wrong entries in a row.',
          },
        )}</p><p>${tr(lang, {
          ja: '※暗証番号(4桁)の入力は、電子署名の付与から5分以内に行ってください。',
          en: '*Enter the 4-digit PIN within 5 minutes of the electronic signature.',
        })}</p><p class="countdown" data-left-ms="${left}"><span>${tr(lang, { ja: '残り時間', en: 'Time left' })}</span> <span id="left">${clock(left)}</span></p>
<div class="actions">${ok('auth')}${stop}</div></div>${raw(COUNTDOWN_SCRIPT)}`,
      };
    }
    default:
      return {
        title: { ja: '本人確認', en: 'Identity verification' },
        progress,
        body: html`<p><a href="/applications/${a.id}">${tr(lang, { ja: '申請の状況を見る', en: 'See the application' })}</a></p>`,
      };
  }
}

function mismatchBody(
  lang: Lang,
  a: Application,
  owner: { name: string; address: string; birthDate: string },
  ok: SafeHtml,
  stop: SafeHtml,
) {
  const card = JSON.parse(a.card_info ?? '{}') as BasicInfo;
  const rows: [Text, string, string][] = [
    [L.name, owner.name, card.name],
    [L.address, owner.address, card.address],
    [L.birthDate, owner.birthDate.replace(/-/g, '/'), (card.birthDate ?? '').replace(/-/g, '/')],
  ];
  return html`<div class="dialog"><p>${tr(lang, {
    ja: 'ドローン登録システムのアカウント情報及び入力された所有者情報とマイナンバーカードに登録されている情報が異なっていました。',
    en: 'The account information of DIPS-REG and the entered owner information were different from the information registered on the Individual Number Card.',
  })}</p><table><thead><tr><th scope="col"></th><th scope="col">${tr(lang, { ja: '入力された内容', en: 'Entered' })}</th><th scope="col">${tr(
    lang,
    {
      ja: 'マイナンバーカード',
      en: 'On the card',
    },
  )}</th></tr></thead><tbody>${rows.map(
    ([label, entered, onCard]) =>
      html`<tr><th scope="row">${tr(lang, label)}</th><td>${entered}</td><td>${onCard}</td></tr>`,
  )}</tbody></table><p>${tr(lang, {
    ja: 'マイナンバーカードとの認証を行うためには、ドローン登録システムのアカウント情報及び入力された所有者情報のうち、氏名、住所、生年月日については、マイナンバーカードに登録されている基本4情報のうち氏名、住所、生年月日と一致する必要があります。',
    en: 'For authentication with the Individual Number Card, the name, address and birth date in the account information and the owner information have to match those of the four basic items registered on the card.',
  })}</p><p>${tr(lang, {
    ja: 'マイナンバーカードに登録されている情報に、データを書き換えますので、「OK」ボタンを押した後、改めて「署名用電子証明書のパスワード(6~16桁)」を入力してください。その後、「利用者証明用電子証明書の暗証番号(4桁)」を入力していただきます。',
    en: 'The data will be replaced with the information registered on the card: press "OK", then enter the signature password (6 to 16 characters) again, and then the user-authentication PIN (4 digits).',
  })}</p><p class="muted">${tr(lang, {
    ja: 'なお、ドローン登録システム上では「性別」の情報を必要としませんが、マイナンバーカードによる本人確認を行う場合に必要な情報であり、「性別」の情報もアカウント情報として保存します（表示はされません）ので、ご了承ください。',
    en: 'DIPS-REG does not need your sex, but as it is part of identity verification with the card, it is also saved as account information (it is not displayed).',
  })}</p><p class="muted">${tr(lang, {
    ja: '※「利用者証明用電子証明書の暗証番号(4桁)」入力は有効時間(5分以内)がございますのでご注意ください。',
    en: '*The user-authentication PIN (4 digits) must be entered within 5 minutes.',
  })}</p><div class="actions">${ok}${stop}</div></div>`;
}

const clock = (ms: number) => {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

// Reloads the page once the mail was confirmed (the page then shows the next stage).
const POLL_SCRIPT = `<script>(()=>{const {url}=JSON.parse(document.getElementById('poll').textContent);
const tick=async()=>{try{const r=await fetch(url,{headers:{accept:'application/json'}});const j=await r.json();
if(j.reload||j.stage!=='mail_check'){location.reload();return}}catch{}setTimeout(tick,2000)};setTimeout(tick,2000)})()</script>`;

// Counts the 5-minute window down (the server decides; this only shows it).
const COUNTDOWN_SCRIPT = `<script>(()=>{const p=document.querySelector('[data-left-ms]');const end=Date.now()+Number(p.dataset.leftMs);
const el=document.getElementById('left');const f=()=>{const s=Math.max(0,Math.ceil((end-Date.now())/1000));
el.textContent=Math.floor(s/60)+':'+String(s%60).padStart(2,'0');if(s>0)setTimeout(f,1000)};f()})()</script>`;
