/** Stable error codes the API answers with; clients may switch on them. */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_acceptable'
  | 'rate_limited'
  | 'unprocessable'
  | 'internal'
  // robustness (issue 10.6): the database is unreachable for now / out of disk space
  | 'unavailable'
  | 'insufficient_storage';

const STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_acceptable: 406,
  rate_limited: 429,
  unprocessable: 422,
  internal: 500,
  unavailable: 503,
  insufficient_storage: 507,
};

/** An error meant for the caller: its code, message and details are shown as they are. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly status: number;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details ?? null;
    this.status = STATUS[code];
  }
}

/** Shorthand for a 404 that does not say whether the thing exists. */
export function notFound(what: string, id: string): AppError {
  return new AppError('not_found', `${what} ${id} not found`, { id });
}

/** Shorthand for a 400 naming the field at fault. */
export function invalid(field: string, reason: string): AppError {
  return new AppError('validation_failed', `${field}: ${reason}`, { field, reason });
}
