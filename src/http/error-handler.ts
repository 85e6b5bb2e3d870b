import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../shared/errors.ts';

/** The one body every API error has. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode | string; readonly message: string; readonly details: unknown };
}

// PostgreSQL's refusals of text it cannot hold (U+0000, bad Unicode escapes): the caller's input, not a fault
// of the hub. Inputs are checked before they get here (issue 10.8); this is the net under that check.
const PG_TEXT_CODES = new Set(['22021', '22P05']);

function fromDatabase(err: { code?: unknown; message?: unknown }): AppError | null {
  const surrogate = typeof err.message === 'string' && /surrogate/i.test(err.message) && err.code === '22P02';
  if (!PG_TEXT_CODES.has(String(err.code)) && !surrogate) return null;
  return new AppError('validation_failed', 'the request holds text that cannot be stored (a NUL character or a lone UTF-16 surrogate)', { reason: 'unstorable text' });
}

function fromFastify(err: FastifyError): AppError | null {
  const db = fromDatabase(err);
  if (db) return db;
  if (err.validation) {
    const details = err.validation.map((v) => ({
      field: `${err.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''}`,
      reason: v.message ?? 'invalid',
      ...(v.params && 'additionalProperty' in v.params ? { property: v.params.additionalProperty } : {}),
    }));
    const first = details[0];
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    const prop = first && 'property' in first ? ` ("${String(first.property)}")` : '';
    return new AppError('validation_failed', `${first?.field}: ${first?.reason}${prop}${more}`, details);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'request body is larger than the limit', { limit: err.message });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', err.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_request', 'body is empty but content-type is application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', `malformed request body: ${err.message}`);
  }
  if (err instanceof SyntaxError) return new AppError('bad_request', `malformed JSON body: ${err.message}`);
  if (err.statusCode === 429) return new AppError('rate_limited', 'too many requests for this API key; slow down', { retry_after: err.message });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new AppError('bad_request', err.message);
  return null;
}

/** Maps every thrown error to the API's error body, in one place; unknown errors become a 500 without internals. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const known = err instanceof AppError ? err : fromFastify(err);
    if (known) {
      if (known.status >= 500) req.log.error({ err }, 'request failed');
      // Rate limits, quotas, a busy node, an unreachable database: tell the client when to come back (issue 10.5–10.6).
      const wait = (known.details as { retryAfter?: unknown; retry_after?: unknown } | null);
      const retry = typeof wait?.retryAfter === 'number' ? wait.retryAfter : wait?.retry_after;
      if ((known.status === 429 || known.status === 503) && typeof retry === 'number') reply.header('retry-after', String(retry));
      if (known.status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer realm="kessetsu"');
      const body: ErrorBody = { error: { code: known.code, message: known.message, details: known.details } };
      return reply.status(known.status).type('application/json').send(body);
    }
    req.log.error({ err }, 'unexpected error');
    const body: ErrorBody = {
      error: { code: 'internal', message: `internal error; quote request id ${req.id} when reporting it`, details: { request_id: req.id } },
    };
    return reply.status(500).type('application/json').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const body: ErrorBody = { error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: null } };
    return reply.status(404).send(body);
  });
}
