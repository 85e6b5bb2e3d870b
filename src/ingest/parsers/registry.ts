import { AppError } from '../../shared/errors.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import { sniffFormat } from './format.sniffer.ts';
import { parseStix } from './stix.parser.ts';
import { parseMispEvent } from './misp.parser.ts';
import { parseCsv } from './csv.parser.ts';
import { parseText } from './text.parser.ts';
import { parseEml } from './eml.parser.ts';
import { parseStix1 } from './stix1.parser.ts';
import { parseOpenIoc } from './openioc.parser.ts';
import { parseJsonText } from './json-text.ts';
import { ParseError, type IngestFormat, type ParseResult } from './parse-result.ts';

/** Formats a caller may ask for explicitly. */
export const REQUESTABLE_FORMATS = ['auto', 'stix', 'misp', 'csv', 'text', 'eml', 'stix1', 'openioc'] as const;

/**
 * Parses a body in the given format, or in the one sniffed from its first bytes when `auto`.
 * A ParseError (the file cannot be read at all) becomes a 400/422 naming where and why.
 */
export async function parseBody(body: Buffer, format: 'auto' | IngestFormat, validator: StixValidator, opts: { lenient: boolean; filename?: string | undefined }): Promise<ParseResult> {
  let chosen: IngestFormat = format === 'auto' ? 'text' : format;
  if (format === 'auto') {
    const sniffed = sniffFormat(body.subarray(0, 64 * 1024), opts.filename);
    if (sniffed.format === null) throw new AppError('unsupported_media_type', `cannot import this file: ${sniffed.reason}`, { reason: sniffed.reason });
    chosen = sniffed.format;
  }
  try {
    switch (chosen) {
      case 'stix':
      case 'stix20':
        return parseStix(body, validator, { lenient: opts.lenient });
      case 'misp':
        return parseMispEvent(parseJsonText(body, 'event'));
      case 'csv':
        return parseCsv(body);
      case 'text':
        return parseText(body);
      case 'eml':
        return await parseEml(body);
      case 'stix1':
        return parseStix1(body);
      case 'openioc':
        return parseOpenIoc(body);
      case 'misp-feed':
        throw new AppError('unprocessable', 'a MISP feed manifest names events in other files: import the feed folder with "kessetsu import DIR"');
    }
  } catch (err) {
    if (err instanceof ParseError) throw new AppError('unprocessable', `${chosen}: ${err.message}`, { format: chosen, where: err.where });
    throw err;
  }
}
