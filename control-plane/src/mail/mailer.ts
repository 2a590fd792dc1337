/**
 * The mailer port: SMTP through nodemailer in production; without CUTLINE_SMTP_URL, mail is
 * written to the log and kept in a local outbox that the dev page shows (mail/dev-outbox-route.ts).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../logger.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(url: string, from: string, timeoutMs = 15_000) {
    this.transport = nodemailer.createTransport(url, { from });
    // Bounded: a mail server that stops answering must not hold a sender forever.
    Object.assign(this.transport.options, {
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

export interface KeptMail extends OutgoingMail {
  id: number;
  at: Date;
}

/** The embedded default: every mail logged and the newest ones kept for the dev page. */
export class LocalOutbox implements Mailer {
  private readonly kept: KeptMail[] = [];
  private nextId = 1;

  constructor(
    private readonly log: Pick<Logger, 'info'>,
    private readonly capacity = 200,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    this.kept.push({ ...mail, id: this.nextId++, at: new Date() });
    if (this.kept.length > this.capacity) this.kept.shift();
    this.log.info({ to: mail.to, subject: mail.subject, text: mail.text }, 'mail (kept in the local outbox)');
  }

  /** Newest first. */
  recent(): KeptMail[] {
    return [...this.kept].reverse();
  }

  async close(): Promise<void> {}
}

export function createMailer(config: { smtpUrl: string | undefined; from: string }, log: Logger): Mailer {
  return config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.from) : new LocalOutbox(log);
}
