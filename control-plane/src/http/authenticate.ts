/**
 * Authentication and authorisation hooks. `authenticate` accepts either a user's access token
 * (Authorization: Bearer <jwt>) or an organization's API key (Authorization: Bearer cl_… or
 * X-Api-Key); guards are composed with @fastify/auth (`relation: 'and'`).
 *
 * The member's role and operator rights are read from the database on every request, not
 * trusted from the token, so a removed member or a demoted operator loses access at once
 * rather than when their token expires. An API key is
 * read on every request too, unless an ApiKeyCache is given (it keeps keys only while
 * PostgreSQL reports every change to them: http/api-key-cache.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessTokens } from '../auth/access-tokens.js';
import { parseApiKey, secretMatches } from '../auth/secrets.js';
import type { ApiKeyScope, MemberRole, Principal } from '../domain.js';
import type { AccountsRepository, Membership, OrganizationStanding } from '../repositories/accounts-repository.js';
import type { ActiveApiKey, ApiKeysRepository } from '../repositories/api-keys-repository.js';
import { Batcher } from '../lib/batcher.js';
import { SingleFlight } from '../lib/single-flight.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { ApiError } from '../errors.js';
import { WindowCounter, type WindowState } from '../lib/window-counter.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The caller's organization and subscription, read with the credentials (one round trip). */
    callerStanding: OrganizationStanding | null;
  }
}

export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const ROLE_RANK: Record<MemberRole, number> = { member: 0, admin: 1, owner: 2 };

export function roleAtLeast(role: MemberRole, minimum: MemberRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minimum];
}

/** "Last used" is kept to the minute: a key's use is written at most once a minute per process. */
const TOUCH_INTERVAL_MS = 60_000;

export function createAuthenticate(deps: {
  tokens: AccessTokens;
  accounts: AccountsRepository;
  apiKeys: ApiKeysRepository;
  apiKeyCache?: ApiKeyCache | undefined;
  /** Whether the organization's plan includes API access, and how many requests a minute a key may make. */
  apiPolicy?: ((standing: OrganizationStanding) => { allowed: boolean; perMinute: number; plan: string }) | undefined;
  now?: () => Date;
}): Guard {
  const perKey = new WindowCounter(() => (deps.now?.() ?? new Date()).getTime());
  const lastTouched = new Map<string, number>();
  const touch = (request: FastifyRequest, id: string) => {
    const now = deps.now?.() ?? new Date();
    if (now.getTime() - (lastTouched.get(id) ?? -Infinity) < TOUCH_INTERVAL_MS) return;
    if (lastTouched.size > 10_000) lastTouched.clear();
    lastTouched.set(id, now.getTime());
    void deps.apiKeys.touch(id, now).catch((err: unknown) => request.log.warn({ err }, 'could not record API key use'));
  };
  // A client's concurrent requests share one lookup of their credentials, and the lookups
  // of different clients that wait meanwhile go together in the next round trip.
  const keyLookups = new SingleFlight<ActiveApiKey | undefined>();
  const keyBatches = new Batcher((prefixes: string[]) => deps.apiKeys.findActiveByPrefixes(prefixes));
  const readKey = (prefix: string) => keyLookups.run(prefix, () => keyBatches.run(prefix));
  const cache = deps.apiKeyCache;
  const findKey = cache ? (prefix: string) => cache.get(prefix, () => readKey(prefix)) : readKey;
  const memberLookups = new SingleFlight<Membership | undefined>();
  const memberBatches = new Batcher((pairs: Array<{ userId: string; organizationId: string }>) =>
    deps.accounts.memberships(pairs),
  );
  return async (request, reply) => {
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const apiKeyHeader = request.headers['x-api-key'];
    const apiKey = typeof apiKeyHeader === 'string' ? apiKeyHeader : bearer?.startsWith('cl_') ? bearer : undefined;

    if (apiKey) {
      const parsed = parseApiKey(apiKey);
      const row = parsed && (await findKey(parsed.prefix));
      if (!parsed || !row || !secretMatches(parsed.secret, row.secretHash))
        throw new ApiError('CUTLINE_UNAUTHENTICATED', 'The API key is invalid or revoked.');
      const policy = deps.apiPolicy?.(row.standing);
      if (policy && !policy.allowed)
        throw new ApiError(
          'CUTLINE_PLAN_LIMIT',
          `API access is not part of the ${policy.plan} plan; upgrade to use API keys, or sign in.`,
        );
      if (policy) limitRate(reply, perKey.take(row.id, policy.perMinute));
      request.principal = { kind: 'apiKey', apiKeyId: row.id, organizationId: row.organizationId, scopes: row.scopes };
      request.callerStanding = row.standing;
      touch(request, row.id);
      return;
    }
    if (!bearer) throw new ApiError('CUTLINE_UNAUTHENTICATED', 'Sign in, or send an API key.');
    const result = deps.tokens.check(bearer);
    if (!result.ok) {
      throw result.reason === 'expired'
        ? new ApiError('CUTLINE_TOKEN_EXPIRED', 'The access token has expired; refresh it.')
        : new ApiError('CUTLINE_UNAUTHENTICATED', 'The access token is invalid.');
    }
    const { sub, org } = result.claims;
    const membership = await memberLookups.run(`${sub} ${org}`, () =>
      memberBatches.run({ userId: sub, organizationId: org }),
    );
    if (!membership) throw new ApiError('CUTLINE_UNAUTHENTICATED', 'You are no longer a member of this organization.');
    // A password reset (or an operator) ended every session issued before it.
    if (membership.sessionsValidFrom && (result.claims.ims ?? 0) < membership.sessionsValidFrom.getTime())
      throw new ApiError('CUTLINE_UNAUTHENTICATED', 'This session was signed out; please sign in again.');
    request.principal = {
      kind: 'user',
      userId: result.claims.sub,
      organizationId: result.claims.org,
      role: membership.role,
      isPlatformAdmin: membership.isPlatformAdmin,
      emailVerified: membership.emailVerified,
      issuedAt: result.claims.ims,
    };
    request.callerStanding = membership.standing;
  };
}

/** RateLimit headers on every answer to a key; beyond the limit, 429 with Retry-After. */
function limitRate(reply: FastifyReply, state: WindowState): void {
  void reply
    .header('ratelimit-policy', `${state.limit};w=60`)
    .header('ratelimit-limit', state.limit)
    .header('ratelimit-remaining', state.remaining)
    .header('ratelimit-reset', state.resetSeconds);
  if (!state.allowed) {
    void reply.header('retry-after', state.resetSeconds);
    throw new ApiError(
      'CUTLINE_RATE_LIMITED',
      `This API key made more than ${state.limit} requests this minute; try again in ${state.resetSeconds} s.`,
    );
  }
}

/**
 * Whether a principal authenticated earlier may still act: its API key is active, or the user
 * is still a member. Streams that outlive their request ask it again (http/live-streams.ts).
 */
export function createCredentialCheck(deps: {
  accounts: AccountsRepository;
  apiKeys: ApiKeysRepository;
}): (principal: Principal) => Promise<boolean> {
  return async (principal) => {
    if (principal.kind === 'apiKey') return deps.apiKeys.isActive(principal.organizationId, principal.apiKeyId);
    const membership = await deps.accounts.membership(principal.userId, principal.organizationId);
    if (!membership) return false;
    // Signed out everywhere since the stream opened (a password reset).
    return !membership.sessionsValidFrom || (principal.issuedAt ?? 0) >= membership.sessionsValidFrom.getTime();
  };
}

/** A user whose address is verified: paid actions and invitations need to reach a real person. */
export function requireVerifiedEmail(): Guard {
  return async (request) => {
    const principal = request.principal;
    if (principal?.kind === 'user' && !principal.emailVerified)
      throw new ApiError('CUTLINE_EMAIL_UNVERIFIED', 'Confirm your e-mail address first (we sent you a link).');
  };
}

/** Only a signed-in person (not an API key): managing keys and members needs a human. */
export function requireUser(minimum: MemberRole = 'member'): Guard {
  return async (request) => {
    const principal = request.principal;
    if (principal?.kind !== 'user')
      throw new ApiError('CUTLINE_FORBIDDEN', 'This needs a signed-in user, not an API key.');
    if (!roleAtLeast(principal.role, minimum))
      throw new ApiError('CUTLINE_FORBIDDEN', `This needs the ${minimum} role or higher.`);
  };
}

/** A platform operator (users.is_platform_admin); never an API key. */
export function requirePlatformAdmin(): Guard {
  return async (request) => {
    const principal = request.principal;
    if (principal?.kind !== 'user' || !principal.isPlatformAdmin)
      throw new ApiError('CUTLINE_FORBIDDEN', 'This is for platform operators.');
  };
}

/** A user (any role) or an API key holding the scope. */
export function requireScope(scope: ApiKeyScope): Guard {
  return async (request) => {
    const principal = request.principal;
    if (principal?.kind === 'apiKey' && !principal.scopes.includes(scope))
      throw new ApiError('CUTLINE_FORBIDDEN', `This API key lacks the ${scope} scope.`);
  };
}

/** The signed-in user, behind a requireUser guard. */
export function userPrincipalOf(request: FastifyRequest): Principal & { kind: 'user' } {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new ApiError('CUTLINE_FORBIDDEN', 'This needs a signed-in user.');
  return principal;
}

export function userIdOf(request: FastifyRequest): string {
  return userPrincipalOf(request).userId;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('CUTLINE_UNAUTHENTICATED', 'Sign in, or send an API key.');
  return request.principal;
}

/** The caller's organization as authentication read it, so routes need not read it again. */
export function callerStanding(request: FastifyRequest): OrganizationStanding | undefined {
  return request.callerStanding ?? undefined;
}

/**
 * One hook that runs every guard in order (@fastify/auth, relation "and"). Routes run it
 * onRequest, so a caller is known (or refused) before any body is read.
 */
export function allOf(app: unknown, guards: Guard[]) {
  return (app as FastifyInstance).auth(guards, { relation: 'and' });
}

/** Who is calling, for limits that follow a person or a key wherever they connect from. */
export function callerKey(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind === 'user') return `user:${principal.userId}`;
  if (principal?.kind === 'apiKey') return `key:${principal.apiKeyId}`;
  return `ip:${request.ip}`;
}

/**
 * Route config for @fastify/rate-limit counting per caller: checked after authentication
 * (preHandler), so a shared address such as an Ingress does not make strangers share a budget.
 */
export function perCallerRateLimit(max: number, timeWindow = '1 minute') {
  return { rateLimit: { max, timeWindow, hook: 'preHandler' as const, keyGenerator: callerKey } };
}
