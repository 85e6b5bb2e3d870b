import ipaddr from 'ipaddr.js';
import type { Tlp } from '../../db/schema.ts';
import { ObservableError } from '../../observables/observable.factory.ts';
import { parseTlp, stricter } from '../../trust/tlp.ts';
import { addObservable, observableOf } from '../extract/indicator.builder.ts';
import { extractIndicators } from '../extract/indicator.extractor.ts';
import { decodeText } from '../extract/text.decode.ts';
import { blankComments, isLineFeed } from '../extract/feed-lines.ts';
import type { ParseResult } from './parse-result.ts';
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
  const now = (opts.now ?? new Date()).toISOString();
  const { text, encoding } = typeof buf === 'string' ? { text: buf, encoding: 'utf-16' } : decodeText(buf);
  const out = new StixCollector();
  const counts: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const seen = new Set<string>();
  const lineOf = lineFinder(text);
  // A line-based feed's comments (maltrail's "# Reference: https://…", trailing "# scanner.example")
  // name sources and owners, never indicators (issue 11.2); prose keeps every line.
  const lineFeed = isLineFeed(text);
  const found = extractIndicators(lineFeed ? blankComments(text) : text);
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
  }
  if (found.length === 0) out.warn('(input)', 'no indicators found in the text');
  const tlp = statedTlp(text);
  return { format: 'text', objects: out.finish(), errors: out.errors, warnings: out.warnings, tlp, summary: { encoding, characters: text.length, line_feed: lineFeed, counts, skipped } };
}
