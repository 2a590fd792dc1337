/**
 * Opaque secrets: refresh tokens and API keys. Both are 256-bit random values stored only as
 * SHA-256 digests (their entropy makes a slow KDF unnecessary). API keys look like
 * `cl_<prefix>_<secret>`; the prefix finds the row, the digest proves the secret.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256(token) };
}

export interface NewApiKey {
  key: string;
  prefix: string;
  secretHash: string;
}

export function newApiKey(): NewApiKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `cl_${prefix}_${secret}`, prefix, secretHash: sha256(secret) };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | undefined {
  const match = /^cl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
