import { makeObservable, ObservableError, type ValueKind } from '../../observables/observable.factory.ts';
import { deterministicId } from '../../stix/deterministic-id.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { cmp, patternOf, scoPattern, type PatternNode } from './ioc-pattern.builder.ts';
import { derivedId } from './stable-id.factory.ts';

/** Rule languages MISP carries as attributes; each becomes an indicator of that pattern_type. */
export type RuleType = 'yara' | 'snort' | 'suricata' | 'sigma';

/** What one MISP attribute value becomes. */
export type AttributeMapping =
  /** Observables (SCOs, or a vulnerability), and the pattern an indicator of them would carry. */
  | { readonly kind: 'observables'; readonly objects: readonly StixObject[]; readonly pattern: string | undefined }
  | { readonly kind: 'rule'; readonly patternType: RuleType; readonly rule: string }
  /** Free text kept as a STIX note. */
  | { readonly kind: 'note' }
  /** A reference (MISP "link"): an external reference of the report, not an observable. */
  | { readonly kind: 'link'; readonly url: string }
  /** Attribute types that only qualify an object (ports, dates, sizes): consumed by the object mapper. */
  | { readonly kind: 'qualifier' }
  | { readonly kind: 'unsupported' };

const HASH_KINDS: Readonly<Record<string, ValueKind>> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };
// Hash names of the STIX hash-algorithm-ov the factory does not normalise; kept as written.
const OTHER_HASHES: Readonly<Record<string, string>> = { 'sha3-256': 'SHA3-256', 'sha3-512': 'SHA3-512', ssdeep: 'SSDEEP', tlsh: 'TLSH' };
const RULES: Readonly<Record<string, RuleType>> = { yara: 'yara', snort: 'snort', suricata: 'suricata', sigma: 'sigma' };
const NOTES = new Set(['text', 'comment', 'other']);
const QUALIFIERS = new Set(['port', 'datetime', 'size-in-bytes', 'counter', 'float', 'boolean', 'mime-type', 'email-dst-display-name', 'email-src-display-name']);

/** True for a MISP type whose value is a file hash (md5, sha256, ssdeep, ...). */
export function isHashType(type: string): boolean {
  return type in HASH_KINDS || type in OTHER_HASHES;
}

/**
 * One file hash, normalised: the STIX algorithm name and the value.
 * @example fileHash('sha256', 'AB…') // ['SHA-256', 'ab…']
 */
export function fileHash(type: string, value: string): [string, string] {
  const kind = HASH_KINDS[type];
  if (kind) {
    const hashes = makeObservable(kind, value).object.hashes as Record<string, string> | undefined;
    const first = hashes && Object.entries(hashes)[0];
    if (!first) throw new ObservableError(type, value, 'no hash in the observable made of it');
    return first;
  }
  const algo = OTHER_HASHES[type];
  const v = value.trim();
  if (!algo || !v) throw new ObservableError(type, value, 'not a hash this importer knows');
  if (v.length > 1024 || /\s/.test(v)) throw new ObservableError(type, value, 'not a plausible hash value');
  return [algo, v];
}

/** A `file` SCO with the spec's id, from whatever of name, hashes and size is known. */
export function fileObject(props: { name?: string | undefined; hashes?: Record<string, string> | undefined; size?: number | undefined; mime_type?: string | undefined }): StixObject {
  const body: Record<string, unknown> = {};
  if (props.hashes && Object.keys(props.hashes).length > 0) body.hashes = props.hashes;
  if (props.name !== undefined) body.name = props.name;
  if (props.size !== undefined) body.size = props.size;
  if (props.mime_type !== undefined) body.mime_type = props.mime_type;
  const id = deterministicId('file', body) ?? derivedId('file', [body]);
  return { type: 'file', spec_version: '2.1', id, ...body };
}

/** The IP observable of a value, IPv6 when it has a colon. */
export function ipObservable(value: string): StixObject {
  return makeObservable(value.includes(':') ? 'ipv6-addr' : 'ipv4-addr', value).object;
}

function splitAt(value: string, last: boolean): [string, string] {
  const i = last ? value.lastIndexOf('|') : value.indexOf('|');
  if (i < 0) throw new ObservableError('composite', value, 'a composite MISP value needs "|" between its two parts');
  return [value.slice(0, i), value.slice(i + 1)];
}

function port(text: string, value: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ObservableError('port', value, 'port must be an integer 0-65535');
  return n;
}

function observables(objects: StixObject[], pattern?: string): AttributeMapping {
  return { kind: 'observables', objects, pattern: pattern ?? scoPattern(objects) };
}

function withPort(direction: 'src' | 'dst', target: StixObject, p: number): AttributeMapping {
  const nodes: PatternNode[] = [
    cmp('network-traffic', `${direction}_ref.type`, target.type),
    cmp('network-traffic', `${direction}_ref.value`, String(target.value)),
    cmp('network-traffic', `${direction}_port`, p),
  ];
  return observables([target], patternOf({ kind: 'and', children: nodes }));
}

/** A `vulnerability` for a CVE, or one named by another scheme's id (MVID, GHSA, ...). */
export function vulnerabilityObject(value: string): StixObject {
  const v = value.trim();
  if (/^cve-\d{4}-\d{4,}$/i.test(v)) return makeObservable('cve', v).object;
  if (!v || v.length > 200) throw new ObservableError('vulnerability', value, 'empty or too long for a vulnerability name');
  return { type: 'vulnerability', spec_version: '2.1', id: derivedId('vulnerability', [v.toLowerCase()]), name: v };
}

function simple(kind: ValueKind, value: string): AttributeMapping {
  return observables([makeObservable(kind, value).object]);
}

/**
 * What a MISP attribute of a type and value becomes; throws ObservableError when the value is bad for its type.
 * @example mapAttribute('ip-dst', '198.51.100.3') // { kind: 'observables', objects: [ipv4-addr], pattern: "[ipv4-addr:value = '198.51.100.3']" }
 */
export function mapAttribute(type: string, value: string): AttributeMapping {
  if (NOTES.has(type)) return { kind: 'note' };
  if (QUALIFIERS.has(type)) return { kind: 'qualifier' };
  const rule = RULES[type];
  if (rule) return { kind: 'rule', patternType: rule, rule: value };
  if (isHashType(type)) {
    const [algo, hash] = fileHash(type, value);
    return observables([fileObject({ hashes: { [algo]: hash } })]);
  }
  if (type.startsWith('filename|') || type === 'malware-sample') {
    const hashType = type === 'malware-sample' ? 'md5' : type.slice('filename|'.length);
    if (!isHashType(hashType)) return { kind: 'unsupported' };
    const [name, h] = splitAt(value, true);
    const [algo, hash] = fileHash(hashType, h);
    if (!name.trim()) throw new ObservableError(type, value, 'empty file name');
    return observables([fileObject({ name: name.trim(), hashes: { [algo]: hash } })]);
  }
  switch (type) {
    case 'ip-src':
    case 'ip-dst':
      return observables([ipObservable(value)]);
    case 'ip-src|port':
    case 'ip-dst|port': {
      const [ip, p] = splitAt(value, true);
      return withPort(type === 'ip-src|port' ? 'src' : 'dst', ipObservable(ip), port(p, value));
    }
    case 'domain':
    case 'hostname':
      return simple('domain-name', value);
    case 'hostname|port': {
      const [host, p] = splitAt(value, true);
      return withPort('dst', makeObservable('domain-name', host).object, port(p, value));
    }
    case 'domain|ip': {
      const [d, ip] = splitAt(value, true);
      const domain = makeObservable('domain-name', d).object;
      const addr = ipObservable(ip);
      const pattern = patternOf({
        kind: 'and',
        children: [cmp('domain-name', 'value', String(domain.value)), cmp('domain-name', 'resolves_to_refs[*].value', String(addr.value))],
      });
      return observables([domain, addr], pattern);
    }
    case 'url':
    case 'uri':
      // A MISP "uri" is often a bare path ("/gate.php"): only a URL with a scheme is an observable.
      if (type === 'uri' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return { kind: 'unsupported' };
      return simple('url', value);
    case 'link':
      return { kind: 'link', url: value.trim() };
    case 'email':
    case 'email-src':
    case 'email-dst':
    case 'email-reply-to':
      return simple('email-addr', value);
    case 'email-subject': {
      const subject = value.trim();
      if (!subject) throw new ObservableError(type, value, 'empty subject');
      const id = deterministicId('email-message', { subject }) ?? derivedId('email-message', [subject]);
      return observables([{ type: 'email-message', spec_version: '2.1', id, is_multipart: false, subject }]);
    }
    case 'email-attachment': {
      const name = value.trim();
      if (!name) throw new ObservableError(type, value, 'empty attachment name');
      const pattern = patternOf(cmp('email-message', 'body_multipart[*].body_raw_ref.name', name));
      return observables([fileObject({ name })], pattern);
    }
    case 'filename': {
      const name = value.trim();
      if (!name) throw new ObservableError(type, value, 'empty file name');
      return observables([fileObject({ name })]);
    }
    case 'AS':
      return simple('autonomous-system', value);
    case 'mac-address':
    case 'mac-eui-64':
      return simple('mac-addr', value);
    case 'btc':
      return simple('btc-address', value);
    case 'phone-number':
      return simple('phone-number', value);
    case 'vulnerability':
      return observables([vulnerabilityObject(value)], undefined);
    case 'regkey':
    case 'regkey|value': {
      const [key, data] = type === 'regkey' ? [value, undefined] : splitAt(value, false);
      const k = key.trim();
      if (!k) throw new ObservableError(type, value, 'empty registry key');
      const obj: StixObject = { type: 'windows-registry-key', spec_version: '2.1', id: deterministicId('windows-registry-key', { key: k })!, key: k };
      const nodes = [cmp('windows-registry-key', 'key', k)];
      if (data !== undefined && data.trim()) nodes.push(cmp('windows-registry-key', 'values[*].data', data.trim()));
      return observables([obj], patternOf({ kind: 'and', children: nodes }));
    }
    case 'mutex': {
      const name = value.trim();
      if (!name) throw new ObservableError(type, value, 'empty mutex name');
      return observables([{ type: 'mutex', spec_version: '2.1', id: deterministicId('mutex', { name })!, name }]);
    }
    case 'x509-fingerprint-md5':
    case 'x509-fingerprint-sha1':
    case 'x509-fingerprint-sha256': {
      const [algo, hash] = fileHash(type.slice('x509-fingerprint-'.length), value);
      const hashes = { [algo]: hash };
      return observables([{ type: 'x509-certificate', spec_version: '2.1', id: deterministicId('x509-certificate', { hashes })!, hashes }]);
    }
    default:
      return { kind: 'unsupported' };
  }
}
