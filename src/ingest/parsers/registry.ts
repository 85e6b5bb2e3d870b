import { AppError } from '../../shared/errors.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import { parseStix } from './stix.parser.ts';
import { parseJsonText } from './json-text.ts';
import { ParseError, type IngestFormat, type ParseResult } from './parse-result.ts';
import { findUnstorable } from '../../shared/unstorable.ts';
import { lineColumnOfByte } from './nul-byte.ts';

/** Formats a caller may ask for explicitly. */
export const REQUESTABLE_FORMATS = ['auto', 'stix', 'misp', 'csv', 'text', 'eml', 'stix1', 'openioc', 'cowrie'] as const;

/**
 * Parses a body in the given format, or in the one sniffed from its first bytes when `auto`.
 * A ParseError (the file cannot be read at all) becomes a 400/422 naming where and why.
 */
export async function parseBody(body: Buffer, format: 'auto' | IngestFormat, validator: StixValidator, opts: { lenient: boolean; filename?: string | undefined }): Promise<ParseResult> {
  let chosen: IngestFormat = format === 'auto' ? 'text' : format;
  if (format === 'auto') {
    const { sniffFormat } = await import('./format.sniffer.ts');
    const sniffed = sniffFormat(body.subarray(0, 64 * 1024), opts.filename);
    if (sniffed.format === null) throw new AppError('unsupported_media_type', `cannot import this file: ${sniffed.reason}`, { reason: sniffed.reason });
    chosen = sniffed.format;
  }
  refuseNul(body, chosen);
  // Parsers load on first use: a hub that only takes STIX never loads the e-mail or XML libraries.
  try {
    switch (chosen) {
      case 'stix':
      case 'stix20':
        return parseStix(body, validator, { lenient: opts.lenient });
      case 'misp': {
        const event = parseJsonText(body, 'event');
        const bad = findUnstorable(event);
        if (bad) throw new ParseError(`event${bad.path}`, bad.reason);
        return (await import('./misp.parser.ts')).parseMispEvent(event, opts.filename);
      }
      case 'csv':
        return (await import('./csv.parser.ts')).parseCsv(body);
      case 'text':
        return (await import('./text.parser.ts')).parseText(body);
      case 'eml':
        return await (await import('./eml.parser.ts')).parseEml(body);
      case 'stix1':
        return (await import('./stix1.parser.ts')).parseStix1(body, opts.filename);
      case 'openioc':
        return (await import('./openioc.parser.ts')).parseOpenIoc(body, opts.filename);
      case 'cowrie': // honeypot logs (sensors, issue 11.2)
        return (await import('./cowrie.parser.ts')).parseCowrie(body);
      case 'misp-feed':
        throw new AppError('unprocessable', 'a MISP feed manifest names events in other files: import the feed folder with "kessetsu import DIR"');
    }
  } catch (err) {
    if (err instanceof ParseError) throw new AppError('unprocessable', `${chosen}: ${err.message}`, { format: chosen, where: err.where });
    throw err;
  }
}

/**
 * A NUL cannot be stored and means no text format (UTF-8, Shift_JIS, EUC-JP): refused, naming where (issue 10.8).
 * @example refuseNul(Buffer.from('a\u0000'), 'csv') // throws "csv: line 1 column 2: a NUL byte …"
 */
export function refuseNul(body: Buffer, format: IngestFormat): void {
  const nul = body.indexOf(0);
  if (nul < 0) return;
  const at = lineColumnOfByte(body, nul);
  throw new AppError('unprocessable', `${format}: line ${at.line} column ${at.column}: a NUL byte (U+0000); no text format the hub reads has one, and it cannot be stored`, { format, where: `line ${at.line} column ${at.column}` });
}
