import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/auth.service.ts';
import { AppError } from '../shared/errors.ts';

/**
 * The API key of an HTTP basic Authorization header: the password (the username may be anything, e.g. the
 * user id). Undefined when the header is not basic; a 401 when it is basic but unreadable.
 * @example basicKey('Basic ' + Buffer.from('me:ks_…').toString('base64'))
 */
export function basicKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]{1,2000})\s*$/i.exec(header);
  if (!m) {
    if (/^Basic\b/i.test(header)) throw new AppError('unauthorized', 'malformed basic credentials');
    return undefined;
  }
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new AppError('unauthorized', 'basic credentials must be user:password, with the API key as the password');
  const key = decoded.slice(colon + 1);
  if (!key) throw new AppError('unauthorized', 'basic credentials have an empty password; give the API key as the password');
  return key;
}

/** An onRequest hook: resolves HTTP basic credentials (bearer keys are resolved by the server's own hook). */
export function basicAuthHook(auth: Authenticator): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const key = basicKey(req.headers.authorization);
    if (key !== undefined) req.viewer = await auth.authenticate(key, req.ip);
  };
}
