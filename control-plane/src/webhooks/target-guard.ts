/**
 * Where a webhook may go. Only http(s) URLs without credentials; and the host must resolve
 * to public addresses only: loopback, private, link-local (cloud metadata lives there),
 * carrier-grade NAT, multicast and reserved ranges are refused unless an operator allowed a
 * range (CUTLINE_WEBHOOK_ALLOW_RANGES). Delivery connects to the address checked here, so a
 * name that resolves differently a moment later (DNS rebinding) cannot redirect it.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export const MAX_WEBHOOK_URL_LENGTH = 2_000;

const BLOCKED_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
];
const BLOCKED_V6 = [
  '::/128',
  '::1/128',
  '64:ff9b::/96',
  '100::/64',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

function blockList(ranges: string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, prefix] = range.split('/') as [string, string];
    list.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const BLOCKED = blockList([...BLOCKED_V4, ...BLOCKED_V6]);

export class WebhookTargetError extends Error {}

export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export class TargetGuard {
  private readonly allowed: BlockList;

  constructor(
    allowRanges: string[],
    private readonly resolve: (host: string) => Promise<Array<{ address: string; family: number }>> = (host) =>
      lookup(host, { all: true, verbatim: true }),
  ) {
    this.allowed = blockList(allowRanges);
  }

  /** The URL's form alone (what an endpoint's `url` field is checked for before any lookup). */
  static parse(raw: string): URL {
    if (raw.length > MAX_WEBHOOK_URL_LENGTH)
      throw new WebhookTargetError(`is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new WebhookTargetError('is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetError('must be http or https');
    if (url.username || url.password) throw new WebhookTargetError('must not carry credentials');
    if (!url.hostname) throw new WebhookTargetError('has no host');
    return url;
  }

  isBlocked(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const plain = mapped ?? address;
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    return BLOCKED.check(plain, family) && !this.allowed.check(plain, family);
  }

  /** Resolves the host and refuses any address that is not public (or allowed). */
  async check(raw: string): Promise<CheckedTarget> {
    const url = TargetGuard.parse(raw);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch {
        throw new WebhookTargetError(`host ${host} does not resolve`);
      }
    }
    if (addresses.length === 0) throw new WebhookTargetError(`host ${host} does not resolve`);
    const refused = addresses.find((a) => this.isBlocked(a.address));
    if (refused)
      throw new WebhookTargetError(
        `resolves to ${refused.address}, a private or reserved address, which is not allowed`,
      );
    const first = addresses[0]!;
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }
}
