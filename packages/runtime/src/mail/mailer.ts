import nodemailer, { type Transporter } from 'nodemailer';
import { HonninError } from '../errors.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
  /** `<id@domain>`; the same for every copy of one mail, so a receiver can tell a resend (default: a new one) */
  messageId?: string | undefined;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * Sends through SMTP (`smtp://user:pass@host:port`, `smtps://…`). With no SMTP
 * configured, `honnin start` runs the built-in mailbox and points this at it, so
 * there is a single way mail leaves a service.
 */
export function createMailer(opts: { smtpUrl: string; from: string }): Mailer {
  const transport: Transporter = nodemailer.createTransport(opts.smtpUrl);
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({ from: opts.from, ...mail });
        return { messageId: info.messageId };
      } catch (e) {
        throw new HonninError('mail_failed', `mail to ${mail.to} not sent: ${(e as Error).message}`, {
          status: 502,
          cause: e,
        });
      }
    },
    close: () => transport.close(),
  };
}
