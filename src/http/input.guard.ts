import { Stream } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.ts';
import { findUnstorable } from '../shared/unstorable.ts';

const PARTS = ['params', 'query', 'body'] as const;

// Parsed JSON, query strings and path parameters are walked. A raw body a route takes as it is (a Buffer, a
// string, or a stream such as an evidence upload's request) is not data to walk: a stream's internals are
// sockets and buffers, and walking them cost seconds per upload (and could refuse it for a NUL in them).
function isParsedJson(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !(value instanceof Stream) && !ArrayBuffer.isView(value);
}

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
      if (!isParsedJson(value)) continue;
      const bad = findUnstorable(value);
      if (bad) {
        const field = `${part}${bad.path}`;
        throw new AppError('validation_failed', `${field}: ${bad.reason}`, { field, reason: bad.reason });
      }
    }
  });
}
