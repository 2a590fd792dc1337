import { describe, expect, it } from 'vitest';
import { TargetGuard, WebhookTargetError } from './target-guard.js';

const resolving =
  (answers: Record<string, string[]>) =>
  async (host: string): Promise<Array<{ address: string; family: number }>> =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('TargetGuard', () => {
  const guard = new TargetGuard(
    [],
    resolving({
      'hooks.example.com': ['93.184.216.34'],
      'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
      'metadata.example.com': ['169.254.169.254'],
      'v6.example.com': ['2606:2800:220:1::1'],
      'ula.example.com': ['fd12:3456::1'],
    }),
  );

  it('lets public addresses through and pins the one it checked', async () => {
    expect(await guard.check('https://hooks.example.com/in')).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(await guard.check('https://v6.example.com/in')).toMatchObject({ family: 6 });
    expect(await guard.check('http://93.184.216.34:8080/in')).toMatchObject({ address: '93.184.216.34' });
  });

  it.each([
    'http://127.0.0.1/x',
    'http://[::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://10.1.2.3/x',
    'http://172.16.0.1/x',
    'http://192.168.1.1/x',
    'http://100.64.0.1/x',
    'http://0.0.0.0/x',
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.example.com/x',
    'http://ula.example.com/x',
    // One private answer among public ones is enough to refuse (DNS rebinding).
    'http://rebind.example.com/x',
    'http://[fe80::1]/x',
    'http://224.0.0.1/x',
  ])('refuses %s', async (url) => {
    await expect(guard.check(url)).rejects.toBeInstanceOf(WebhookTargetError);
  });

  it.each(['ftp://hooks.example.com/x', 'file:///etc/passwd', 'not a url', 'https://u:p@hooks.example.com/'])(
    'refuses the form of %s',
    async (url) => {
      await expect(guard.check(url)).rejects.toBeInstanceOf(WebhookTargetError);
    },
  );

  it('refuses names that do not resolve, and overlong URLs', async () => {
    await expect(guard.check('https://nowhere.example.com/')).rejects.toThrow(/does not resolve/);
    await expect(guard.check(`https://hooks.example.com/${'a'.repeat(2_000)}`)).rejects.toThrow(/longer/);
  });

  it('allows a private range only when an operator allowed it', async () => {
    const allowing = new TargetGuard(['127.0.0.0/8', '10.20.0.0/16'], resolving({}));
    expect(await allowing.check('http://127.0.0.1:9000/x')).toMatchObject({ address: '127.0.0.1' });
    expect(await allowing.check('http://10.20.3.4/x')).toMatchObject({ address: '10.20.3.4' });
    await expect(allowing.check('http://10.21.0.1/x')).rejects.toBeInstanceOf(WebhookTargetError);
    await expect(allowing.check('http://169.254.169.254/')).rejects.toBeInstanceOf(WebhookTargetError);
  });
});
