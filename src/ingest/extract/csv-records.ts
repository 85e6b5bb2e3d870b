// RFC 4180 records from lines, one line at a time, so a million-row file never has to be one
// string. Lenient where files in the wild are sloppy (a quote inside an unquoted field is kept as
// a character), strict where sloppiness would swallow data: a quoted field still open after
// MAX_SPAN lines is reported as unterminated at the line it started, and the lines after that
// start are read again as records of their own.

/** One CSV record: its fields and the line it starts on (1-based). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
  /** Sloppy quoting that was read leniently. */
  readonly warnings: readonly string[];
}

/** A record that could not be read. */
export interface CsvRecordError {
  readonly line: number;
  readonly error: string;
}

const MAX_SPAN = 50;
const MAX_CHARS = 1 << 20;

/** The delimiter of a header line: the most frequent of comma, tab and semicolon outside quotes (comma on a tie). */
export function guessDelimiter(header: string): string {
  const counts = new Map<string, number>([[',', 0], ['\t', 0], [';', 0]]);
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

interface Pending {
  line: number;
  lines: string[];
}

/** Splits lines into CSV records; feed it lines in order with `push`, then call `end`. */
export class CsvRecordSplitter {
  private readonly delimiter: string;
  private pending: Pending | undefined;

  /** True while a quoted field spans lines: the next line belongs to the open record. */
  get midRecord(): boolean {
    return this.pending !== undefined;
  }

  constructor(delimiter = ',') {
    this.delimiter = delimiter;
  }

  /** Takes one line (without its "\n"; a trailing "\r" is dropped) and answers the records it completes. */
  push(line: string, lineNo: number): Array<CsvRecord | CsvRecordError> {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (this.pending) {
      this.pending.lines.push(text);
      return this.tryPending();
    }
    if (!text.includes('"')) return text === '' ? [] : [{ line: lineNo, fields: text.split(this.delimiter), warnings: [] }];
    this.pending = { line: lineNo, lines: [text] };
    return this.tryPending();
  }

  /** Answers what is left at the end of input: an unterminated record as an error, and the records after it. */
  end(): Array<CsvRecord | CsvRecordError> {
    if (!this.pending) return [];
    return this.giveUp(true);
  }

  private tryPending(): Array<CsvRecord | CsvRecordError> {
    const p = this.pending!;
    const joined = p.lines.join('\n');
    const parsed = this.parse(joined);
    if (parsed === 'broken') return this.giveUp(false);
    if (parsed) {
      this.pending = undefined;
      return [{ line: p.line, fields: parsed.fields, warnings: parsed.warnings }];
    }
    if (p.lines.length > MAX_SPAN || joined.length > MAX_CHARS) return this.giveUp(false);
    return [];
  }

  private giveUp(final: boolean): Array<CsvRecord | CsvRecordError> {
    const p = this.pending!;
    this.pending = undefined;
    const out: Array<CsvRecord | CsvRecordError> = [{ line: p.line, error: 'unterminated quoted field (a " opened here is never closed)' }];
    p.lines.slice(1).forEach((l, i) => out.push(...this.push(l, p.line + 1 + i)));
    if (final && this.pending) out.push(...this.end());
    return out;
  }

  // The fields of a complete record, undefined while a quoted field is still open, or 'broken'.
  private parse(text: string): { fields: string[]; warnings: string[] } | 'broken' | undefined {
    const d = this.delimiter;
    const fields: string[] = [];
    const warnings: string[] = [];
    let i = 0;
    for (;;) {
      if (text[i] === '"') {
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) return undefined;
          value += text.slice(j, q);
          if (text[q + 1] === '"') {
            value += '"';
            j = q + 2;
          } else if (q + 1 === text.length || text[q + 1] === d) {
            j = q + 1;
            break;
          } else if (value.includes('\n')) {
            // A quote that "closes" a field only lines later, next to other text, means the
            // field was never closed where it opened: reading on would swallow those lines.
            return 'broken';
          } else {
            // "abc"def: a quote closed too early; keep it as a character and read on.
            warnings.push(`stray quote in field ${fields.length + 1}`);
            value += '"';
            j = q + 1;
          }
        }
        fields.push(value);
        i = j;
      } else {
        const next = text.indexOf(d, i);
        const end = next < 0 ? text.length : next;
        const value = text.slice(i, end);
        if (value.includes('"')) warnings.push(`quote inside unquoted field ${fields.length + 1}`);
        fields.push(value);
        i = end;
      }
      if (i >= text.length) return { fields, warnings };
      i++; // the delimiter
      if (i === text.length) {
        fields.push('');
        return { fields, warnings };
      }
    }
  }
}
