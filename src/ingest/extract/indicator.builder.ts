import type { Tlp } from '../../db/schema.ts';
import { makeBankAccount, makeObservable, ObservableError, type MadeObservable } from '../../observables/observable.factory.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { scoPattern } from '../parsers/ioc-pattern.builder.ts';
import { indicatorObject } from '../parsers/stix-indicator.factory.ts';
import { generatedIndicatorId, ownIndicatorId } from '../parsers/stable-id.factory.ts';
import type { StixCollector } from '../parsers/stix-output.collector.ts';
import type { ExtractedKind } from './indicator.extractor.ts';

/** What an importer knows of the indicators it makes from one source (a file, a CSV row, a mail). */
export interface IndicatorContext {
  /** Timestamp of creation (ISO 8601). */
  readonly now: string;
  /** When the source saw it first; defaults to `now`. */
  readonly validFrom?: string | undefined;
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  /** STIX indicator-type-ov values, when the source says (a phishing list: malicious-activity). */
  readonly indicatorTypes?: readonly string[] | undefined;
  readonly labels?: readonly string[] | undefined;
  readonly tlp?: Tlp | undefined;
  /**
   * The contributing organisation's id salt, when known where the indicator is made (a feed parsed in slices, issue
   * 17): the indicator gets its id of the organisation at once (ownIndicatorId), not the placeholder.
   */
  readonly idSalt?: string | undefined;
}

const BANK_FIELDS = ['bank_code', 'branch_code', 'account_type', 'account_number'] as const;

/**
 * The observable of an extracted value: `makeObservable` for single values, `makeBankAccount` for
 * bank accounts (which need bank code, branch code, type and number). Throws ObservableError.
 * @example observableOf({ kind: 'ipv4-addr', raw: '198.51.100[.]3' }).key // 'ipv4-addr:198.51.100.3'
 */
export function observableOf(e: { readonly kind: ExtractedKind; readonly raw: string; readonly fields?: Readonly<Record<string, string>> | undefined }): MadeObservable {
  if (e.kind !== 'bank-account') return makeObservable(e.kind, e.raw);
  const f = e.fields ?? {};
  const missing = BANK_FIELDS.filter((k) => !f[k]);
  // A branch written by name only ("新宿支店") cannot be turned into a Zengin branch code without
  // the full branch directory, and without it the account is not one identifiable thing.
  if (missing.length > 0) throw new ObservableError('bank-account', e.raw, `no ${missing.join(', ').replace(/_/g, ' ')} stated`);
  return makeBankAccount({
    country: f.country,
    bank_code: f.bank_code!,
    branch_code: f.branch_code!,
    account_type: f.account_type!,
    account_number: f.account_number!,
    holder_name: f.holder_name,
    bank_name: f.bank_name,
    branch_name: f.branch_name,
  });
}

/**
 * A STIX 2.1 indicator matching one observable (a placeholder id the ingest makes per organisation), or undefined when the object
 * has nothing a pattern can test (a CVE's vulnerability object).
 * @example indicatorFor(makeObservable('ipv4-addr', '198.51.100.3'), { now })?.pattern // "[ipv4-addr:value = '198.51.100.3']"
 */
export function indicatorFor(made: MadeObservable, ctx: IndicatorContext): StixObject | undefined {
  const pattern = scoPattern([made.object]);
  if (!pattern) return undefined;
  return indicatorObject({
    id: ctx.idSalt === undefined ? generatedIndicatorId(pattern) : ownIndicatorId(ctx.idSalt, pattern),
    pattern,
    patternType: 'stix',
    validFrom: ctx.validFrom ?? ctx.now,
    created: ctx.now,
    name: ctx.name ?? made.display,
    description: ctx.description,
    indicatorTypes: ctx.indicatorTypes,
    labels: ctx.labels,
  });
}

/**
 * Adds an observable to the output and, when asked, an indicator with a based-on relationship
 * to it; answers the observable's id and the indicator's id (when one was made).
 */
export function addObservable(out: StixCollector, made: MadeObservable, ctx: IndicatorContext, withIndicator: boolean): { observableId: string; indicatorId?: string } {
  const observableId = out.add(made.object, ctx.tlp);
  if (!withIndicator) return { observableId };
  const indicator = indicatorFor(made, ctx);
  if (!indicator) return { observableId };
  out.add(indicator, ctx.tlp);
  out.relate(indicator.id, 'based-on', observableId, ctx.now, ctx.tlp);
  return { observableId, indicatorId: indicator.id };
}
