/** react-admin's authProvider over /v1/auth: tokens in session.ts, permissions from the session. */
import type { AuthProvider } from 'react-admin';
import { api, ApiError } from './http';
import { clearSession, loadSession, saveSession, type SessionResponse } from './session';

export interface Permissions {
  role: 'owner' | 'admin' | 'member';
  isPlatformAdmin: boolean;
  plan: string;
}

export async function signUp(input: {
  email: string;
  password: string;
  name: string;
  organizationName?: string;
}): Promise<void> {
  const { data } = await api<SessionResponse>('/v1/auth/register', { method: 'POST', json: input });
  saveSession(data);
}

export const authProvider: AuthProvider = {
  async login({ username, email, password }: { username?: string; email?: string; password: string }) {
    const { data } = await api<SessionResponse>('/v1/auth/login', {
      method: 'POST',
      json: { email: email ?? username, password },
    });
    saveSession(data);
  },
  async logout() {
    const session = loadSession();
    clearSession();
    if (session)
      await fetch('/v1/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      }).catch(() => undefined);
    return '/login';
  },
  async checkAuth() {
    // Someone who has not signed in yet has done nothing wrong: the sign-in page, no error toast
    // (react-admin skips its notification for `message: false`). An ended session says so in checkError.
    if (!loadSession()) throw { message: false };
  },
  async checkError(error: unknown) {
    // 401 after a refresh attempt means the session is over; 403 is a refusal, not a sign-out.
    if (error instanceof ApiError && error.status === 401) {
      clearSession();
      throw new Error('Your session has ended; please sign in again.');
    }
  },
  async getIdentity() {
    const session = loadSession();
    if (!session) throw new Error('Please sign in.');
    return {
      id: session.user.id,
      fullName: session.user.name,
      email: session.user.email,
      organization: session.organization.name,
    };
  },
  async getPermissions(): Promise<Permissions | undefined> {
    const session = loadSession();
    if (!session) return undefined;
    return {
      role: session.organization.role as Permissions['role'],
      isPlatformAdmin: session.user.isPlatformAdmin,
      plan: session.organization.plan,
    };
  },
};
