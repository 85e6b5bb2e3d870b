import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.ts';
import { TAXII_MEDIA_TYPE } from './taxii.media.ts';

/** The TAXII 2.1 error message resource (section 3.6.1). */
export interface TaxiiErrorBody {
  readonly title: string;
  readonly description?: string;
  readonly error_id?: string;
  readonly error_code?: string;
  readonly http_status: string;
  readonly details?: Record<string, unknown>;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Shorthand for an AppError that a TAXII endpoint answers with. */
export function taxiiError(code: AppError['code'], description: string, details?: unknown): AppError {
  return new AppError(code, description, details);
}

function fromFastify(err: FastifyError): AppError {
  if (err.validation) return new AppError('bad_request', `${err.validationContext ?? 'request'}: ${err.message}`);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'the request body is larger than max_content_length of this API root');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', `Content-Type must be ${TAXII_MEDIA_TYPE}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_request', 'the request body is empty; expected a TAXII envelope');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', `malformed request body: ${err.message}`);
  }
  if (err instanceof SyntaxError) return new AppError('bad_request', `the body is not valid JSON: ${err.message}`);
  if (err.statusCode === 429) return new AppError('rate_limited', 'too many requests; slow down');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new AppError('bad_request', err.message);
  return new AppError('internal', 'internal error');
}

/** The TAXII error body for an error, and its HTTP status. */
export function taxiiErrorBody(err: AppError, requestId: string): { status: number; body: TaxiiErrorBody } {
  const status = err.status;
  const body: TaxiiErrorBody = {
    title: TITLES[status] ?? 'Error',
    description: status >= 500 ? `internal error; quote request id ${requestId} when reporting it` : err.message,
    error_id: requestId,
    error_code: err.code,
    http_status: String(status),
    ...(err.details && typeof err.details === 'object' && !Array.isArray(err.details) && status < 500 ? { details: err.details as Record<string, unknown> } : {}),
  };
  return { status, body };
}

/** Sends a TAXII error message; 401s say how to authenticate. */
export function sendTaxiiError(req: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const { status, body } = taxiiErrorBody(err, req.id);
  if (status === 401) reply.header('www-authenticate', 'Basic realm="kessetsu-taxii", charset="UTF-8"');
  const wait = (err.details as { retry_after?: unknown } | null)?.retry_after;
  if (status === 429 && typeof wait === 'number') reply.header('retry-after', String(wait));
  return reply.status(status).header('content-type', TAXII_MEDIA_TYPE).send(Buffer.from(JSON.stringify(body), 'utf8'));
}

/** Makes every error and unknown route under this plugin scope a TAXII error message, never the generic API body. */
export function installTaxiiErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const known = err instanceof AppError ? err : fromFastify(err);
    if (known.status >= 500) req.log.error({ err }, 'taxii request failed');
    return sendTaxiiError(req, reply, known);
  });
  scope.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const hint = path.endsWith('/') ? '' : ` (TAXII URLs end with a slash: ${path}/)`;
    return sendTaxiiError(req, reply, new AppError('not_found', `no TAXII endpoint ${req.method} ${path}${hint}`));
  });
}
