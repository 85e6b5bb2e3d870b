import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.ts';
import { findUnstorable } from '../shared/unstorable.ts';

const PARTS = ['params', 'query', 'body'] as const;

/**
 * Refuses, before validation, any request whose path parameters, query string or parsed JSON body holds
 * a NUL character, a lone UTF-16 surrogate or arrays/objects nested too deep: a 400 naming the field
 * (`body.objects[3].name`), never a database error or a stack overflow further in. Raw bodies (files
 * to ingest) are checked by the ingest, which names the line or object.
 * @example installInputGuard(server)
 */
export function installInputGuard(server: FastifyInstance): void {
  server.addHook('preValidation', async (req) => {
    for (const part of PARTS) {
      const value: unknown = req[part];
      if (value === undefined || value === null || Buffer.isBuffer(value) || typeof value === 'string') continue;
      const bad = findUnstorable(value);
      if (bad) {
        const field = `${part}${bad.path}`;
        throw new AppError('validation_failed', `${field}: ${bad.reason}`, { field, reason: bad.reason });
      }
    }
  });
}
