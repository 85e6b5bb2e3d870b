import ipaddr from 'ipaddr.js';
import type { Tlp } from '../../db/schema.ts';
import { ObservableError } from '../../observables/observable.factory.ts';
import { parseTlp, stricter } from '../../trust/tlp.ts';
import { addObservable, observableOf } from '../extract/indicator.builder.ts';
import { extractIndicators } from '../extract/indicator.extractor.ts';
import { decodeText } from '../extract/text.decode.ts';
import { blankComments, isLineFeed } from '../extract/feed-lines.ts';
import type { ParseResult } from './parse-result.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { StixCollector } from './stix-output.collector.ts';

const TLP_MENTION = /\bTLP\s?:\s?(CLEAR|WHITE|GREEN|AMBER\+STRICT|AMBER|RED)\b/gi;
// Private, loopback, link-local and other non-routable addresses name a machine inside someone's
// network, not an attacker's: they are counted but made into neither observables nor indicators.
const NON_PUBLIC = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'carrierGradeNat', 'private', 'uniqueLocal', 'ipv4Mapped']);

function nonPublicAddress(kind: string, value: string): string | undefined {
  if (kind !== 'ipv4-addr' && kind !== 'ipv6-addr') return undefined;
  const address = value.split('/')[0]!;
  if (!ipaddr.isValid(address)) return undefined;
  const range = ipaddr.parse(address).range();
  return NON_PUBLIC.has(range) ? range : undefined;
}

/** The strictest TLP a text states ("TLP:AMBER", "TLP: GREEN"), if any. */
export function statedTlp(text: string): Tlp | undefined {
  let tlp: Tlp | undefined;
  for (const m of text.matchAll(TLP_MENTION)) {
    const t = parseTlp(m[1]!);
    if (t) tlp = tlp ? stricter(tlp, t) : t;
  }
  return tlp;
}

function lineFinder(text: string): (offset: number) => number {
  let line = 1;
  let pos = 0;
  // Offsets come in increasing order, so newlines are counted once over the whole text.
  return (offset) => {
    for (let i = text.indexOf('\n', pos); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
      line++;
      pos = i + 1;
    }
    return line;
  };
}

/**
 * Imports free text (a report, a chat log, a list of indicators; UTF-8, Shift_JIS or EUC-JP):
 * every indicator the extractor finds becomes an observable and a STIX indicator based on it
 * (CVE ids become vulnerability objects only). The summary counts what was taken by kind.
 * @example parseText('C2: 198.51.100[.]3').objects.map((o) => o.type) // ['ipv4-addr', 'indicator', 'relationship']
 */
export function parseText(buf: Buffer | string, opts: { now?: Date } = {}): ParseResult {
  const objects: StixObject[] = [];
  const slices = textSlices(buf, opts, Infinity);
  for (let r = slices.next(); ; r = slices.next()) {
    if (r.done) return { ...r.value, objects };
    for (const o of r.value.objects) objects.push(o);
  }
}

/** One slice of a text import: new objects, how far into the text it got (0–1), and the TLP the text states. */
export interface TextSlice {
  readonly objects: StixObject[];
  readonly progress: number;
  readonly tlp: Tlp | undefined;
}

/**
 * The same import as parseText, given out in slices of at least `sliceObjects` objects (whole indicators: the
 * observable, its indicator and their relationship stay together), so that a caller can store a slice while the
 * next is made (issue 17); errors, warnings and totals come at the end, as parseText gives them.
 * @example for (let r = textSlices(buf, {}, 5000).next(); !r.done; ) store(r.value.objects)
 */
export function* textSlices(buf: Buffer | string, opts: { now?: Date }, sliceObjects: number): Generator<TextSlice, Omit<ParseResult, 'objects'>> {
  const now = (opts.now ?? new Date()).toISOString();
  const { text, encoding } = typeof buf === 'string' ? { text: buf, encoding: 'utf-16' } : decodeText(buf);
  const out = new StixCollector();
  out.sliced();
  const counts: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const seen = new Set<string>();
  const lineOf = lineFinder(text);
  const tlp = statedTlp(text);
  // A line-based feed's comments (maltrail's "# Reference: https://…", trailing "# scanner.example")
  // name sources and owners, never indicators (issue 11.2); prose keeps every line.
  const lineFeed = isLineFeed(text);
  const found = extractIndicators(lineFeed ? blankComments(text) : text);
  let pending = 0;
  for (const e of found) {
    const where = `line ${lineOf(e.offset)}`;
    const range = nonPublicAddress(e.kind, e.value);
    if (range) {
      skipped[`${e.kind} ${range}`] = (skipped[`${e.kind} ${range}`] ?? 0) + 1;
      continue;
    }
    let made;
    try {
      made = observableOf(e);
    } catch (err) {
      if (!(err instanceof ObservableError)) throw err;
      out.warn(where, `${e.kind} not taken: ${err.message}`);
      continue;
    }
    if (seen.has(made.key)) continue;
    seen.add(made.key);
    addObservable(out, made, { now }, true);
    counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    if (++pending * 3 >= sliceObjects) {
      pending = 0;
      const objects = out.takeFresh();
      if (objects.length) yield { objects, progress: Math.min(1, e.offset / Math.max(1, text.length)), tlp };
    }
  }
  if (found.length === 0) out.warn('(input)', 'no indicators found in the text');
  const last = out.takeFresh();
  // finish() adds the count of issues not listed; its objects are those given out above, in the same order.
  out.finish();
  if (last.length) yield { objects: last, progress: 1, tlp };
  return { format: 'text', errors: out.errors, warnings: out.warnings, tlp, summary: { encoding, characters: text.length, line_feed: lineFeed, counts, skipped } };
}
