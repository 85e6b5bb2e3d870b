import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.ts';
import { SESSION_COOKIE, readCookie } from './cookies.ts';
import { SessionsService } from './sessions.service.ts';
import type { SessionPrincipalRow } from './sessions.repository.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The browser session of the request, at any stage; absent for API-key and public callers. */
    webSession?: SessionPrincipalRow;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Header the web app echoes its session's CSRF token in on every write. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Cookie sessions for the API: a request without an Authorization header but with a session cookie acts
 * as that person (full sessions only); writes need the session's CSRF token in X-CSRF-Token. Bearer keys
 * are untouched, and pages outside /api/ always see the public viewer.
 */
export function installSessionAuth(server: FastifyInstance, sessions: SessionsService): void {
  server.addHook('onRequest', async (req) => {
    if (req.headers.authorization !== undefined || !req.url.startsWith('/api/')) return;
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!token) return;
    const row = await sessions.resolve(token);
    if (!row) return;
    if (!SAFE.has(req.method) && !isSignIn(req) && !SessionsService.csrfMatches(row, headerOf(req)))
      throw new AppError('forbidden', `cookie-authenticated writes need the session's CSRF token in ${CSRF_HEADER}`);
    req.webSession = row;
    if (row.stage === 'full') req.viewer = await sessions.viewerOf(row);
  });
}

function headerOf(req: FastifyRequest): string | undefined {
  const h = req.headers[CSRF_HEADER];
  return typeof h === 'string' ? h : undefined;
}

// Signing in again over a stale cookie replaces the session; it needs no token from the old one.
function isSignIn(req: FastifyRequest): boolean {
  return req.method === 'POST' && req.url.split('?')[0] === '/api/v1/session';
}
