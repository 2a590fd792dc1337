/**
 * The signed-in session: a short-lived access token and a rotating refresh token, kept in
 * localStorage so a reload stays signed in. Refreshing is single-flight: when several requests
 * find the token expired at once, they share one refresh (a second would reuse the rotated-out
 * token, which the API treats as theft and revokes the whole family).
 */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
  /** Paid plans and invitations wait for a verified address (the banner in Layout.tsx asks for it). */
  emailVerified?: boolean;
}

export interface SessionOrganization {
  id: string;
  name: string;
  slug: string;
  plan: string;
  role: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: SessionUser;
  organization: SessionOrganization;
}

export interface SessionResponse {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: SessionUser;
  organization: SessionOrganization;
}

const KEY = 'cutline.session';
let current: Session | null = null;
let refreshing: Promise<Session | null> | null = null;
const listeners = new Set<(session: Session | null) => void>();

export function loadSession(): Session | null {
  if (current) return current;
  try {
    const raw = localStorage.getItem(KEY);
    current = raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    current = null;
  }
  return current;
}

export function saveSession(response: SessionResponse): Session {
  current = {
    accessToken: response.accessToken,
    refreshToken: response.refreshToken,
    expiresAt: Date.now() + response.expiresIn * 1000,
    user: response.user,
    organization: response.organization,
  };
  localStorage.setItem(KEY, JSON.stringify(current));
  listeners.forEach((l) => l(current));
  return current;
}

/** After the address is verified in this browser: the banner goes without signing in again. */
export function markEmailVerified(): void {
  const session = loadSession();
  if (!session) return;
  current = { ...session, user: { ...session.user, emailVerified: true } };
  localStorage.setItem(KEY, JSON.stringify(current));
  for (const listener of listeners) listener(current);
}

export function clearSession(): void {
  current = null;
  localStorage.removeItem(KEY);
  listeners.forEach((l) => l(null));
}

export function onSessionChange(listener: (session: Session | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** POST /v1/auth/refresh: new tokens for `organizationId` (the old refresh token stops working). */
function exchange(session: Session, organizationId: string): Promise<Response> {
  return fetch('/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken, organizationId }),
  });
}

/** Exchanges the refresh token for new tokens; null when the session is over. */
export function refreshSession(): Promise<Session | null> {
  const session = loadSession();
  if (!session) return Promise.resolve(null);
  refreshing ??= (async () => {
    try {
      const response = await exchange(session, session.organization.id);
      if (!response.ok) {
        clearSession();
        return null;
      }
      return saveSession((await response.json()) as SessionResponse);
    } catch {
      // Offline: keep the session, the next request tries again.
      return session;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Re-issues the session for another organization the user belongs to (rotates the refresh token). */
export async function switchOrganization(organizationId: string): Promise<Session> {
  const session = loadSession();
  if (!session) throw new Error('Please sign in.');
  const response = await exchange(session, organizationId);
  if (!response.ok) throw new Error('You cannot switch to that organization.');
  return saveSession((await response.json()) as SessionResponse);
}

/** A valid access token, refreshed first when it expires within 30 s. */
export async function accessToken(): Promise<string | null> {
  const session = loadSession();
  if (!session) return null;
  if (session.expiresAt - Date.now() > 30_000) return session.accessToken;
  return (await refreshSession())?.accessToken ?? null;
}
