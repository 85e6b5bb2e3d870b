import { pathText, type ComparisonExpression, type ObjectPath, type ObservationExpression, type PatternLiteral } from './pattern.ast.ts';
import { parsePattern } from './pattern.parser.ts';
import { hashAlgorithmKey } from './pattern.semantics.ts';
import { normalizeIpv4 } from './ip.normalize.ts';
import { normalizeIpv6 } from './ipv6.normalize.ts';
import { normalizeDomain, normalizeEmail } from './domain.normalize.ts';
import { normalizeUrl } from './url.normalize.ts';
import { normalizeAsn, normalizeHash, normalizeMac, type HashKind } from './identifier.normalize.ts';
import { normalizePhone } from './phone.normalize.ts';
import { normalizeBitcoin, normalizeEthereum } from './crypto-wallet.normalize.ts';
import { normalizeBankAccount } from './bank-account.normalize.ts';
import { keyOfCanonical } from './observable.keys.ts';

/** What an indicator's pattern gives the matcher: the observable keys it matches on, if any. */
export interface PatternKeys {
  /** True when at least one key was found: a match on any key makes an object a candidate. */
  readonly usable: boolean;
  readonly keys: string[];
  /** Why nothing (or not everything) can be matched by key. */
  readonly reason?: string;
}

// complete: every match of the expression involves one of `keys`, so looking up the keys misses nothing.
interface Found {
  readonly keys: readonly string[];
  readonly complete: boolean;
  readonly reasons: readonly string[];
}

type Reader = (value: PatternLiteral) => string;

const LENIENT = { requirePublicSuffix: false } as const;
const HASH_KIND: Readonly<Record<string, HashKind>> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
const HASH_BY_LENGTH: Readonly<Record<number, HashKind>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

function text(v: PatternLiteral): string {
  if (v.type !== 'string') throw new Error(`${/^[aeiou]/.test(v.type) ? 'an' : 'a'} ${v.type} literal where a string is expected`);
  return v.value;
}

function host(value: string): string {
  if (value.includes(':')) return keyOfCanonical('ipv6-addr', normalizeIpv6(value));
  if (/^[0-9./]+$/.test(value)) return keyOfCanonical('ipv4-addr', normalizeIpv4(value));
  return keyOfCanonical('domain-name', normalizeDomain(value, LENIENT));
}

function wallet(value: string): string {
  if (/^0x/i.test(value)) return keyOfCanonical('eth-address', normalizeEthereum(value));
  return keyOfCanonical('btc-address', normalizeBitcoin(value));
}

function asn(v: PatternLiteral): string {
  const n = v.type === 'int' ? v.value : normalizeAsn(text(v));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('not an AS number');
  return `autonomous-system:${n}`;
}

// The paths the matcher knows, written with every list index as [*].
const READERS: Readonly<Record<string, Reader>> = {
  'ipv4-addr:value': (v) => keyOfCanonical('ipv4-addr', normalizeIpv4(text(v))),
  'ipv6-addr:value': (v) => keyOfCanonical('ipv6-addr', normalizeIpv6(text(v))),
  'domain-name:value': (v) => keyOfCanonical('domain-name', normalizeDomain(text(v), LENIENT)),
  'url:value': (v) => keyOfCanonical('url', normalizeUrl(text(v))),
  'email-addr:value': (v) => keyOfCanonical('email-addr', normalizeEmail(text(v), LENIENT)),
  'email-message:from_ref.value': (v) => keyOfCanonical('email-addr', normalizeEmail(text(v), LENIENT)),
  'email-message:sender_ref.value': (v) => keyOfCanonical('email-addr', normalizeEmail(text(v), LENIENT)),
  'network-traffic:dst_ref.value': (v) => host(text(v)),
  'network-traffic:src_ref.value': (v) => host(text(v)),
  'domain-name:resolves_to_refs[*].value': (v) => host(text(v)),
  'autonomous-system:number': asn,
  'mac-addr:value': (v) => keyOfCanonical('mac-addr', normalizeMac(text(v))),
  'phone-number:value': (v) => keyOfCanonical('phone-number', normalizePhone(text(v))),
  'cryptocurrency-wallet:address': (v) => wallet(text(v)),
};

const NOT_IDENTITIES: Readonly<Record<string, string>> = {
  'file:name': 'file names are not identities (only hashes are indexed)',
  'file:size': 'file sizes are not identities',
};

function shape(path: ObjectPath): string {
  let out = `${path.objectType}:`;
  path.steps.forEach((s, i) => {
    out += s.kind === 'index' ? '[*]' : i === 0 ? s.key : `.${s.key}`;
  });
  return out;
}

function hashReader(path: ObjectPath): Reader | undefined {
  if ((path.objectType !== 'file' && path.objectType !== 'x509-certificate') || path.steps.length !== 2) return undefined;
  const [first, second] = path.steps;
  if (first?.kind !== 'key' || first.key !== 'hashes' || !second) return undefined;
  const prefix = path.objectType;
  if (second.kind === 'index') {
    return (v) => {
      const hex = text(v).trim();
      const kind = HASH_BY_LENGTH[hex.length];
      if (!kind) throw new Error(`a hash of ${hex.length} characters is none of MD5, SHA-1, SHA-256, SHA-512`);
      return `${prefix}:${keyOfCanonical(kind, normalizeHash(kind, hex)).slice('file:'.length)}`;
    };
  }
  const kind = HASH_KIND[hashAlgorithmKey(second.key)];
  if (!kind) return undefined;
  return (v) => `${prefix}:${keyOfCanonical(kind, normalizeHash(kind, text(v))).slice('file:'.length)}`;
}

const unusable = (reason: string): Found => ({ keys: [], complete: false, reasons: [reason] });

function fromTest(test: Extract<ComparisonExpression, { kind: 'test' }>): Found {
  const where = pathText(test.path);
  if (test.negated) return unusable(`${where} NOT ${test.operator}: a negation is not an equality`);
  if (test.operator !== '=' && test.operator !== 'IN') return unusable(`${where} ${test.operator}: not an equality`);
  const key = shape(test.path);
  const read = READERS[key] ?? hashReader(test.path);
  if (!read) return unusable(`${where}: ${NOT_IDENTITIES[key] ?? 'not a path the matcher indexes'}`);
  const values: readonly PatternLiteral[] = Array.isArray(test.value) ? test.value : [test.value as PatternLiteral];
  const keys: string[] = [];
  const reasons: string[] = [];
  for (const v of values) {
    try {
      keys.push(read(v));
    } catch (e) {
      reasons.push(`${where} = ${v.text}: ${(e as Error).message}`);
    }
  }
  return { keys, complete: reasons.length === 0 && keys.length > 0, reasons: keys.length || reasons.length ? reasons : [`${where} IN (): empty set`] };
}

// A bank account is identified by four fields together, so they must be compared in one AND.
function bankAccount(tests: readonly ComparisonExpression[]): Found | undefined {
  const fields: Record<string, string> = {};
  for (const t of tests) {
    if (t.kind !== 'test' || t.path.objectType !== 'bank-account' || t.operator !== '=' || t.negated || t.path.steps.length !== 1) continue;
    const step = t.path.steps[0]!;
    const v = t.value as PatternLiteral;
    if (step.kind === 'key' && v.type === 'string') fields[step.key] = v.value;
  }
  if (!fields.account_number) return undefined;
  try {
    const a = normalizeBankAccount({ country: fields.country, bank_code: fields.bank_code ?? '', branch_code: fields.branch_code ?? '', account_type: fields.account_type ?? '', account_number: fields.account_number });
    return { keys: [`bank-account:${a.country}:${a.bank_code}:${a.branch_code}:${a.account_type}:${a.account_number}`], complete: true, reasons: [] };
  } catch (e) {
    return unusable(`bank-account: ${(e as Error).message}`);
  }
}

function merge(parts: readonly Found[], complete: boolean): Found {
  return { keys: parts.flatMap((p) => p.keys), complete, reasons: parts.flatMap((p) => p.reasons) };
}

function fromComparison(c: ComparisonExpression): Found {
  switch (c.kind) {
    case 'test':
      return c.path.objectType === 'bank-account' ? (bankAccount([c]) ?? unusable(`${pathText(c.path)}: bank accounts need bank_code, branch_code, account_type and account_number compared with = in one AND`)) : fromTest(c);
    case 'exists':
      return unusable(`EXISTS ${pathText(c.path)}: not an equality`);
    case 'and': {
      const bank = bankAccount(c.operands);
      const rest = c.operands.filter((o) => !(bank && o.kind === 'test' && o.path.objectType === 'bank-account')).map(fromComparison);
      const parts = bank ? [bank, ...rest] : rest;
      return merge(parts, parts.some((p) => p.complete));
    }
    case 'or': {
      const parts = c.operands.map(fromComparison);
      return merge(parts, parts.every((p) => p.complete));
    }
  }
}

function fromObservation(o: ObservationExpression): Found {
  switch (o.kind) {
    case 'observation':
      return fromComparison(o.comparison);
    case 'qualified':
      return fromObservation(o.expression);
    case 'or': {
      const parts = o.operands.map(fromObservation);
      return merge(parts, parts.every((p) => p.complete));
    }
    default: {
      // AND and FOLLOWEDBY need every operand to match, so one complete operand is enough.
      const parts = o.operands.map(fromObservation);
      return merge(parts, parts.some((p) => p.complete));
    }
  }
}

function summary(reasons: readonly string[]): string {
  const unique = [...new Set(reasons)];
  const shown = unique.slice(0, 3).join('; ');
  return unique.length > 3 ? `${shown}; and ${unique.length - 3} more` : shown;
}

/**
 * The observable keys an indicator's STIX pattern matches on (same format as observableKeys,
 * values normalised), from "=" and "IN" comparisons on the paths the matcher knows. OR gives the
 * union, AND keeps every key (a match on any key is a candidate). usable is false, with a reason,
 * when there is no such comparison (only LIKE, MATCHES, !=, unknown paths, …) or the pattern does
 * not parse; a reason beside usable: true says that some OR branch cannot be matched by key.
 * @example patternKeys("[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'Example.com']").keys
 * // ['ipv4-addr:198.51.100.1', 'domain-name:example.com']
 */
export function patternKeys(pattern: string): PatternKeys {
  const parsed = parsePattern(pattern);
  if (!parsed.ok) return { usable: false, keys: [], reason: `pattern does not parse at ${parsed.position}: ${parsed.error}` };
  const found = fromObservation(parsed.ast);
  const keys = [...new Set(found.keys)];
  if (keys.length === 0) return { usable: false, keys, reason: summary(found.reasons) || 'no equality on an indexed path' };
  if (!found.complete) return { usable: true, keys, reason: `partial: some branches cannot be matched by key: ${summary(found.reasons)}` };
  return { usable: true, keys };
}
