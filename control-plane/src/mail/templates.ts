/**
 * Every mail Cutline sends, as plain text and HTML. Each template takes plain data; every
 * string from a user (names, titles, organization names, errors) is escaped in the HTML and
 * kept on its own line in the text, and links are built on the configured public URL.
 */
import type { OutgoingMail } from './mailer.js';

const PRODUCT = 'Cutline';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Header lines may not carry line breaks (a name with "\nBcc:" would add a header). */
function oneLine(value: string, max = 150): string {
  const flat = value.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

interface Body {
  subject: string;
  /** Paragraphs of plain text (escaped for the HTML). */
  paragraphs: string[];
  action?: { label: string; url: string };
  footer?: string;
}

function compose(to: string, body: Body): Omit<OutgoingMail, 'to'> & { to: string } {
  const subject = oneLine(`${body.subject} · ${PRODUCT}`);
  const text = [
    ...body.paragraphs,
    ...(body.action ? [`${body.action.label}: ${body.action.url}`] : []),
    `— ${PRODUCT}`,
    ...(body.footer ? [body.footer] : []),
  ].join('\n\n');
  const paragraphs = body.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const button = body.action
    ? `<p><a href="${escapeHtml(body.action.url)}" style="display:inline-block;padding:10px 18px;background:#1a56a8;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(body.action.label)}</a></p>
<p style="color:#555;font-size:13px">Or open this link: ${escapeHtml(body.action.url)}</p>`
    : '';
  const footer = body.footer ? `<p style="color:#555;font-size:13px">${escapeHtml(body.footer)}</p>` : '';
  const html = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b1b1b;max-width:560px">
<h2 style="color:#1a56a8">${PRODUCT}</h2>
${paragraphs}
${button}
${footer}
</body></html>`;
  return { to, subject, text, html };
}

/** 75.4 → "1:15" */
function clock(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class MailTemplates {
  constructor(private readonly publicUrl: string) {}

  /** A page of the web app; `fragment` carries tokens, which browsers never send to servers. */
  link(path: string, fragment?: Record<string, string>): string {
    const base = this.publicUrl.replace(/\/+$/, '');
    const hash = fragment ? `#${new URLSearchParams(fragment).toString()}` : '';
    return `${base}${path}${hash}`;
  }

  verifyEmail(to: string, name: string, token: string): OutgoingMail {
    return compose(to, {
      subject: 'Confirm your e-mail address',
      paragraphs: [
        `Hello ${name},`,
        'Please confirm that this is your address. Until you do, paid plans, invitations and operator rights stay locked.',
      ],
      action: { label: 'Confirm my address', url: this.link('/verify-email', { token }) },
      footer: 'The link works for 24 hours. If you did not sign up, ignore this mail.',
    });
  }

  passwordReset(to: string, name: string, token: string): OutgoingMail {
    return compose(to, {
      subject: 'Reset your password',
      paragraphs: [`Hello ${name},`, 'Someone asked to reset the password of your account. Choose a new one here:'],
      action: { label: 'Choose a new password', url: this.link('/reset-password', { token }) },
      footer:
        'The link works once, for one hour. Resetting signs you out everywhere. If you did not ask, ignore this mail: your password stays as it is.',
    });
  }

  passwordChanged(to: string, name: string): OutgoingMail {
    return compose(to, {
      subject: 'Your password was changed',
      paragraphs: [
        `Hello ${name},`,
        'The password of your account was just changed, and every session was signed out.',
        'If this was not you, reset your password now and tell your organization’s admins.',
      ],
      action: { label: 'Reset my password', url: this.link('/forgot-password') },
    });
  }

  invitation(to: string, input: { inviter: string; organization: string; role: string; token: string }): OutgoingMail {
    return compose(to, {
      subject: `${input.inviter} invited you to ${input.organization}`,
      paragraphs: [
        `${input.inviter} invited you to join ${input.organization} as ${input.role === 'admin' ? 'an admin' : `a ${input.role}`}.`,
        'Accept to see and make the team’s videos. You can sign in, or create an account with this address.',
      ],
      action: { label: 'Accept the invitation', url: this.link('/accept-invitation', { token: input.token }) },
      footer: 'The invitation expires in 7 days. If you do not know the sender, ignore this mail.',
    });
  }

  renderFinished(
    to: string,
    input: { renderId: string; title: string; state: 'succeeded' | 'failed'; error?: string },
  ): OutgoingMail {
    const ok = input.state === 'succeeded';
    return compose(to, {
      subject: ok ? `Your video is ready: ${input.title}` : `Your video failed: ${input.title}`,
      paragraphs: ok
        ? [`“${input.title}” is rendered and ready to download.`]
        : [`“${input.title}” could not be rendered.`, ...(input.error ? [`Reason: ${input.error}`] : [])],
      action: { label: ok ? 'Download it' : 'See what happened', url: this.link(`/renders/${input.renderId}/show`) },
      footer: 'You can turn these mails off on your account page.',
    });
  }

  commentMentioned(
    to: string,
    input: { author: string; renderId: string; title: string; body: string; atSeconds: number | null },
  ): OutgoingMail {
    const at = input.atSeconds === null ? '' : ` at ${clock(input.atSeconds)}`;
    const excerpt = input.body.length > 500 ? `${input.body.slice(0, 499)}…` : input.body;
    const query = input.atSeconds === null ? '' : `?t=${input.atSeconds}`;
    return compose(to, {
      subject: `${oneLine(input.author, 60)} mentioned you on “${oneLine(input.title, 60)}”`,
      paragraphs: [`${input.author} mentioned you in a comment on “${input.title}”${at}:`, excerpt],
      action: { label: 'Open the comment', url: this.link(`/renders/${input.renderId}/show${query}`) },
      footer: 'You can turn these mails off on your account page.',
    });
  }

  batchFinished(
    to: string,
    input: { batchId: string; name: string; succeeded: number; failed: number; canceled: number },
  ): OutgoingMail {
    return compose(to, {
      subject: `Batch finished: ${input.name}`,
      paragraphs: [
        `The batch “${input.name}” is done: ${input.succeeded} videos ready, ${input.failed} failed, ${input.canceled} canceled.`,
      ],
      action: { label: 'Open the batch', url: this.link(`/batches/${input.batchId}`) },
      footer: 'You can turn these mails off on your account page.',
    });
  }

  usageAlert(to: string, input: { organization: string; percent: number; used: number; limit: number }): OutgoingMail {
    const full = input.percent >= 100;
    return compose(to, {
      subject: full
        ? `${input.organization} has used its monthly quota`
        : `${input.organization} has used ${input.percent} % of its quota`,
      paragraphs: [
        `${input.organization} has made ${input.used} of its ${input.limit} videos this month.`,
        full
          ? 'New videos are refused (or billed as overage, on plans that have it) until the next period or an upgrade.'
          : 'When the quota is used up, new videos are refused until the next period.',
      ],
      action: { label: 'See plans and usage', url: this.link('/billing') },
    });
  }

  paymentFailed(to: string, input: { organization: string; graceEnds: Date | undefined }): OutgoingMail {
    return compose(to, {
      subject: `Payment failed for ${input.organization}`,
      paragraphs: [
        `The last payment for ${input.organization} failed.`,
        input.graceEnds
          ? `The plan stays as it is until ${input.graceEnds.toUTCString()}; after that the free plan’s limits apply.`
          : 'Please update the payment method to keep the plan.',
      ],
      action: { label: 'Update billing', url: this.link('/billing') },
    });
  }

  graceEnding(to: string, input: { organization: string; graceEnds: Date }): OutgoingMail {
    return compose(to, {
      subject: `${input.organization} falls back to the free plan soon`,
      paragraphs: [
        `The subscription of ${input.organization} is still unpaid. On ${input.graceEnds.toUTCString()} the free plan’s limits apply.`,
      ],
      action: { label: 'Update billing', url: this.link('/billing') },
    });
  }

  subscriptionConfirmed(to: string, input: { organization: string; plan: string }): OutgoingMail {
    return compose(to, {
      subject: `${input.organization} is on the ${input.plan} plan`,
      paragraphs: [`Thank you: ${input.organization} is now on the ${input.plan} plan. Its limits apply at once.`],
      action: { label: 'See the plan', url: this.link('/billing') },
    });
  }

  webhookDisabled(to: string, input: { organization: string; url: string; since: Date }): OutgoingMail {
    return compose(to, {
      subject: `A webhook of ${input.organization} was disabled`,
      paragraphs: [
        `Deliveries to ${input.url} have failed since ${input.since.toUTCString()}, so the endpoint was disabled.`,
        'Fix the receiver, then enable the endpoint again and redeliver what it missed.',
      ],
      action: { label: 'Open webhooks', url: this.link('/webhooks') },
    });
  }
}
