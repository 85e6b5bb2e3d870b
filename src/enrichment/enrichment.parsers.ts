import { ipv6Value } from './ip-range.ts';
import { parseIpv4 } from '../observables/ip.normalize.ts';

/** One range of an enrichment dataset: addresses (family 4 or 6) or AS numbers (family 0). */
export interface EnrichRange {
  readonly family: 0 | 4 | 6;
  readonly start: number | bigint;
  readonly end: number | bigint;
  readonly asn: number | null;
  readonly country: string | null;
  readonly holder: string | null;
}

/** A parsed dataset: its kind, a name that a newer file of the same source replaces, ranges and skipped lines. */
export interface ParsedDataset {
  readonly kind: 'rir-delegated' | 'ip2asn';
  readonly name: string;
  readonly ranges: EnrichRange[];
  readonly issues: { line: number; reason: string }[];
}

const MAX_ISSUES = 200;
const CC = /^[A-Z]{2}$/;

function pushIssue(issues: { line: number; reason: string }[], line: number, reason: string): void {
  if (issues.length < MAX_ISSUES) issues.push({ line, reason });
}

/**
 * Parses RIR delegated statistics (APNIC, ARIN, RIPE, LACNIC, AFRINIC; "registry|cc|type|start|value|date|status"):
 * IPv4 ranges (start and address count), IPv6 prefixes, AS number ranges, each with its country.
 * @example parseDelegated(text).ranges[0] // { family: 0, start: 173, end: 173, country: 'JP', … }
 */
export function parseDelegated(text: string): ParsedDataset {
  const ranges: EnrichRange[] = [];
  const issues: { line: number; reason: string }[] = [];
  let registry = 'rir';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split('|');
    // The version line ("2|apnic|20260515|…") names the registry; summary lines have "*" as country.
    if (/^\d+(\.\d+)?$/.test(f[0]!)) {
      if (f[1]) registry = f[1].toLowerCase().replace(/[^a-z0-9-]/g, '');
      continue;
    }
    if (f[1] === '*' || f[5] === 'summary' || f.length < 7) continue;
    const [, cc, type, start, value] = f as [string, string, string, string, string];
    const status = f[6]!;
    if (status !== 'allocated' && status !== 'assigned') continue;
    const country = CC.test(cc) && cc !== 'ZZ' ? cc : null;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) {
      pushIssue(issues, i + 1, `value "${value}" is not a positive count`);
      continue;
    }
    if (type === 'ipv4') {
      const s = parseIpv4(start);
      if (typeof s === 'string') pushIssue(issues, i + 1, `start "${start}": ${s}`);
      else ranges.push({ family: 4, start: s, end: Math.min(s + n - 1, 0xffffffff), asn: null, country, holder: null });
    } else if (type === 'ipv6') {
      const s = ipv6Value(start);
      if (s === null || n > 128) pushIssue(issues, i + 1, `"${start}/${value}" is not an IPv6 prefix`);
      else {
        const host = n === 128 ? 0n : ((1n << 128n) - 1n) >> BigInt(n);
        ranges.push({ family: 6, start: s & ~host, end: (s & ~host) | host, asn: null, country, holder: null });
      }
    } else if (type === 'asn') {
      const s = Number(start);
      if (!Number.isSafeInteger(s) || s < 0) pushIssue(issues, i + 1, `AS number "${start}" is not a number`);
      else ranges.push({ family: 0, start: s, end: s + n - 1, asn: null, country, holder: null });
    }
  }
  if (ranges.length === 0 && issues.length === 0) issues.push({ line: 0, reason: 'no allocated or assigned records: is this a delegated statistics file?' });
  return { kind: 'rir-delegated', name: `delegated-${registry}`, ranges, issues };
}

/**
 * Parses an ip2asn TSV file (iptoasn.com: "range_start range_end AS_number country AS_description"),
 * IPv4 or IPv6. Unrouted ranges (AS 0) carry nothing and are left out.
 * @example parseIp2Asn('8.8.8.0\t8.8.8.255\t15169\tUS\tGOOGLE - Google LLC\n').ranges[0].holder // 'GOOGLE - Google LLC'
 */
export function parseIp2Asn(text: string): ParsedDataset {
  const ranges: EnrichRange[] = [];
  const issues: { line: number; reason: string }[] = [];
  const lines = text.split('\n');
  let v6 = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const f = raw.split('\t');
    if (f.length < 3) {
      pushIssue(issues, i + 1, `expected 5 tab-separated fields, found ${f.length}`);
      continue;
    }
    const asn = Number(f[2]);
    if (!Number.isSafeInteger(asn) || asn < 0) {
      pushIssue(issues, i + 1, `AS number "${f[2]!.slice(0, 20)}" is not a number`);
      continue;
    }
    if (asn === 0) continue;
    const cc = (f[3] ?? '').trim().toUpperCase();
    const holder = (f[4] ?? '').trim().slice(0, 300) || null;
    const country = CC.test(cc) && cc !== 'ZZ' ? cc : null;
    if (f[0]!.includes(':')) {
      const s = ipv6Value(f[0]!);
      const e = ipv6Value(f[1]!);
      if (s === null || e === null || e < s) pushIssue(issues, i + 1, `"${f[0]}" – "${f[1]}" is not an IPv6 range`);
      else {
        v6++;
        ranges.push({ family: 6, start: s, end: e, asn, country, holder });
      }
    } else {
      const s = parseIpv4(f[0]!);
      const e = parseIpv4(f[1]!);
      if (typeof s === 'string' || typeof e === 'string' || e < s) pushIssue(issues, i + 1, `"${f[0]}" – "${f[1]}" is not an IPv4 range`);
      else ranges.push({ family: 4, start: s, end: e, asn, country, holder });
    }
  }
  if (ranges.length === 0 && issues.length === 0) issues.push({ line: 0, reason: 'no routed ranges: is this an ip2asn TSV file?' });
  return { kind: 'ip2asn', name: v6 > ranges.length / 2 ? 'ip2asn-v6' : 'ip2asn-v4', ranges, issues };
}

/**
 * Recognises the format of an enrichment file by its first data line, and parses it; null when it is neither.
 * @example parseEnrichmentFile(readFileSync('delegated-apnic-latest', 'utf8'))?.name // 'delegated-apnic'
 */
export function parseEnrichmentFile(text: string): ParsedDataset | null {
  const first = text.split('\n', 200).find((l) => l.trim() !== '' && !l.startsWith('#'));
  if (first === undefined) return null;
  if (/^\d+(\.\d+)?\|[a-z]+\|/i.test(first) || /^[a-z]+\|[A-Z*]{1,2}\|(ipv4|ipv6|asn)\|/i.test(first)) return parseDelegated(text);
  if (first.split('\t').length >= 3) return parseIp2Asn(text);
  return null;
}
