import { formatDate, yen } from '../../web/i18n.ts';

/** The mails the service sends, Japanese first and English after, as plain text. */
export interface MailText {
  subject: string;
  body: string;
}

const SIGNATURE = `──────────────────
ドローン登録システム（honnin シミュレーター）
DIPS-REG (honnin simulator)
このメールは送信専用です。 / This is a send-only address.`;

export function mailCheckMail(url: string, expiresAt: number): MailText {
  return {
    subject: '【ドローン登録システム】メールアドレスの到達確認 / E-mail arrival confirmation',
    body: `新規登録の手続き申請を受け付けました。
次のURLを開いて、メールアドレスの到達確認を完了してください。
確認が終わると、申請の画面は自動的に次の画面に進みます。

${url}

このURLは ${formatDate(expiresAt, true)} まで、1回だけ使えます。
お心当たりのない場合は、このメールを破棄してください。

We have received your registration procedure.
Open the URL above to confirm that this e-mail address reaches you.
The application screen moves on by itself once you have confirmed.
The URL can be used once, until ${formatDate(expiresAt, true)} (Japan time).
If you did not apply, please discard this mail.

${SIGNATURE}`,
  };
}

export function feeMail(a: {
  number: string;
  feeYen: number;
  paymentNumber: string;
  aircraftCount: number;
  statusUrl: string;
}): MailText {
  return {
    subject: `【ドローン登録システム】手数料納付のお知らせ（申請番号 ${a.number}） / Fee payment`,
    body: `申請番号 ${a.number} の手続き内容を確認しました。
次の手数料を納付してください。納付が確認できると、登録記号を発行します。

  手数料: ${yen(a.feeYen)}（機体 ${a.aircraftCount}機）
  納付番号: ${a.paymentNumber}

申請状況は、メインメニューの「申請状況確認」からご確認いただけます。
${a.statusUrl}

We have checked the contents of application ${a.number}.
Please pay the fee below. The registration number is issued once the payment is confirmed.

  Fee: ${yen(a.feeYen, 'en')} (${a.aircraftCount} UA)
  Payment number: ${a.paymentNumber}

You can follow the application under "Confirmation of the application status".

${SIGNATURE}`,
  };
}

export function registeredMail(a: {
  number: string;
  registrations: { serial: string; registrationNumber: string }[];
}): MailText {
  const list = a.registrations
    .map((r) => `  ${r.registrationNumber}  (製造番号 / serial ${r.serial})`)
    .join('\n');
  return {
    subject: `【ドローン登録システム】登録完了のお知らせ（申請番号 ${a.number}） / Registration completed`,
    body: `申請番号 ${a.number} の無人航空機の登録が完了しました。登録記号は次のとおりです。
登録記号を機体に表示し、リモートIDに書き込んでから飛行させてください。

${list}

The registration of the unmanned aircraft of application ${a.number} is complete. The registration
numbers are listed above. Display them on the aircraft and write them to its remote ID before flying.

${SIGNATURE}`,
  };
}
