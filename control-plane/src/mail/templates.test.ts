import { describe, expect, it } from 'vitest';
import { MailTemplates } from './templates.js';

describe('MailTemplates', () => {
  const templates = new MailTemplates('https://cutline.example.com/app/');

  it('escapes every user string in the HTML and keeps headers on one line', () => {
    const mail = templates.invitation('a@example.com', {
      inviter: 'Eve <img src=x onerror=alert(1)>',
      organization: 'Acme\r\nBcc: victim@example.com',
      role: 'admin',
      token: 'tok',
    });
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain('https://cutline.example.com/app/accept-invitation#token=tok');
  });

  it('puts tokens in the fragment, which browsers never send to a server', () => {
    const mail = templates.passwordReset('a@example.com', 'Ada', 'secret-token');
    expect(mail.text).toContain('/reset-password#token=secret-token');
    expect(mail.text).not.toContain('?token=');
  });
});
