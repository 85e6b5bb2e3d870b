// Recognises the two line-based formats by their first lines: an RFC 5322 message and a CSV with a header.

const KNOWN_HEADERS = new Set([
  'from', 'to', 'cc', 'subject', 'date', 'received', 'message-id', 'mime-version', 'return-path', 'delivered-to',
  'reply-to', 'sender', 'content-type', 'x-mailer', 'authentication-results', 'dkim-signature', 'x-originating-ip',
]);
const FIELD = /^([!-9;-~]{1,76}):/;

/** Why the text is an e-mail (its header names), or undefined when its first lines are not an RFC 5322 header block. */
export function emailHeaders(text: string): string | undefined {
  const lines = text.split(/\r?\n/, 200);
  let i = 0;
  if (lines[0]?.startsWith('From ')) i = 1; // an mbox "From " separator line
  const fields: string[] = [];
  let other = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') break;
    if (/^[ \t]/.test(line)) {
      if (fields.length === 0) return undefined;
      continue; // folded continuation of the previous field
    }
    const m = FIELD.exec(line);
    if (m) fields.push(m[1]!.toLowerCase());
    else if (fields.length === 0) return undefined;
    else other++;
  }
  const known = [...new Set(fields.filter((f) => KNOWN_HEADERS.has(f)))];
  if (fields.length < 2 || known.length === 0 || other > fields.length / 5) return undefined;
  return `an e-mail: RFC 5322 header fields (${known.slice(0, 5).join(', ')})`;
}

function splitRow(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === delimiter && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

// A header names columns; a data row holds values. These shapes are values, never column names.
const VALUE_SHAPES = [
  /^\d+(\.\d+)?$/, // numbers
  /^\d{1,3}(\[?\.\]?\d{1,3}){3}(:\d+)?(\/\d+)?$/, // IPv4, also defanged
  /^[0-9a-f:]*::?[0-9a-f:]+$/i, // IPv6
  /^[a-z][a-z0-9+.-]*(:\/\/|\[:\]\/\/)/i, // URLs
  /^[0-9a-f]{32,}$/i, // hashes
  /^\d{4}[-/]\d{1,2}[-/]\d{1,2}/, // dates
  /^[^\s@]+@[^\s@]+$/, // e-mail addresses
  /^([a-z0-9-]+(\[?\.\]?))+[a-z]{2,}$/i, // domains with a dot
];

// Column names are short labels: a few words, no links, no value shapes.
function looksLikeHeader(fields: readonly string[]): boolean {
  return fields.every((f) => f.length > 0 && f.length <= 64 && f.split(/\s+/).length <= 6 && !f.includes('://') && /\p{L}/u.test(f) && !VALUE_SHAPES.some((re) => re.test(f)));
}

/**
 * Why the text is a CSV with a header row (columns and delimiter), or undefined. Leading "#" comment lines
 * are skipped; a table with no header row is left to the text importer.
 * @example csvHeader('date,URL,description\n2019/01/04,http://a.example/,x\n') // 'a CSV table with a header: date, URL, description (delimiter ",")'
 */
export function csvHeader(text: string, filename?: string): string | undefined {
  // Markdown (tables, lists) is prose for people, even when its lines split evenly.
  if (/\.(md|markdown)$/i.test(filename ?? '')) return undefined;
  const lines = text.split(/\r?\n/, 60).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  // The head may end mid-line: leave the last line out unless the text ends with a newline.
  if (!/\n$/.test(text) && lines.length > 2) lines.pop();
  if (lines.length < 2) return undefined;
  const csvName = /\.(csv|tsv)$/i.test(filename ?? '');
  let best: { delimiter: string; header: string[] } | undefined;
  for (const delimiter of [',', ';', '\t', '|']) {
    const rows = lines.map((l) => splitRow(l, delimiter));
    const width = rows[0]!.length;
    if (width < 2 && !(csvName && delimiter === ',')) continue;
    const consistent = rows.filter((r) => r.length === width).length;
    if (consistent < rows.length * 0.9) continue;
    if (!best || width > best.header.length) best = { delimiter, header: rows[0]! };
  }
  if (!best || !looksLikeHeader(best.header)) return undefined;
  const shown = best.delimiter === '\t' ? '\\t' : best.delimiter;
  return `a CSV table with a header: ${best.header.slice(0, 8).join(', ')} (delimiter "${shown}")`;
}
