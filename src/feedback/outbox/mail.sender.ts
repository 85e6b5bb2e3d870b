import { createRequire } from 'node:module';
import type nodemailerModule from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { AttemptResult } from './webhook.sender.ts';

/** Where e-mail goes out: an SMTP URL (`smtp://user:pass@host:587`) and the sender address. */
export interface MailSettings {
  readonly smtpUrl: string;
  readonly from: string;
  /** Connection, greeting and socket timeouts, in ms. */
  readonly timeoutMs?: number;
}

/** One message to send. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** Headers such as the alert id, for the recipient's filters. */
  readonly headers?: Readonly<Record<string, string>>;
}

// Start time (issue 17.3): nodemailer (~0.5 MB of modules) is loaded only by a hub that is given an SMTP server.
const loadNodemailer = (): typeof nodemailerModule => createRequire(import.meta.url)('nodemailer') as typeof nodemailerModule;

/** Sends e-mail over SMTP (nodemailer); a refusal or an unreachable server is a failed attempt, never a throw. */
export class MailSender {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(settings: MailSettings) {
    const t = settings.timeoutMs ?? 15_000;
    this.#transport = loadNodemailer().createTransport({ url: settings.smtpUrl, pool: true, maxConnections: 4, connectionTimeout: t, greetingTimeout: t, socketTimeout: t } as never);
    this.#from = settings.from;
  }

  /**
   * Sends one message.
   * @example await sender.send({ to: 'soc@bank.example', subject, text })
   */
  async send(m: OutgoingMail): Promise<AttemptResult> {
    try {
      const info = (await this.#transport.sendMail({ from: this.#from, to: m.to, subject: m.subject, text: m.text, headers: { ...m.headers } })) as { rejected?: unknown[]; response?: string };
      if (info.rejected?.length) return { ok: false, status: null, error: `SMTP server rejected the recipient: ${String(info.response ?? '').slice(0, 200)}` };
      return { ok: true, status: null, error: null };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
      const what = e.response ?? e.message ?? String(err);
      return { ok: false, status: e.responseCode ?? null, error: `SMTP: ${e.code ? `${e.code} ` : ''}${what}`.slice(0, 300) };
    }
  }

  /** Closes pooled connections. */
  close(): void {
    this.#transport.close();
  }
}
