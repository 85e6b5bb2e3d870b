import { parse } from 'csv-parse/sync';
import { scrubText, textFault } from '../shared/unstorable.ts';
import { parsePeriod } from './period.ts';

// The CSV format of statistic series (documented in the README, "Statistics and reports"):
// UTF-8, comma-separated, a header line naming the columns (any order), one value per line,
// lines starting with '#' are comments. Columns:
//   series       required  key of the series: a-z, 0-9, _ (cybercrime_arrests)
//   unit         required on the series' first line: cases, persons, JPY, … (later lines may repeat it)
//   title_en, title_ja      the series' name, on any of its lines
//   category     default "total"; key of the category (a-z, 0-9, _)
//   parent       the category it belongs to (another category of the same series)
//   category_en, category_ja  the category's label
//   aggregate    sum (the category equals the sum of its children), of_which (children are parts of it,
//                "うち"), none (default)
//   period       required: 2015, FY2015 (April–March), 2015H1, 2015-10, 2015-10-05
//   value        required: a plain decimal number, no separators (8096, -3, 1.5)
//   source       required: where the figure is published
//   note_en, note_ja        free text about the value
// Metadata given on several lines of the same series or category must agree.

/** One category of a parsed series. */
export interface ParsedCategory {
  readonly key: string;
  readonly parent: string | null;
  readonly labelEn: string;
  readonly labelJa: string;
  readonly aggregate: Aggregate;
  readonly position: number;
}

/** How a category relates to its children. */
export type Aggregate = 'sum' | 'of_which' | 'none';

/** One value of a parsed series. */
export interface ParsedValue {
  readonly category: string;
  readonly period: string;
  readonly value: number;
  readonly source: string;
  readonly noteEn: string;
  readonly noteJa: string;
  readonly line: number;
}

/** A series as a CSV file describes it. */
export interface ParsedSeries {
  readonly key: string;
  titleEn: string;
  titleJa: string;
  readonly unit: string;
  readonly source: string;
  readonly categories: Map<string, ParsedCategory>;
  readonly values: ParsedValue[];
}

/** A line the import refused, and why. */
export interface LineError {
  readonly line: number;
  readonly field: string | null;
  readonly reason: string;
}

/** What a CSV file holds: its series, or the lines at fault. */
export interface ParseOutcome {
  readonly series: ParsedSeries[];
  readonly errors: LineError[];
  readonly rows: number;
}

const COLUMNS = ['series', 'unit', 'title_en', 'title_ja', 'category', 'parent', 'category_en', 'category_ja', 'aggregate', 'period', 'value', 'source', 'note_en', 'note_ja'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: readonly Column[] = ['series', 'period', 'value', 'source'];
const KEY = /^[a-z][a-z0-9_]{0,62}$/;
const NUMBER = /^-?\d{1,18}(\.\d{1,6})?$/;
const LIMITS: Partial<Record<Column, number>> = { title_en: 200, title_ja: 200, category_en: 300, category_ja: 300, source: 500, note_en: 1000, note_ja: 1000, unit: 32 };
/** At most this many value lines in one file. */
export const MAX_ROWS = 100_000;
const MAX_ERRORS = 100;

/**
 * Parses a statistic-series CSV file; every bad line is reported with its number and field.
 * @example const { series, errors } = parseSeriesCsv(readFileSync('arrests.csv', 'utf8'))
 */
export function parseSeriesCsv(text: string): ParseOutcome {
  const errors: LineError[] = [];
  const fail = (line: number, field: Column | null, reason: string): void => {
    if (errors.length < MAX_ERRORS) errors.push({ line, field, reason });
  };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, comment: '#', comment_no_infix: true, skip_empty_lines: true, relax_column_count: true, info: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    return { series: [], errors: [{ line: e.lines ?? 1, field: null, reason: `not CSV: ${e.message.replace(/^Invalid[^:]*:\s*/, '')}`.slice(0, 300) }], rows: 0 };
  }
  if (records.length === 0) return { series: [], errors: [{ line: 1, field: null, reason: 'empty file: a header line and values expected' }], rows: 0 };

  const head = records[0]!;
  const index = new Map<Column, number>();
  head.record.forEach((name, i) => {
    const col = name.toLowerCase() as Column;
    if (!COLUMNS.includes(col)) fail(head.info.lines, null, `unknown column "${scrubText(name.slice(0, 40))}" (known: ${COLUMNS.join(', ')})`);
    else if (index.has(col)) fail(head.info.lines, col, 'column given twice');
    else index.set(col, i);
  });
  for (const col of REQUIRED) if (!index.has(col)) fail(head.info.lines, col, 'required column missing');
  if (errors.length) return { series: [], errors, rows: 0 };
  if (records.length - 1 > MAX_ROWS) return { series: [], errors: [{ line: records[MAX_ROWS + 1]!.info.lines, field: null, reason: `more than ${MAX_ROWS} values in one file` }], rows: 0 };

  const bySeries = new Map<string, ParsedSeries>();
  const seen = new Set<string>();
  const parentLines: { series: string; category: string; parent: string; line: number }[] = [];
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== head.record.length) {
      fail(line, null, `${record.length} fields where the header has ${head.record.length}`);
      continue;
    }
    const get = (c: Column): string => (index.has(c) ? record[index.get(c)!]! : '');
    const before = errors.length;
    for (const col of COLUMNS) {
      const fault = index.has(col) ? textFault(get(col)) : null;
      if (fault) fail(line, col, fault);
    }
    if (errors.length > before) continue;
    for (const [col, max] of Object.entries(LIMITS) as [Column, number][]) if (get(col).length > max) fail(line, col, `longer than ${max} characters`);
    const key = get('series');
    if (!KEY.test(key)) fail(line, 'series', 'a key of a-z, 0-9 and _ expected (starting with a letter)');
    const category = get('category') || 'total';
    if (!KEY.test(category)) fail(line, 'category', 'a key of a-z, 0-9 and _ expected (starting with a letter)');
    const parent = get('parent');
    if (parent && !KEY.test(parent)) fail(line, 'parent', 'a category key expected');
    if (parent && parent === category) fail(line, 'parent', 'a category cannot be its own parent');
    const aggregate = (get('aggregate') || 'none') as Aggregate;
    if (!['sum', 'of_which', 'none'].includes(aggregate)) fail(line, 'aggregate', 'sum, of_which or none expected');
    const period = parsePeriod(get('period'));
    if (!period) fail(line, 'period', `"${scrubText(get('period').slice(0, 20))}" is not a period (2015, FY2015, 2015H1, 2015-10, 2015-10-05)`);
    const raw = get('value');
    if (!NUMBER.test(raw)) fail(line, 'value', `"${scrubText(raw.slice(0, 30))}" is not a plain number (digits, optional minus and decimals, no separators)`);
    const source = get('source');
    if (!source) fail(line, 'source', 'every value needs its source');
    const unit = get('unit');
    if (unit && !/^[A-Za-z%][A-Za-z0-9_%/.-]*$/.test(unit)) fail(line, 'unit', 'a unit word expected (cases, persons, JPY, …)');
    if (errors.length > before) continue;

    let s = bySeries.get(key);
    if (!s) {
      if (!unit) {
        fail(line, 'unit', `the first line of series ${key} must give its unit`);
        continue;
      }
      s = { key, titleEn: '', titleJa: '', unit, source, categories: new Map(), values: [] };
      bySeries.set(key, s);
    } else if (unit && unit !== s.unit) {
      fail(line, 'unit', `series ${key} was given unit ${s.unit} earlier`);
      continue;
    }
    if (!agree(s, 'titleEn', get('title_en'))) fail(line, 'title_en', `series ${key} was given another title earlier`);
    if (!agree(s, 'titleJa', get('title_ja'))) fail(line, 'title_ja', `series ${key} was given another title earlier`);
    const cat = s.categories.get(category);
    const labelEn = get('category_en');
    const labelJa = get('category_ja');
    if (!cat) {
      s.categories.set(category, { key: category, parent: parent || null, labelEn, labelJa, aggregate, position: s.categories.size });
      if (parent) parentLines.push({ series: key, category, parent, line });
    } else {
      const clash = (parent && parent !== cat.parent ? 'parent' : null) ?? (labelEn && cat.labelEn && labelEn !== cat.labelEn ? 'category_en' : null) ??
        (labelJa && cat.labelJa && labelJa !== cat.labelJa ? 'category_ja' : null) ?? (get('aggregate') && aggregate !== cat.aggregate ? 'aggregate' : null);
      if (clash) {
        fail(line, clash as Column, `category ${category} of series ${key} was described otherwise earlier`);
        continue;
      }
      if ((labelEn && !cat.labelEn) || (labelJa && !cat.labelJa)) s.categories.set(category, { ...cat, labelEn: cat.labelEn || labelEn, labelJa: cat.labelJa || labelJa });
    }
    const id = `${key}\u0000${category}\u0000${period!.text}`;
    if (seen.has(id)) {
      fail(line, 'period', `series ${key}, category ${category}, period ${period!.text} given twice`);
      continue;
    }
    seen.add(id);
    s.values.push({ category, period: period!.text, value: Number(raw), source, noteEn: get('note_en'), noteJa: get('note_ja'), line });
  }
  for (const p of parentLines) {
    const s = bySeries.get(p.series)!;
    if (!s.categories.has(p.parent)) fail(p.line, 'parent', `category ${p.parent} is not a category of series ${p.series} in this file`);
    else if (cycles(s, p.category)) fail(p.line, 'parent', `category ${p.category} of series ${p.series} is its own ancestor`);
  }
  return { series: errors.length ? [] : [...bySeries.values()], errors, rows: records.length - 1 };
}

function agree(s: ParsedSeries, field: 'titleEn' | 'titleJa', given: string): boolean {
  if (!given) return true;
  if (!s[field]) {
    s[field] = given;
    return true;
  }
  return s[field] === given;
}

function cycles(s: ParsedSeries, start: string): boolean {
  const visited = new Set<string>();
  let at: string | null = start;
  while (at) {
    if (visited.has(at)) return true;
    visited.add(at);
    at = s.categories.get(at)?.parent ?? null;
  }
  return false;
}

function cell(v: string): string {
  return /[",\n\r#]/.test(v) || v !== v.trim() ? `"${v.replaceAll('"', '""')}"` : v;
}

/** A series' values in this same CSV format (what export answers and import takes back). */
export function seriesToCsv(s: {
  key: string;
  titleEn: string;
  titleJa: string;
  unit: string;
  categories: readonly Omit<ParsedCategory, 'position'>[];
  values: readonly Omit<ParsedValue, 'line'>[];
}): string {
  const cats = new Map(s.categories.map((c) => [c.key, c]));
  const lines = [COLUMNS.join(',')];
  const described = new Set<string>();
  s.values.forEach((v, i) => {
    const c = cats.get(v.category);
    const first = !described.has(v.category);
    described.add(v.category);
    const row: Record<Column, string> = {
      series: s.key,
      unit: s.unit,
      title_en: i === 0 ? s.titleEn : '',
      title_ja: i === 0 ? s.titleJa : '',
      category: v.category,
      parent: first ? (c?.parent ?? '') : '',
      category_en: first ? (c?.labelEn ?? '') : '',
      category_ja: first ? (c?.labelJa ?? '') : '',
      aggregate: first && c && c.aggregate !== 'none' ? c.aggregate : '',
      period: v.period,
      value: String(v.value),
      source: v.source,
      note_en: v.noteEn,
      note_ja: v.noteJa,
    };
    lines.push(COLUMNS.map((col) => cell(row[col])).join(','));
  });
  return lines.join('\n') + '\n';
}
