import { makeBankAccount, makeObservable, ObservableError } from '../../observables/observable.factory.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { isSco } from '../../stix/stix.types.ts';
import { deterministicId } from '../../stix/deterministic-id.ts';
import { scoPattern } from './ioc-pattern.builder.ts';
import { fileHash, fileObject, isHashType, mapAttribute, type RuleType } from './misp-attribute.mapper.ts';

/** One attribute of a MISP object, already read from the JSON. */
export interface ObjectAttribute {
  readonly index: number;
  readonly type: string;
  readonly value: string;
  readonly relation: string;
}

/** What a MISP object becomes. */
export interface ObjectMapping {
  readonly observables: StixObject[];
  /** The pattern matching the object as a whole (its observables ANDed), if it has any SCO. */
  readonly pattern: string | undefined;
  readonly rules: { readonly attribute: ObjectAttribute; readonly patternType: RuleType }[];
  readonly links: { readonly attribute: ObjectAttribute; readonly url: string }[];
  /** Attributes whose value was bad for their type. */
  readonly errors: { readonly attribute: ObjectAttribute; readonly reason: string }[];
  /** Attributes kept as context only, by type (text, datetime, port, section hashes, ...). */
  readonly ignored: string[];
}

// Objects whose hashes describe a part of a file (a PE section) or an analysis, not a file of their own:
// turning them into `file` observables would index section hashes as if they were samples.
const NO_OBSERVABLES = new Set(['pe-section', 'elf-section', 'macho-section', 'pe', 'elf', 'macho', 'virustotal-report', 'original-imported-file', 'report', 'annotation']);

function fileOf(attrs: readonly ObjectAttribute[], out: ObjectMapping): StixObject | undefined {
  let name: string | undefined;
  let size: number | undefined;
  let mime: string | undefined;
  const hashes: Record<string, string> = {};
  for (const a of attrs) {
    try {
      if (isHashType(a.type)) {
        const [algo, hash] = fileHash(a.type, a.value);
        hashes[algo] ??= hash;
      } else if (a.type === 'malware-sample' || a.type.startsWith('filename|')) {
        const i = a.value.lastIndexOf('|');
        if (i < 0) throw new ObservableError(a.type, a.value, 'a composite MISP value needs "|" between its two parts');
        const [algo, hash] = fileHash(a.type === 'malware-sample' ? 'md5' : a.type.slice('filename|'.length), a.value.slice(i + 1));
        hashes[algo] ??= hash;
        name ??= a.value.slice(0, i).trim() || undefined;
      } else if (a.type === 'filename' && a.value.trim()) {
        name ??= a.value.trim();
      } else if (a.type === 'size-in-bytes') {
        const n = Number(a.value);
        if (Number.isSafeInteger(n) && n >= 0) size ??= n;
        else out.errors.push({ attribute: a, reason: 'size-in-bytes must be a non-negative integer' });
      } else if (a.type === 'mime-type' && a.value.trim()) {
        mime ??= a.value.trim();
      } else {
        out.ignored.push(a.type);
      }
    } catch (e) {
      out.errors.push({ attribute: a, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  if (!name && Object.keys(hashes).length === 0) return undefined;
  return fileObject({ name, hashes, size, mime_type: mime });
}

function x509Of(attrs: readonly ObjectAttribute[], out: ObjectMapping): StixObject | undefined {
  const hashes: Record<string, string> = {};
  let serial: string | undefined;
  for (const a of attrs) {
    try {
      if (a.type.startsWith('x509-fingerprint-')) {
        const [algo, hash] = fileHash(a.type.slice('x509-fingerprint-'.length), a.value);
        hashes[algo] ??= hash;
      } else if (a.relation === 'serial-number' && a.value.trim()) {
        serial ??= a.value.trim();
      } else {
        out.ignored.push(a.type);
      }
    } catch (e) {
      out.errors.push({ attribute: a, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const props: Record<string, unknown> = {};
  if (Object.keys(hashes).length > 0) props.hashes = hashes;
  if (serial) props.serial_number = serial;
  const id = deterministicId('x509-certificate', props);
  return id ? { type: 'x509-certificate', spec_version: '2.1', id, ...props } : undefined;
}

// A vulnerability object's description (or summary) describes the vulnerability it names; CVE objects
// are shared stubs that every producer must emit byte-identical, so only other schemes get it.
function describeVulnerability(out: ObjectMapping, attrs: readonly ObjectAttribute[]): void {
  const text = (attrs.find((a) => a.relation === 'description') ?? attrs.find((a) => a.relation === 'summary'))?.value.trim();
  const i = out.observables.findIndex((o) => o.type === 'vulnerability' && !/^CVE-/i.test(String(o.name)));
  if (!text || i < 0) return;
  out.observables[i] = { ...out.observables[i]!, description: text.slice(0, 10_000) };
}

// goAML account types as MISP writes them, in the words the bank-account normaliser knows.
const ACCOUNT_TYPES: Readonly<Record<string, string>> = { 'personal current': 'ordinary', savings: 'savings', business: 'current' };

// A MISP bank-account object as a Kessetsu bank-account (Japanese accounts: bank, branch, type, number).
function bankAccountOf(attrs: readonly ObjectAttribute[], out: ObjectMapping): StixObject | undefined {
  const by = (relation: string) => attrs.find((a) => a.relation === relation)?.value.trim() || undefined;
  const rawType = by('personal-account-type')?.replace(/^[A-Z]\s*-\s*/, '');
  const fields = {
    bank_code: by('institution-code') ?? '',
    branch_code: by('branch') ?? '',
    account_type: ACCOUNT_TYPES[rawType?.toLowerCase() ?? ''] ?? rawType ?? 'futsu',
    account_number: by('account') ?? '',
    ...(by('account-name') ? { holder_name: by('account-name')! } : {}),
    ...(by('institution-name') ? { bank_name: by('institution-name')! } : {}),
  };
  try {
    return makeBankAccount(fields).object;
  } catch {
    out.ignored.push('account that is not Japanese (bank code, branch code, number)');
    return undefined;
  }
}

// A MISP coin-address object: the address, on the chain its symbol names.
function walletOf(attrs: readonly ObjectAttribute[], out: ObjectMapping): StixObject | undefined {
  const address = attrs.find((a) => a.relation === 'address')?.value;
  const symbol = (attrs.find((a) => a.relation === 'symbol')?.value ?? 'BTC').trim().toUpperCase();
  const kind = symbol === 'BTC' ? 'btc-address' : symbol === 'ETH' ? 'eth-address' : undefined;
  if (!address || !kind) {
    out.ignored.push(`coin-address ${kind ? 'without an address' : `on chain ${symbol.slice(0, 10)}`}`);
    return undefined;
  }
  try {
    return makeObservable(kind, address).object;
  } catch (e) {
    const a = attrs.find((x) => x.relation === 'address')!;
    out.errors.push({ attribute: a, reason: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/**
 * Maps a MISP object: a file object's hashes, name and size make one `file`; an x509 object one certificate;
 * other objects give an observable per attribute of an observable type.
 * @example mapMispObject('domain-ip', [{ index: 0, type: 'domain', value: 'example.com', relation: 'domain' }]).pattern
 * // "[domain-name:value = 'example.com']"
 */
export function mapMispObject(name: string, attrs: readonly ObjectAttribute[]): ObjectMapping {
  const out: ObjectMapping = { observables: [], pattern: undefined, rules: [], links: [], errors: [], ignored: [] };
  const seen = new Set<string>();
  const keep = (obj: StixObject | undefined): void => {
    if (obj && !seen.has(obj.id)) {
      seen.add(obj.id);
      out.observables.push(obj);
    }
  };
  const rest = attrs.filter((a) => {
    if (a.type !== 'link') return true;
    out.links.push({ attribute: a, url: a.value.trim() });
    return false;
  });
  if (NO_OBSERVABLES.has(name)) {
    for (const a of rest) out.ignored.push(a.type);
    return out;
  }
  if (name === 'file') keep(fileOf(rest, out));
  else if (name === 'x509') keep(x509Of(rest, out));
  else if (name === 'bank-account') keep(bankAccountOf(rest, out));
  else if (name === 'coin-address') keep(walletOf(rest, out));
  else {
    for (const a of rest) {
      if (name === 'vulnerability' && (a.relation === 'description' || a.relation === 'summary')) continue;
      try {
        const m = mapAttribute(a.type, a.value);
        if (m.kind === 'observables') m.objects.forEach(keep);
        else if (m.kind === 'rule') out.rules.push({ attribute: a, patternType: m.patternType });
        else out.ignored.push(a.type);
      } catch (e) {
        out.errors.push({ attribute: a, reason: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  if (name === 'vulnerability') describeVulnerability(out, rest);
  return { ...out, pattern: scoPattern(out.observables.filter((o) => isSco(o.type))) };
}
