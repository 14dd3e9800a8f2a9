import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { basicInfoFromClaims, basicInfoFromVerification } from '../../relying-party/basic-info.ts';
import type { Authorized } from '../../relying-party/client.ts';
import { redirectToPlatform } from '../../relying-party/install.ts';
import { RelyingPartyError } from '../../relying-party/outcomes.ts';
import { buttonForm, html, isStaff, safeNext, type Text, tr } from '../../web/index.ts';
import type { Quals } from '../context.ts';

const DIFFERENT_PERSON: Text = {
  ja: 'ログインしている方と異なるマイナンバーカードが使われました。ご本人のカードで、もう一度お試しください。',
  en: 'A My Number Card of someone other than the logged-in person was used. Please try again with your own card.',
};
const NO_ITEMS: Text = {
  ja: 'マイナンバーカードから基本4情報を受け取れませんでした。もう一度お試しください。',
  en: 'The 4 basic items could not be received from the card. Please try again.',
};
const CARD_STEPS = { retry: 'card', next: 'info' };
const SIGN_STEPS = { retry: 'sign', next: 'done' };

/**
 * Login with the card (利用者証明用電子証明書, 4-digit PIN) through the
 * identity platform, and the one callback every flow with the platform comes
 * back to: login, the card-info read of an application, and its signature.
 */
export function loginRoutes(app: FastifyInstance, d: Quals): void {
  const apps = d.registry.applications;

  app.get<{ Querystring: { next?: string } }>('/', async (req, reply) => {
    if (req.session.accountId && !isStaff(req)) return reply.redirect('/qualifications', 303);
    // where requireLogin was sent from: carried by the login form (a visitor has no stored session)
    const next = safeNext(req.query.next, '/qualifications');
    return reply.page({
      title: { ja: '国家資格の登録・各種申請', en: 'Register and manage your national qualifications' },
      body: html`<p>${tr(req.lang, {
        ja: '国家資格の登録、登録内容の変更（書換交付）、デジタル資格者証の取得と、手数料のオンライン決済ができます。',
        en: 'Register your national qualifications, apply for changes, get your digital qualification certificate and pay fees online.',
      })}</p><div class="panel"><p>${tr(req.lang, {
        ja: 'マイナンバーカードでログインします。利用者証明用電子証明書の暗証番号（数字4桁）をご用意ください。',
        en: 'Log in with your My Number Card. Have its user-authentication PIN (4 digits) ready.',
      })}</p>${buttonForm(req.lang, req.session, '/login', { ja: '登録・ログイン', en: 'Register / log in' }, { hidden: { next } })}</div>
<p class="muted"><a href="/staff">${tr(req.lang, { ja: '資格管理団体の方はこちら', en: 'Managing body staff' })}</a></p>`,
    });
  });

  // a GET from requireLogin's redirect shows the top page; the login itself is a POST
  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => {
    const next = safeNext(req.query.next, '');
    return reply.redirect(next ? `/?next=${encodeURIComponent(next)}` : '/', 303);
  });
  app.post<{ Body: { next?: unknown } }>('/login', async (req, reply) =>
    redirectToPlatform(req, reply, '/', () =>
      d.rp.authorize({
        purpose: 'quals.login',
        sessionId: req.session.id,
        scope: ['openid'],
        context: { next: safeNext(req.body?.next, '/qualifications') },
        uiLocale: req.lang,
      }),
    ),
  );
  app.post('/logout', async (req, reply) => {
    await req.session.logout();
    return reply.redirect('/', 303);
  });

  app.get('/auth/callback', async (req, reply) => {
    const r = await d.rp.callback(new URL(req.url, d.publicUrl), req.session.id);
    if (r.kind === 'unknown') throw r.error;
    const applicationId = typeof r.context.applicationId === 'string' ? r.context.applicationId : undefined;
    const back = (step: string) =>
      reply.redirect(applicationId ? `/applications/${applicationId}/${step}` : '/', 303);
    // the step a flow of an application started from, and the one it leads to
    const { retry, next } = r.purpose === 'quals.card' ? CARD_STEPS : SIGN_STEPS;
    const refuse = async (text: Text) => {
      await req.session.flash('error', text);
      return back(retry);
    };
    if (r.kind === 'replayed')
      return r.purpose === 'quals.login' ? reply.redirect('/qualifications', 303) : back(next);
    if (r.kind === 'failure') {
      req.log.info({ outcome: r.error.outcome, purpose: r.purpose }, 'platform flow failed');
      return refuse(r.error.text);
    }
    if (r.purpose === 'quals.login') {
      const holderId = await apps.holderFor(subKey(r), undefined);
      await req.session.login(holderId);
      return reply.redirect(safeNext(r.context.next, '/qualifications'), 303);
    }
    const holderId = req.session.accountId;
    if (!holderId || !applicationId) return reply.redirect('/', 303);
    // the card used must be the logged-in holder's (same pairwise subject)
    if ((await apps.holderFor(subKey(r), undefined)) !== holderId) return refuse(DIFFERENT_PERSON);
    try {
      const problem =
        r.purpose === 'quals.card'
          ? await cardRead(r, holderId, applicationId)
          : await signed(r, holderId, applicationId);
      return problem ? refuse(problem) : back(next);
    } catch (e) {
      if (!(e instanceof RelyingPartyError)) throw e;
      return refuse(e.text);
    }
  });

  /** The 4 items the platform read from the card go into the application; what went wrong, if anything. */
  const cardRead = async (r: Authorized, holderId: string, applicationId: string) => {
    const info = basicInfoFromClaims({ ...r.claims, ...(await d.rp.userInfo(r.accessToken, r.sub)) });
    if (!info) return NO_ITEMS;
    await apps.holderFor(subKey(r), info);
    await apps.setBasicInfo(holderId, applicationId, info);
    return undefined;
  };

  /** The signed application is filed; what went wrong, if anything. */
  const signed = async (r: Authorized, holderId: string, applicationId: string) => {
    // the platform verified a signature over the digest of the document the holder was shown
    const digest = Buffer.from(String(r.context.digest), 'hex');
    const result = await d.rp.signResult(r.signTransactionId!, r.accessToken, {
      digest,
      acceptTestResponse: d.sandbox,
    });
    const a = await apps.get(holderId, applicationId);
    // a sandbox answer carries no signature: its signer is the test card the card-info read named
    const signer = result.testResponse ? a.basicInfo : basicInfoFromVerification(result.verification);
    // the platform verified the signature; the signer must be the person the card-info read named
    if (
      !signer ||
      !a.basicInfo ||
      signer.name !== a.basicInfo.name ||
      signer.birthDate !== a.basicInfo.birthDate
    )
      return DIFFERENT_PERSON;
    await apps.submitSigned(holderId, applicationId, {
      digest,
      verification: result.verification,
      signature: result.signature,
      certificate: result.certificate,
    });
    return undefined;
  };
}

/** The registry keys holders by the platform's pairwise subject for this service, hashed with the client id. */
function subKey(r: Authorized): string {
  return createHash('sha256').update(`${r.claims.iss}\u0000${r.sub}`).digest('base64url');
}
