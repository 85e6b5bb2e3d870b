import type { StixObject } from '../../stix/stix.types.ts';

/** A MISP attribute type, category and value. */
export interface MispValue {
  readonly type: string;
  readonly category: string;
  readonly value: string;
}

// STIX hash names → MISP attribute types (the names parseMispEvent reads back).
const HASH_TYPES: Readonly<Record<string, string>> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512', SSDEEP: 'ssdeep', TLSH: 'tlsh', 'SHA3-256': 'sha3-256', 'SHA3-512': 'sha3-512' };
const NET = 'Network activity';
const PAYLOAD = 'Payload delivery';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/**
 * The MISP attributes one STIX object is, as the MISP importer would read them back into the same
 * object (same deterministic id): a file with a name and one hash as `filename|<hash>`, an e-mail
 * subject, a registry key with its value, addresses, names, CVEs. Objects MISP attributes cannot
 * carry answer [].
 * @example mispValuesOf({ type: 'file', id, name: 'a.exe', hashes: { MD5: '…' } }) // [{ type: 'filename|md5', value: 'a.exe|…' }]
 */
export function mispValuesOf(o: StixObject): MispValue[] {
  switch (o.type) {
    case 'ipv4-addr':
    case 'ipv6-addr':
      return str(o.value) ? [{ type: 'ip-dst', category: NET, value: String(o.value) }] : [];
    case 'domain-name':
      return str(o.value) ? [{ type: 'domain', category: NET, value: String(o.value) }] : [];
    case 'url':
      return str(o.value) ? [{ type: 'url', category: NET, value: String(o.value) }] : [];
    case 'email-addr':
      return str(o.value) ? [{ type: 'email-src', category: PAYLOAD, value: String(o.value) }] : [];
    case 'mac-addr':
      return str(o.value) ? [{ type: 'mac-address', category: NET, value: String(o.value) }] : [];
    case 'phone-number':
      return str(o.value) ? [{ type: 'phone-number', category: 'Other', value: String(o.value) }] : [];
    case 'autonomous-system':
      return typeof o.number === 'number' ? [{ type: 'AS', category: NET, value: String(o.number) }] : [];
    case 'vulnerability':
      return str(o.name) ? [{ type: 'vulnerability', category: 'External analysis', value: String(o.name) }] : [];
    case 'cryptocurrency-wallet':
      return o.chain === 'bitcoin' && str(o.address) ? [{ type: 'btc', category: 'Financial fraud', value: String(o.address) }] : [];
    case 'email-message':
      return str(o.subject) ? [{ type: 'email-subject', category: PAYLOAD, value: String(o.subject) }] : [];
    case 'windows-registry-key': {
      const key = str(o.key);
      if (!key) return [];
      const data = Array.isArray(o.values) ? str((o.values[0] as { data?: unknown } | undefined)?.data) : undefined;
      return [data ? { type: 'regkey|value', category: 'Persistence mechanism', value: `${key}|${data}` } : { type: 'regkey', category: 'Persistence mechanism', value: key }];
    }
    case 'file': {
      const hashes = Object.entries((o.hashes as Record<string, unknown> | undefined) ?? {}).filter(([algo, h]) => HASH_TYPES[algo] && str(h));
      const name = str(o.name);
      if (name && hashes.length === 1) {
        const [algo, h] = hashes[0]!;
        return [{ type: `filename|${HASH_TYPES[algo]}`, category: PAYLOAD, value: `${name}|${String(h)}` }];
      }
      const out: MispValue[] = hashes.map(([algo, h]) => ({ type: HASH_TYPES[algo]!, category: PAYLOAD, value: String(h) }));
      if (name && !hashes.length) out.push({ type: 'filename', category: PAYLOAD, value: name });
      return out;
    }
    default:
      return [];
  }
}

/** The MISP attribute of an index key (an indicator with no based-on observable), or undefined. */
export function mispValueOfKey(key: string): MispValue | undefined {
  const c = key.indexOf(':');
  const kind = key.slice(0, c);
  const v = key.slice(c + 1);
  if (kind === 'file') {
    const at = v.indexOf(':');
    const algo = { md5: 'MD5', 'sha-1': 'SHA-1', 'sha-256': 'SHA-256', 'sha-512': 'SHA-512' }[v.slice(0, at)];
    return algo ? { type: HASH_TYPES[algo]!, category: PAYLOAD, value: v.slice(at + 1) } : undefined;
  }
  if (kind === 'autonomous-system') return { type: 'AS', category: NET, value: v };
  if (kind === 'vulnerability') return { type: 'vulnerability', category: 'External analysis', value: v.toUpperCase() };
  if (kind === 'cryptocurrency-wallet') return v.startsWith('bitcoin:') ? { type: 'btc', category: 'Financial fraud', value: v.slice(8) } : undefined;
  const type = { 'ipv4-addr': 'ip-dst', 'ipv6-addr': 'ip-dst', 'domain-name': 'domain', url: 'url', 'email-addr': 'email-src', 'mac-addr': 'mac-address', 'phone-number': 'phone-number' }[kind];
  return type ? { type, category: type === 'email-src' ? PAYLOAD : NET, value: v } : undefined;
}
