import type { FastifyRequest } from 'fastify';
import { PUBLIC_VIEWER, type AnyViewer, type Viewer } from '../access/viewer.ts';
import { AppError } from '../shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: AnyViewer;
  }
}

/** The authenticated viewer of a request, or a 401 when the caller gave no key. */
export function userOf(req: FastifyRequest): Viewer {
  const v = req.viewer ?? PUBLIC_VIEWER;
  if (v.kind !== 'user') throw new AppError('unauthorized', 'this endpoint needs an API key: Authorization: Bearer <key>');
  return v;
}

/** The viewer of a request, public when no key was given. */
export function viewerOf(req: FastifyRequest): AnyViewer {
  return req.viewer ?? PUBLIC_VIEWER;
}
