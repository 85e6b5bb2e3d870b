import type { Tlp } from '../../db/schema.ts';
import { makeObservable, ObservableError, type MadeObservable } from '../../observables/observable.factory.ts';
import { deterministicId } from '../../stix/deterministic-id.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { parseTlp, stricter, TLP2_MARKING_IDS, tlpMarking } from '../../trust/tlp.ts';
import type { ParseIssue } from '../parsers/parse-result.ts';
import { kindOfTypeCell, resolveKind, type ColumnPlan } from './csv-columns.ts';
import type { CsvRecord } from './csv-records.ts';
import { parseDate } from './date.parse.ts';
import { indicatorFor, type IndicatorContext } from './indicator.builder.ts';
import { derivedId } from '../parsers/stable-id.factory.ts';

/** What one CSV row became. */
export interface MappedRow {
  readonly objects: StixObject[];
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
  /** STIX types of the observables this row added (a repeat of an earlier row adds none). */
  readonly types: string[];
  readonly duplicate: boolean;
  readonly tlp?: Tlp | undefined;
  /** With an id salt: the ids of the importer-made objects (indicators, their based-on relationships) of the row. */
  readonly generated?: string[] | undefined;
  /**
   * How many of the objects, from the first, have ids no earlier row gave (see FRESH_TYPES): a caller deduplicating
   * the file's objects by id need not look these up.
   */
  readonly fresh?: number;
}

// Observable types whose object, key, indicator pattern and relationship are all made of the canonical value alone
// (makeObservable: the id from the value, the key `type:value`): a value this mapper has not seen (its key is new)
// makes ids no earlier row made (issue 17: looking each id up in the file's id set was ~2 µs of a CSV line on the
// parse worker).
const FRESH_TYPES: ReadonlySet<string> = new Set(['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr']);

const TAG_SPLIT = /\s*[,;|]\s*/;

function mergeHashes(made: readonly MadeObservable[]): MadeObservable {
  const hashes: Record<string, string> = {};
  for (const m of made) Object.assign(hashes, m.object.hashes as Record<string, string>);
  const id = deterministicId('file', { hashes })!;
  return { object: { type: 'file', spec_version: '2.1', id, hashes }, key: made[0]!.key, display: made[0]!.display };
}

function marked(obj: StixObject, tlp: Tlp | undefined): StixObject {
  return tlp ? { ...obj, object_marking_refs: [TLP2_MARKING_IDS[tlp]] } : obj;
}

/**
 * Turns CSV rows into observables, indicators and based-on relationships, one indicator per
 * distinct value, remembering across rows which values it has already made.
 */
export class CsvRowMapper {
  private readonly plan: ColumnPlan;
  private readonly now: string;
  private readonly utcOffset: string;
  private readonly idSalt: string | undefined;
  private readonly seen = new Set<string>();
  private readonly markings = new Set<Tlp>();

  constructor(plan: ColumnPlan, opts: { now: string; utcOffset: string; idSalt?: string | undefined }) {
    this.plan = plan;
    this.now = opts.now;
    this.utcOffset = opts.utcOffset;
    this.idSalt = opts.idSalt;
  }

  /** Maps one record; never throws for bad content, which becomes an error naming the line. */
  map(record: CsvRecord): MappedRow {
    const where = `line ${record.line}`;
    const errors: ParseIssue[] = [];
    const warnings: ParseIssue[] = record.warnings.map((reason) => ({ where, reason }));
    const empty = { objects: [], errors, warnings, types: [], duplicate: false };
    const cell = (i: number | undefined): string => (i === undefined ? '' : (record.fields[i] ?? '').trim());
    const p = this.plan;
    const typeHint = p.type !== undefined && cell(p.type) !== '' ? kindOfTypeCell(cell(p.type)) : undefined;
    if (typeHint === null) {
      errors.push({ where, reason: `type "${cell(p.type).slice(0, 40)}" is not one this importer knows` });
      return empty;
    }
    const made: MadeObservable[] = [];
    for (const col of p.values) {
      const raw = cell(col.index);
      if (raw === '') continue;
      const kind = resolveKind(typeHint ?? col.hint, raw);
      if (!kind) {
        errors.push({ where, reason: `cannot tell what kind of indicator "${raw.slice(0, 80)}" is (column ${col.header})` });
        continue;
      }
      try {
        made.push(makeObservable(kind, raw));
      } catch (err) {
        if (!(err instanceof ObservableError)) throw err;
        errors.push({ where, reason: `column ${col.header}: ${err.message}` });
      }
    }
    if (made.length === 0) {
      if (errors.length === 0) errors.push({ where, reason: 'no value in the row' });
      return empty;
    }
    // Hash columns of one row (md5, sha1, sha256) describe one file.
    const observables = made.length > 1 && made.every((m) => m.object.type === 'file') ? [mergeHashes(made)] : made;
    const tlp = this.rowTlp(cell(p.tlp), cell(p.tags), where, warnings);
    const ctx = this.context(cell, tlp, where, warnings);
    const objects: StixObject[] = [];
    const types: string[] = [];
    const generated: string[] | undefined = this.idSalt === undefined ? undefined : [];
    let fresh = 0;
    for (const m of observables) {
      if (this.seen.has(m.key)) continue;
      this.seen.add(m.key);
      types.push(m.object.type);
      objects.push(marked(m.object, tlp));
      const indicator = indicatorFor(m, ctx);
      if (!indicator) continue;
      const rel = { type: 'relationship', spec_version: '2.1', id: derivedId('relationship', [indicator.id, 'based-on', m.object.id]), created: this.now, modified: this.now, relationship_type: 'based-on', source_ref: indicator.id, target_ref: m.object.id };
      objects.push(marked(indicator, tlp), marked(rel, tlp));
      generated?.push(indicator.id, rel.id);
      // Counted from the first object while every value so far is of such a type and made its three objects.
      if (fresh === objects.length - 3 && FRESH_TYPES.has(m.object.type)) fresh = objects.length;
    }
    if (tlp && objects.length > 0 && !this.markings.has(tlp)) {
      this.markings.add(tlp);
      objects.push(tlpMarking(tlp));
    }
    return { objects, errors, warnings, types, duplicate: objects.length === 0, tlp, generated, fresh };
  }

  private rowTlp(tlpCell: string, tagsCell: string, where: string, warnings: ParseIssue[]): Tlp | undefined {
    let tlp: Tlp | undefined;
    const stated = [tlpCell, ...tagsCell.split(TAG_SPLIT).filter((t) => /^tlp\s*:/i.test(t))].filter((t) => t !== '');
    for (const s of stated) {
      const t = parseTlp(s);
      if (t) tlp = tlp ? stricter(tlp, t) : t;
      else warnings.push({ where, reason: `TLP "${s.slice(0, 30)}" not understood, ignored` });
    }
    return tlp;
  }

  // A feed's rows mostly share their date: the last one read is remembered (parseDate was a tenth of a row's mapping).
  private lastDate: { text: string; iso: string | undefined } | undefined;

  private dateOf(text: string): string | undefined {
    if (this.lastDate?.text !== text) this.lastDate = { text, iso: parseDate(text, this.utcOffset) };
    return this.lastDate.iso;
  }

  private context(cell: (i: number | undefined) => string, tlp: Tlp | undefined, where: string, warnings: ParseIssue[]): IndicatorContext {
    const p = this.plan;
    const dateText = cell(p.date);
    const validFrom = dateText ? this.dateOf(dateText) : undefined;
    if (dateText && !validFrom) warnings.push({ where, reason: `date "${dateText.slice(0, 40)}" not understood; valid_from set to the import time` });
    const brand = cell(p.brand);
    const labels = cell(p.tags).split(TAG_SPLIT).filter((t) => t !== '' && !/^tlp\s*:/i.test(t));
    if (brand) labels.push(`brand:${brand}`);
    const phishing = p.profile === 'jpcert-phishing';
    if (phishing) labels.push('phishing');
    const filename = cell(p.filename);
    return {
      now: this.now,
      validFrom,
      name: filename || (phishing && brand ? `Phishing site imitating ${brand}` : undefined),
      description: cell(p.comment) || (brand ? `Imitates ${brand}` : undefined),
      indicatorTypes: phishing ? ['malicious-activity'] : undefined,
      labels,
      tlp,
      idSalt: this.idSalt,
    };
  }
}
