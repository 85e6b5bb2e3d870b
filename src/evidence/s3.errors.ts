import { AppError } from '../shared/errors.ts';

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function statusOf(e: unknown): number | undefined {
  return (e as SdkError | null)?.$metadata?.httpStatusCode;
}

function nameOf(e: unknown): string {
  const x = (e ?? {}) as SdkError;
  return String(x.Code ?? x.name ?? x.code ?? 'Error');
}

/** Whether the S3 answer means "no such object" (GET's NoSuchKey, HEAD's bare 404). */
export function isNotFound(e: unknown): boolean {
  const name = nameOf(e);
  return name === 'NoSuchKey' || (name === 'NotFound' && statusOf(e) === 404);
}

/** Whether the answer carried no S3 error code (a HEAD answer has no body: only its status is known). */
export function isUncoded(e: unknown): boolean {
  return statusOf(e) !== undefined && ['Unknown', 'Forbidden', 'BadRequest', 'NotFound', 'MovedPermanently', 'Error'].includes(nameOf(e));
}

/** Whether a conditional write found the name taken (If-None-Match: *). */
export function isPreconditionFailed(e: unknown): boolean {
  return statusOf(e) === 412 || nameOf(e) === 'PreconditionFailed';
}

const CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'InvalidToken', 'ExpiredToken', 'AuthorizationHeaderMalformed', 'InvalidSignature']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'TimeoutError', 'RequestTimeout']);

/**
 * What an S3 failure means for the hub, as a 503 that names the store, the operation and the S3 error
 * code (never the secret, nor the signature the server computed): refused credentials, missing bucket,
 * unreachable endpoint, or another refusal.
 */
export function s3Failure(e: unknown, doing: string, location: string, bucket: string): AppError {
  if (e instanceof AppError) return e;
  const name = nameOf(e);
  const status = statusOf(e);
  const s3 = { store_error: name, ...(status ? { store_status: status } : {}) };
  if (name === 'NoSuchBucket' || (status === 404 && doing === 'opening the bucket')) {
    return new AppError('unavailable', `evidence store: ${location} does not exist (create the bucket "${bucket}", or fix KESSETSU_EVIDENCE_S3_BUCKET)`, s3);
  }
  if (CREDENTIALS.has(name) || status === 403 || status === 401) {
    return new AppError('unavailable', `evidence store: ${location} refused the credentials while ${doing} (${name}): check KESSETSU_EVIDENCE_S3_ACCESS_KEY_ID and the secret access key, and the bucket's permissions`, s3);
  }
  if (NETWORK.has(name) || NETWORK.has(String((e as SdkError | null)?.code))) {
    return new AppError('unavailable', `evidence store: cannot reach ${location} while ${doing} (${name}); try again later`, s3);
  }
  return new AppError('unavailable', `evidence store: ${location} failed while ${doing} (${name}${status ? `, HTTP ${status}` : ''})`, s3);
}
