/** Domain types the services and routes use; repositories map database rows onto them. */
export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

import type { PlanId } from '@cutline/contract';

export { PLAN_IDS, type PlanId } from '@cutline/contract';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** For ids that arrive outside a validated request body (bus subjects, Stripe metadata). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export interface User {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
  /** The address was proved by a mailed link; paid actions, invitations and operator rights wait for it. */
  emailVerified: boolean;
  createdAt: Date;
}

export interface Organization {
  id: string;
  name: string;
  slug: string;
  plan: PlanId;
  suspended: boolean;
  createdAt: Date;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: MemberRole;
  joinedAt: Date;
}

export const API_KEY_SCOPES = ['renders:read', 'renders:write', 'assets:read', 'assets:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who is calling: a signed-in user acting in one organization, or an organization's API key. */
export type Principal =
  | {
      kind: 'user';
      userId: string;
      organizationId: string;
      role: MemberRole;
      isPlatformAdmin: boolean;
      emailVerified: boolean;
      /** When the access token was issued (ms); a password reset ends sessions issued before it. */
      issuedAt?: number | undefined;
    }
  | { kind: 'apiKey'; apiKeyId: string; organizationId: string; scopes: ApiKeyScope[] };
