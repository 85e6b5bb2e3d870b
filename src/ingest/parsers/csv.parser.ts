import type { LineDraft } from '../parse/line-draft.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { planColumns, resolveKind, type ColumnPlan } from '../extract/csv-columns.ts';
import { CsvRecordSplitter, guessDelimiter, type CsvRecord, type CsvRecordError } from '../extract/csv-records.ts';
import { CsvRowMapper, type MappedRow } from '../extract/csv-row.mapper.ts';
import { decodeAs, detectEncoding, type TextEncoding } from '../extract/text.decode.ts';
import { ParseError, type ParseIssue, type ParseResult } from './parse-result.ts';
import { IdSet } from '../id.set.ts';

/** Options of the CSV importer. */
export interface CsvOptions {
  readonly now?: Date;
  /** Offset at which times without a zone are read; default "+09:00" (Japanese feeds, JPCERT/CC's lists). */
  readonly utcOffset?: string;
  /**
   * The contributing organisation's id salt: importer-made indicators get their ids of the organisation here, and
   * the slices list them (CsvSlice.generated), so that the preparation does not derive them again (issue 17).
   */
  readonly idSalt?: string | undefined;
  /**
   * A row's observable, indicator and based-on relationship as a line draft (parse/line-draft.ts), or undefined to
   * give them as objects: with it, the slices carry the rows that are flat lines as drafts (CsvSlice.lines; issue 17).
   */
  readonly draft?: ((sco: StixObject, indicator: StixObject, relationship: StixObject) => LineDraft | undefined) | undefined;
}

/** What one row of a streamed CSV import became; rows that add nothing and say nothing are not yielded. */
export interface CsvRowEvent {
  readonly line: number;
  readonly objects: StixObject[];
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
  /** With an id salt: the row's importer-made objects' ids. */
  readonly generated?: readonly string[] | undefined;
  /** How many of the objects, from the first, are certainly new to the file (MappedRow.fresh). */
  readonly fresh?: number | undefined;
}

/** Totals of a CSV import. */
export interface CsvSummary {
  encoding?: TextEncoding | 'utf-16';
  columns?: Record<string, string>;
  profile?: string;
  rows: number;
  rows_taken: number;
  rows_failed: number;
  duplicates: number;
  counts: Record<string, number>;
}

const MAX_ISSUES = 1000;
const HEADER_HELP = 'expected a header naming a value column: value, indicator, ioc, url, domain, ip, email, md5, sha1, sha256, hash, … (or 値, ドメイン, IPアドレス, …)';

function describePlan(plan: ColumnPlan, header: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of plan.values) out[v.header] = v.hint ?? 'value (kind guessed)';
  for (const role of ['type', 'date', 'tags', 'comment', 'brand', 'tlp', 'filename'] as const) {
    const i = plan[role];
    if (i !== undefined) out[header[i]?.trim() ?? `(column ${i + 1})`] = role;
  }
  return out;
}

// The state of one import, fed record by record: the first record is the header.
class CsvSession {
  readonly summary: CsvSummary = { rows: 0, rows_taken: 0, rows_failed: 0, duplicates: 0, counts: {} };
  private mapper: CsvRowMapper | undefined;
  private readonly opts: { now: string; utcOffset: string; idSalt: string | undefined };
  readonly headerWarnings: ParseIssue[] = [];

  constructor(opts: CsvOptions) {
    this.opts = { now: (opts.now ?? new Date()).toISOString(), utcOffset: opts.utcOffset ?? '+09:00', idSalt: opts.idSalt };
  }

  feed(r: CsvRecord | CsvRecordError): CsvRowEvent | undefined {
    if ('error' in r) {
      this.summary.rows++;
      this.summary.rows_failed++;
      return { line: r.line, objects: [], errors: [{ where: `line ${r.line}`, reason: r.error }], warnings: [] };
    }
    if (!this.mapper) return this.header(r);
    if (r.fields.every((f) => f.trim() === '')) return undefined;
    this.summary.rows++;
    return this.row(r, this.mapper.map(r));
  }

  private header(r: CsvRecord): CsvRowEvent | undefined {
    let plan = planColumns(r.fields);
    if (!plan) {
      // No header at all: the first column holds values, the second (if any) comments.
      if (!resolveKind(undefined, r.fields[0] ?? '')) throw new ParseError(`line ${r.line}`, HEADER_HELP);
      plan = { values: [{ index: 0, header: '(column 1)', hint: undefined }], ...(r.fields.length > 1 ? { comment: 1 } : {}), unused: [] };
      this.mapper = new CsvRowMapper(plan, this.opts);
      this.summary.columns = describePlan(plan, []);
      this.summary.rows++;
      return this.row(r, this.mapper.map(r));
    }
    this.mapper = new CsvRowMapper(plan, this.opts);
    this.summary.columns = describePlan(plan, r.fields);
    if (plan.profile) this.summary.profile = plan.profile;
    if (plan.unused.length > 0) this.headerWarnings.push({ where: `line ${r.line}`, reason: `column(s) not used: ${plan.unused.join(', ').slice(0, 200)}` });
    return undefined;
  }

  private row(r: CsvRecord, mapped: MappedRow): CsvRowEvent | undefined {
    if (mapped.errors.length > 0 && mapped.objects.length === 0 && !mapped.duplicate) this.summary.rows_failed++;
    else this.summary.rows_taken++;
    if (mapped.duplicate && mapped.errors.length === 0) this.summary.duplicates++;
    for (const t of mapped.types) this.summary.counts[t] = (this.summary.counts[t] ?? 0) + 1;
    if (mapped.objects.length === 0 && mapped.errors.length === 0 && mapped.warnings.length === 0) return undefined;
    return { line: r.line, objects: mapped.objects, errors: mapped.errors, warnings: mapped.warnings, generated: mapped.generated, fresh: mapped.fresh };
  }

  get started(): boolean {
    return this.mapper !== undefined;
  }
}

// Feeds (abuse.ch, many blocklists) carry '#' comment lines before the header and after the last row.
function isPreambleComment(line: string): boolean {
  const t = line.replace(/^\ufeff/, '').trim();
  return t === '' || t.startsWith('#');
}

function delimiterOf(firstLine: string): string {
  return guessDelimiter(firstLine.replace(/^\ufeff/, ''));
}

/** One slice of a CSV import: new objects (deduplicated across the file) and how far into the text it got (0–1). */
export interface CsvSlice {
  readonly objects: StixObject[];
  readonly progress: number;
  /** With an id salt (CsvOptions.idSalt): the ids of the slice's importer-made objects, already the organisation's. */
  readonly generated?: string[] | undefined;
  /** With CsvOptions.draft: the rows given as line drafts, each standing for its three objects, in the file's order. */
  readonly lines?: LineDraft[] | undefined;
  /** For each of `lines`, how many of `objects` come before it in the file's order. */
  readonly lineSlots?: number[] | undefined;
}

/** What a sliced CSV import says once all its slices are out. */
export type CsvTail = Omit<ParseResult, 'objects'>;

/**
 * Imports a CSV file of indicators (UTF-8 with or without BOM, or Shift_JIS/EUC-JP; comma, tab
 * or semicolon; quoted fields; CRLF): one observable and one indicator per distinct value, the
 * row's date as valid_from, its tags as labels and its tlp:* tag as the row's marking. Rows that
 * fail become errors ("line N: why") and the others are still taken.
 * @example parseCsv(Buffer.from('date,URL,description\n2024/12/02 10:36:00,https://phish.example.com/,じぶん銀行\n')).summary?.profile // 'jpcert-phishing'
 */
export function parseCsv(buf: Buffer, opts: CsvOptions = {}): ParseResult {
  const objects: StixObject[] = [];
  const slices = csvSlices(buf, opts, Infinity);
  for (let r = slices.next(); ; r = slices.next()) {
    if (r.done) return { ...r.value, objects };
    for (const o of r.value.objects) objects.push(o);
  }
}

/**
 * The same import as parseCsv, given out in slices of at least `sliceObjects` objects cut at row ends (the
 * last one smaller), so that a caller can store a slice while the next is parsed (issue 17); the errors,
 * warnings and totals come once at the end, exactly as parseCsv gives them.
 * @example for (let r = csvSlices(buf, {}, 5000).next(); !r.done; ) store(r.value.objects)
 */
export function* csvSlices(buf: Buffer, opts: CsvOptions, sliceObjects: number): Generator<CsvSlice, CsvTail> {
  const encoding = detectEncoding(buf);
  const text = decodeAs(buf, encoding);
  const session = new CsvSession(opts);
  session.summary.encoding = encoding;
  // Ids already given out: objects are deduplicated across the whole file, not per slice (20 bytes an id, not a string).
  const seen = new IdSet();
  let slice: StixObject[] = [];
  const owning = opts.idSalt !== undefined;
  let generated: string[] = [];
  const errors: ParseIssue[] = [];
  const warnings: ParseIssue[] = [];
  let splitter: CsvRecordSplitter | undefined;
  let lineNo = 0;
  let dropped = 0;
  let lines: LineDraft[] = [];
  let slots: number[] = [];
  const draft = opts.draft;
  const take = (events: Array<CsvRecord | CsvRecordError>): void => {
    for (const r of events) {
      const e = session.feed(r);
      if (!e) continue;
      const fresh = e.fresh ?? 0;
      const objects = e.objects;
      let i = 0;
      // The fresh objects come as a value's observable, indicator and relationship (MappedRow.fresh): a line each.
      if (draft)
        for (; i + 2 < fresh; i += 3) {
          const d = draft(objects[i]!, objects[i + 1]!, objects[i + 2]!);
          if (!d) break;
          lines.push(d);
          slots.push(slice.length);
        }
      for (; i < objects.length; i++) {
        const o = objects[i]!;
        if (i < fresh || seen.addNew(o.id)) {
          slice.push(o);
          if (e.generated?.includes(o.id)) generated.push(o.id);
        }
      }
      // A million bad rows must not make a million issues: past MAX_ISSUES they are only counted.
      for (const [list, issues] of [[errors, e.errors], [warnings, e.warnings]] as const)
        for (const issue of issues) if (errors.length + warnings.length < MAX_ISSUES) list.push(issue);
        else dropped++;
    }
  };
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (!splitter?.midRecord && isPreambleComment(line)) continue;
    splitter ??= new CsvRecordSplitter(delimiterOf(line));
    take(splitter.push(line, lineNo));
    if (slice.length + 3 * lines.length >= sliceObjects) {
      yield { objects: slice, progress: Math.min(1, start / text.length), generated: owning ? generated : undefined, ...(draft && { lines, lineSlots: slots }) };
      slice = [];
      generated = [];
      lines = [];
      slots = [];
    }
  }
  if (splitter) take(splitter.end());
  if (!session.started) throw new ParseError('line 1', `empty file: ${HEADER_HELP}`);
  if (slice.length + lines.length > 0) yield { objects: slice, progress: 1, generated: owning ? generated : undefined, ...(draft && { lines, lineSlots: slots }) };
  if (dropped > 0) warnings.push({ where: '(input)', reason: `${dropped} further issue(s) not listed` });
  return { format: 'csv', errors, warnings: [...session.headerWarnings, ...warnings], summary: { ...session.summary } };
}

async function* decodedLines(chunks: AsyncIterable<Buffer | string>, onEncoding: (e: TextEncoding) => void): AsyncGenerator<string> {
  let encoding: TextEncoding | undefined;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let rest: Buffer = Buffer.alloc(0);
  let restText = '';
  const lines = function* (buf: Buffer, final: boolean): Generator<string> {
    let start = 0;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, start)) {
      yield decodeAs(buf.subarray(start, i), encoding!);
      start = i + 1;
    }
    rest = buf.subarray(start);
    if (final && rest.length > 0) yield decodeAs(rest, encoding!);
  };
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') {
      // Lines given as text need no decoding; split them the same way.
      restText += chunk;
      let start = 0;
      for (let i = restText.indexOf('\n'); i >= 0; i = restText.indexOf('\n', start)) {
        yield restText.slice(start, i);
        start = i + 1;
      }
      restText = restText.slice(start);
      continue;
    }
    if (!encoding) {
      // The encoding is guessed from the first 64 KiB (cut at a line end, so no character is split).
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < 65_536) continue;
      const head = Buffer.concat(pending);
      const cut = head.lastIndexOf(10);
      encoding = detectEncoding(cut > 0 ? head.subarray(0, cut) : head);
      onEncoding(encoding);
      pending = [];
      yield* lines(head, false);
      continue;
    }
    yield* lines(rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk, false);
  }
  if (!encoding && pending.length > 0) {
    const head = Buffer.concat(pending);
    encoding = detectEncoding(head);
    onEncoding(encoding);
    yield* lines(head, true);
  } else if (encoding) yield* lines(rest, true);
  if (restText.length > 0) yield restText;
}

/**
 * Streams a CSV import: takes the file as chunks (or lines) of bytes or text and yields, row by
 * row, the objects, errors and warnings of each row; answers the totals when done. Objects are
 * deduplicated across the whole stream by value; TLP marking definitions come once, with the
 * first row that uses them. Throws ParseError when the header names no value column.
 * @example for await (const row of parseCsvRows(createReadStream('list.csv'))) store(row.objects);
 */
export async function* parseCsvRows(chunks: AsyncIterable<Buffer | string>, opts: CsvOptions = {}): AsyncGenerator<CsvRowEvent, CsvSummary> {
  const session = new CsvSession(opts);
  let splitter: CsvRecordSplitter | undefined;
  let lineNo = 0;
  let first = true;
  for await (const line of decodedLines(chunks, (e) => (session.summary.encoding = e))) {
    lineNo++;
    if (!splitter?.midRecord && isPreambleComment(line)) continue;
    splitter ??= new CsvRecordSplitter(delimiterOf(line));
    for (const r of splitter.push(line, lineNo)) {
      const e = session.feed(r);
      if (first && session.started && session.headerWarnings.length > 0) yield { line: 1, objects: [], errors: [], warnings: session.headerWarnings };
      first = !session.started;
      if (e) yield e;
    }
  }
  for (const r of splitter?.end() ?? []) {
    const e = session.feed(r);
    if (e) yield e;
  }
  if (!session.started) throw new ParseError('line 1', `empty file: ${HEADER_HELP}`);
  return session.summary;
}
