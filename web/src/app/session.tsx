import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, setCsrfToken, whenUnauthorized } from './api.ts';

/** The browser session as GET /api/v1/session answers it. */
export interface Session {
  readonly stage: 'totp' | 'enrol' | 'full';
  readonly csrf_token: string;
  readonly expires_at: string;
  readonly totp_required: boolean;
  readonly totp_enrolled: boolean;
  readonly user: { readonly id: string; readonly name: string; readonly username: string | null; readonly role: string; readonly locale: string };
  readonly org: { readonly id: string; readonly name: string; readonly kind: string; readonly sector: string | null; readonly nda_accepted: boolean };
}

interface SessionState {
  readonly loading: boolean;
  readonly session: Session | null;
  readonly set: (s: Session | null) => void;
  readonly signOut: () => Promise<void>;
}

const Ctx = createContext<SessionState>({ loading: true, session: null, set: () => {}, signOut: async () => {} });

/** Loads the session once and keeps it for the whole app. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [loading, setLoading] = useState(true);
  const [session, setSession] = useState<Session | null>(null);
  const set = useCallback((s: Session | null) => {
    setCsrfToken(s?.csrf_token ?? '');
    setSession(s);
  }, []);
  useEffect(() => {
    api<Session>('/api/v1/session', { quiet401: true })
      .then(set)
      .catch(() => set(null))
      .finally(() => setLoading(false));
    return whenUnauthorized(() => set(null));
  }, [set]);
  const signOut = useCallback(async () => {
    await api('/api/v1/session', { method: 'DELETE', quiet401: true }).catch(() => {});
    set(null);
  }, [set]);
  return <Ctx.Provider value={{ loading, session, set, signOut }}>{children}</Ctx.Provider>;
}

/** The session state. */
export function useSession(): SessionState {
  return useContext(Ctx);
}

/** Whether a role works for the hub (sees everything, runs analysis). */
export function isHubRole(role: string | undefined): boolean {
  return role === 'hub_analyst' || role === 'admin';
}
