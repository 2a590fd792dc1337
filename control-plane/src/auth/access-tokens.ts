/** Short-lived access tokens: HS256 JWTs (fast-jwt) naming the user and the organization they act in. */
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { MemberRole } from '../domain.js';

export interface AccessClaims {
  sub: string;
  org: string;
  role: MemberRole;
  /** Issued at, in milliseconds (JWT's `iat` has whole seconds; revocation needs finer). */
  ims?: number;
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

export class AccessTokens {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verify: (token: string) => AccessClaims;

  constructor(
    secret: string,
    readonly lifetimeSeconds: number,
  ) {
    this.sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: lifetimeSeconds * 1000, iss: 'cutline' });
    this.verify = createVerifier({ key: secret, algorithms: ['HS256'], allowedIss: 'cutline', cache: 1000 }) as (
      token: string,
    ) => AccessClaims;
  }

  issue(claims: AccessClaims): string {
    return this.sign({ ...claims, ims: Date.now() });
  }

  check(token: string): VerifyResult {
    try {
      const claims = this.verify(token);
      if (typeof claims.sub !== 'string' || typeof claims.org !== 'string') return { ok: false, reason: 'invalid' };
      return { ok: true, claims };
    } catch (err) {
      if (err instanceof TokenError && err.code === TokenError.codes.expired) return { ok: false, reason: 'expired' };
      return { ok: false, reason: 'invalid' };
    }
  }
}
