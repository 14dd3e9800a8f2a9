import { randomUUID } from 'node:crypto';
import { z } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buttonForm, csrfInput, errorSummary, input, summaryList } from '../../web/forms.ts';
import { html } from '../../web/html.ts';
import { formatDate, japanDate, type Lang, tr } from '../../web/i18n.ts';
import { safeNext } from '../../web/install.ts';
import { ConcurrentLoginError } from '../../web/session.ts';
import { LoginThrottledError } from '../../web/throttle.ts';
import { type FieldErrors, type FormInput, says, textField, validateForm } from '../../web/validation.ts';
import { L, ownerSchema } from '../application/fields.ts';
import { personInputs } from '../application/views.ts';
import type { Dips } from '../context.ts';
import type { Account } from './accounts.ts';

const PASSWORD: { ja: string; en: string } = { ja: 'パスワード', en: 'Password' };
const PASSWORD_AGAIN = { ja: 'パスワード（確認）', en: 'Password (again)' };

const passwordRule = textField(PASSWORD, {
  max: 64,
  format: {
    pattern: /^(?=.*[A-Za-z])(?=.*\d)[\x21-\x7e]{8,64}$/,
    text: {
      ja: '「パスワード」は半角の英字と数字を含む8〜64文字で入力してください。',
      en: 'The password needs 8–64 characters with both letters and digits.',
    },
  },
});

/** Account opening, login and the main menu (メインメニュー). */
export function accountRoutes(app: FastifyInstance, d: Dips): void {
  const today = () => japanDate(d.clock());

  app.get('/', async (req, reply) => {
    const lang = req.lang;
    const account = req.session.accountId ? await d.accounts.get({ id: req.session.accountId }) : undefined;
    if (!account) {
      return reply.page({
        title: { ja: 'ドローン登録システム', en: 'Drone Registration System' },
        body: html`<p>${tr(lang, {
          ja: '無人航空機（ドローン・ラジコン機等）の登録を、マイナンバーカードによる本人確認でオンライン申請できます。',
          en: 'Register your unmanned aircraft (drones, model aircraft) online, with your identity verified by your My Number Card.',
        })}</p>${notes(lang)}<div class="actions"><a class="button" href="/login">${tr(lang, {
          ja: 'ログイン',
          en: 'Log in',
        })}</a><a class="button secondary" href="/signup">${tr(lang, {
          ja: 'アカウント開設',
          en: 'Open an account',
        })}</a></div>`,
      });
    }
    const open = await d.applications.open(account.id);
    return reply.page({
      title: { ja: 'メインメニュー', en: 'Main menu' },
      body: html`<p>${tr(lang, { ja: '{name} 様', en: 'Welcome, {name}' }, { name: account.name })}</p>
<div class="menu">
<section class="panel"><h2>${tr(lang, { ja: '新規登録', en: 'New registration' })}</h2><p>${tr(lang, {
        ja: '無人航空機を新しく登録します。',
        en: 'Register an unmanned aircraft.',
      })}</p>${buttonForm(
        lang,
        req.session,
        '/applications',
        open
          ? { ja: '入力中の申請を続ける', en: 'Continue the application in progress' }
          : { ja: '新規登録を始める', en: 'Start a new registration' },
      )}</section>
<section class="panel"><h2>${tr(lang, { ja: '申請状況確認', en: 'Application status' })}</h2><p>${tr(lang, {
        ja: '申請の状況、手数料の納付、登録記号を確認できます。',
        en: 'See your applications, fees and registration numbers.',
      })}</p><a class="button secondary" href="/applications">${tr(lang, { ja: '申請状況確認', en: 'Application status' })}</a></section>
<section class="panel"><h2>${tr(lang, { ja: 'アカウント情報', en: 'Account' })}</h2><a class="button secondary" href="/account">${tr(
        lang,
        { ja: 'アカウント情報', en: 'Account' },
      )}</a></section>
</div>${notes(lang)}`,
    });
  });

  const signupPage = (req: FastifyRequest, reply: FastifyReply, values: FormInput, errors?: FieldErrors) => {
    const lang = req.lang;
    return reply.page(
      {
        title: { ja: 'アカウント開設', en: 'Open an account' },
        body: html`${errorSummary(lang, errors)}<form method="post" action="/signup" novalidate>${csrfInput(
          req.session,
        )}<input type="hidden" name="signup_key" value="${String(values.signup_key ?? randomUUID())}">
<p>${tr(lang, {
          ja: '所有者となる方ご本人の情報を入力してください。氏名・住所・生年月日は、マイナンバーカードに記録されているとおりに入力してください。',
          en: 'Enter the details of the owner. Enter your name, address and birth date exactly as recorded on your My Number Card.',
        })}</p>
${personInputs(lang, values, errors, { birthDate: true })}
${input(lang, { name: 'password', label: PASSWORD, type: 'password', required: true, autocomplete: 'new-password', error: errors?.password, hint: { ja: '半角の英字と数字を含む8〜64文字', en: '8–64 characters with letters and digits' } })}
${input(lang, { name: 'password2', label: PASSWORD_AGAIN, type: 'password', required: true, autocomplete: 'new-password', error: errors?.password2 })}
<div class="actions"><button type="submit">${tr(lang, { ja: 'アカウントを開設する', en: 'Open the account' })}</button></div></form>`,
      },
      errors ? 400 : 200,
    );
  };

  app.get('/signup', async (req, reply) => signupPage(req, reply, {}));
  app.post('/signup', async (req, reply) => {
    const body = req.body as FormInput;
    const schema = ownerSchema(today)
      .extend({ password: passwordRule, password2: z.string(), signup_key: z.uuid() })
      .refine((v) => v.password === v.password2, {
        path: ['password2'],
        ...says({ ja: 'パスワードが一致しません。', en: 'The passwords do not match.' }),
      });
    const r = validateForm(schema, body);
    if (!r.ok) return signupPage(req, reply, body, r.errors);
    const { password, password2: _, signup_key, ...details } = r.value;
    const created = await d.accounts.create(signup_key, details, password);
    if ('taken' in created) {
      return signupPage(req, reply, body, {
        email: {
          ja: 'このメールアドレスのアカウントはすでにあります。ログインしてください。',
          en: 'An account with this e-mail address already exists. Please log in.',
        },
      });
    }
    await req.session.login(created.account.id);
    await req.session.flash('success', { ja: 'アカウントを開設しました。', en: 'Your account is open.' });
    return reply.redirect('/', 303);
  });

  const loginPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    email: string,
    error?: { ja: string; en: string },
    status = 401,
  ) => {
    const lang = req.lang;
    const next = safeNext(
      (req.query as { next?: string }).next ?? (req.body as FormInput | undefined)?.next,
      '/',
    );
    return reply.page(
      {
        title: { ja: 'ログイン', en: 'Log in' },
        body: html`${error ? html`<div class="flash error" role="alert">${tr(lang, error)}</div>` : ''}<form method="post" action="/login">${csrfInput(
          req.session,
        )}<input type="hidden" name="next" value="${next}">
${input(lang, { name: 'email', label: L.email, type: 'email', value: email, required: true, autocomplete: 'username' })}
${input(lang, { name: 'password', label: PASSWORD, type: 'password', required: true, autocomplete: 'current-password' })}
<div class="actions"><button type="submit">${tr(lang, { ja: 'ログイン', en: 'Log in' })}</button><a href="/signup">${tr(
          lang,
          {
            ja: 'アカウントをお持ちでない方',
            en: 'No account yet?',
          },
        )}</a></div></form>${notes(lang)}`,
      },
      error ? status : 200,
    );
  };

  app.get('/login', async (req, reply) => loginPage(req, reply, ''));
  app.post('/login', async (req, reply) => {
    const body = req.body as FormInput;
    const email = typeof body.email === 'string' ? body.email : '';
    try {
      await d.web.throttle.check('dips', email, req.ip);
    } catch (e) {
      if (!(e instanceof LoginThrottledError)) throw e;
      reply.header('retry-after', String(e.retryAfter));
      return loginPage(req, reply, email, e.text, e.status);
    }
    const account = await d.accounts.authenticate(
      email,
      typeof body.password === 'string' ? body.password : '',
    );
    if (!account) {
      await d.web.throttle.failed('dips', email, req.ip);
      return loginPage(req, reply, email, {
        ja: 'メールアドレスまたはパスワードが正しくありません。',
        en: 'The e-mail address or password is not correct.',
      });
    }
    await d.web.throttle.succeeded('dips', email, req.ip);
    try {
      await req.session.login(account.id);
    } catch (e) {
      if (e instanceof ConcurrentLoginError) return loginPage(req, reply, email, e.text, e.status);
      throw e;
    }
    return reply.redirect(safeNext(body.next, '/'), 303);
  });

  app.post('/logout', async (req, reply) => {
    // a visitor who is not logged in has nothing to end (and gets no stored session for the message)
    if (req.session.accountId) {
      await req.session.logout();
      await req.session.flash('info', { ja: 'ログアウトしました。', en: 'You have logged out.' });
    }
    return reply.redirect('/', 303);
  });

  app.get('/account', { preHandler: d.web.requireLogin }, async (req, reply) => {
    const account = (await d.accounts.get({ id: req.session.accountId! }))!;
    return reply.page({
      title: { ja: 'アカウント情報', en: 'Account' },
      body: accountSummary(req.lang, account),
    });
  });
}

function accountSummary(lang: Lang, a: Account) {
  // 性別 is kept once the card replaced the details, but never shown (seed ③)
  return html`${summaryList(lang, [
    [L.name, a.name],
    [L.reading, a.reading],
    [L.address, `〒${a.postcode} ${a.address}`],
    [L.birthDate, a.birth_date.replace(/-/g, '/')],
    [L.phone, a.phone],
    [L.email, a.email],
    [
      { ja: 'マイナンバーカードによる本人確認', en: 'Verified with the My Number Card' },
      a.identity_verified_at
        ? formatDate(Number(a.identity_verified_at), true)
        : { ja: 'まだ行っていません', en: 'Not yet' },
    ],
  ])}`;
}

/** 利用に当たっての留意事項 (seed 000 §02). */
function notes(lang: Lang) {
  return html`<section class="panel notice"><h2>${tr(lang, { ja: 'ご利用に当たっての留意事項', en: 'Before you start' })}</h2><ul>
<li>${tr(lang, {
    ja: '申請手続き中に60分以上操作がないと、個人情報を守るため手続きのやり直しが必要になります（入力済みの内容は保存されます）。',
    en: 'After 60 minutes without any operation the procedure must be restarted, to protect your personal information (what you entered is kept).',
  })}</li>
<li>${tr(lang, {
    ja: '複数の端末から同時にログインすることはできません。別の端末でログインすると、先にログインしていた画面はログアウトされます。',
    en: 'You cannot be logged in on several devices at once: logging in on another device logs out the earlier one.',
  })}</li>
<li>${tr(lang, {
    ja: 'ブラウザの「戻る」「更新」を押しても、手続きは現在の段階から続けられます。',
    en: 'Using the browser’s Back or Reload buttons is safe: the procedure continues from where it stands.',
  })}</li></ul></section>`;
}
