import type { ValueKind } from '../../observables/observable.factory.ts';
import { extractBankAccounts } from './bank-account.extractor.ts';
import { GROUPS, indicatorPattern } from './ioc.patterns.ts';
import { classifyMatch } from './match.classify.ts';
import { foldWidth } from './width-fold.ts';

/** Kinds the extractor reports: the observable factory's value kinds plus Japanese bank accounts. */
export type ExtractedKind = ValueKind | 'bank-account';

/** One indicator found in text. */
export interface Extracted {
  readonly kind: ExtractedKind;
  /** The text as written (defanged, full-width, ...). */
  readonly raw: string;
  /** Refanged and lightly normalised (lower-case host, RFC 5952 IPv6, E.164 phone); the observable factory canonicalises further. */
  readonly value: string;
  /** UTF-16 index of `raw` in the input text. */
  readonly offset: number;
  /** Structured parts, for kinds made of several fields (bank accounts). */
  readonly fields?: Readonly<Record<string, string>>;
}

/**
 * Finds indicators in free text (English or Japanese, defanged or not, full-width or not) in one
 * pass: URLs, e-mail addresses, IPv4/IPv6 addresses and CIDRs, domains with a real public suffix,
 * MD5/SHA-1/SHA-256/SHA-512 hashes, CVE ids, Bitcoin and Ethereum addresses, Japanese phone
 * numbers and bank accounts. Each normalised value is reported once, at its first offset; the
 * host of a URL is reported too, as a domain or address of its own.
 * @example extractIndicators('C2: 198.51.100[.]3 and hxxps://evil[.]example[.]com/x')
 *   // [{kind:'ipv4-addr', value:'198.51.100.3', ...}, {kind:'url', value:'https://evil.example.com/x', ...}, {kind:'domain-name', ...}]
 */
export function extractIndicators(text: string): Extracted[] {
  const folded = foldWidth(text);
  const found = new Map<string, Extracted>();
  const add = (e: Extracted): void => {
    const key = `${e.kind}\u0000${e.value}`;
    if (!found.has(key)) found.set(key, e);
  };
  const re = indicatorPattern();
  for (let m = re.exec(folded); m !== null; m = re.exec(folded)) {
    const groups = m.groups ?? {};
    const group = GROUPS.find((g) => groups[g] !== undefined);
    if (!group) continue;
    const c = classifyMatch(group, m[0]);
    if (!c) continue;
    add({ kind: c.kind, raw: text.slice(m.index, m.index + c.length), value: c.value, offset: m.index });
    if (c.host) {
      const start = m.index + c.host.index;
      add({ kind: c.host.kind, raw: text.slice(start, start + c.host.length), value: c.host.value, offset: start });
    }
  }
  for (const account of extractBankAccounts(folded, text)) add(account);
  return [...found.values()].sort((a, b) => a.offset - b.offset);
}
