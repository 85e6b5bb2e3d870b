import { AppError } from '../../shared/errors.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import { checkLines, enforceObjectLimits, type ObjectLimits } from '../ingest.limits.ts';
import { sniffFormat } from '../parsers/format.sniffer.ts';
import type { IngestFormat, ParseResult } from '../parsers/parse-result.ts';
import { parseBody } from '../parsers/registry.ts';

/** What to make of a body: the format asked for, strictness, and the ceilings it is held to. */
export interface ParseRequest {
  readonly format: 'auto' | IngestFormat;
  readonly lenient: boolean;
  readonly filename?: string | undefined;
  readonly limits: ObjectLimits;
}

/**
 * Parses and validates a body and holds the result to the limits; the same code runs on the main
 * thread (small bodies) and in parse workers, so both answer alike.
 * @example const parsed = await runParse(body, { format: 'auto', lenient: false, limits: NO_LIMITS }, validator)
 */
export async function runParse(body: Buffer, req: ParseRequest, validator: StixValidator): Promise<ParseResult> {
  if (req.limits.maxLines !== null) {
    const format = req.format === 'auto' ? sniffFormat(body.subarray(0, 64 * 1024), req.filename).format : req.format;
    checkLines(body, format, req.limits);
  }
  const parsed = await parseBody(body, req.format, validator, { lenient: req.lenient, filename: req.filename });
  return enforceObjectLimits(parsed, req.limits, req.lenient);
}

/** An error as it crosses from a worker: enough to rebuild an AppError, or to report another failure. */
export interface SerializedError {
  readonly app: boolean;
  readonly code: string;
  readonly message: string;
  readonly details: unknown;
  readonly name: string;
}

/** Turns an error into plain data for postMessage. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof AppError) return { app: true, code: err.code, message: err.message, details: err.details, name: err.name };
  const e = err instanceof Error ? err : new Error(String(err));
  return { app: false, code: 'internal', message: e.message, details: null, name: e.name };
}

/** The error a worker reported, rebuilt on this side. */
export function deserializeError(e: SerializedError): Error {
  if (e.app) return new AppError(e.code as AppError['code'], e.message, e.details);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
