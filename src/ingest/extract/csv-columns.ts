import type { ValueKind } from '../../observables/observable.factory.ts';
import { extractIndicators } from './indicator.extractor.ts';

/** What a value column or a type cell says of its values: a kind, or a family to be told apart by the value. */
export type KindHint = ValueKind | 'ip' | 'hash' | undefined;

/** Which column plays which part; indexes into a record's fields. */
export interface ColumnPlan {
  readonly values: ReadonlyArray<{ readonly index: number; readonly header: string; readonly hint: KindHint }>;
  readonly type?: number;
  readonly date?: number;
  readonly tags?: number;
  readonly comment?: number;
  readonly brand?: number;
  readonly tlp?: number;
  readonly filename?: number;
  /** Headers no part was found for. */
  readonly unused: readonly string[];
  /** A known list layout, e.g. the JPCERT/CC phishing URL list (date, URL, description = brand). */
  readonly profile?: 'jpcert-phishing';
}

// Header spellings, compared after lower-casing and turning spaces and hyphens into underscores.
const KIND_NAMES: ReadonlyArray<readonly [KindHint, readonly string[]]> = [
  [undefined, ['value', 'indicator', 'ioc', 'ioc_value', 'indicator_value', 'observable', 'observable_value', 'attribute_value', '値', '指標']],
  ['url', ['url', 'uri', 'link', 'phishing_url', 'フィッシングurl', 'url_address']],
  ['domain-name', ['domain', 'domain_name', 'hostname', 'host', 'fqdn', 'ドメイン', 'ドメイン名']],
  ['ip', ['ip', 'ip_address', 'ipaddress', 'ip_dst', 'ip_src', 'dst_ip', 'src_ip', 'ipアドレス', 'ipv4', 'ipv4_address']],
  ['ipv6-addr', ['ipv6', 'ipv6_address']],
  ['email-addr', ['email', 'e_mail', 'email_address', 'email_src', 'email_dst', 'mail', 'メールアドレス']],
  ['md5', ['md5', 'md5_hash']],
  ['sha1', ['sha1', 'sha_1', 'sha1_hash']],
  ['sha256', ['sha256', 'sha_256', 'sha256_hash']],
  ['sha512', ['sha512', 'sha_512']],
  ['hash', ['hash', 'file_hash', 'filehash', 'ハッシュ', 'ハッシュ値']],
  ['cve', ['cve', 'cve_id', 'vulnerability']],
  ['btc-address', ['btc', 'bitcoin', 'btc_address']],
  ['eth-address', ['eth', 'ethereum', 'eth_address']],
  ['phone-number', ['phone', 'phone_number', 'tel', 'telephone', '電話番号']],
  ['autonomous-system', ['asn', 'as_number', 'asnumber', 'autonomous_system', 'as番号']],
];
const ROLE_NAMES: ReadonlyArray<readonly [Exclude<keyof ColumnPlan, 'values' | 'unused' | 'profile'>, readonly string[]]> = [
  ['type', ['type', 'kind', 'ioc_type', 'indicator_type', 'attribute_type', 'value_type', '種別', '種類', 'タイプ']],
  ['date', ['first_seen', 'firstseen', 'first_seen_utc', 'date', 'datetime', 'timestamp', 'date_added', 'dateadded', 'created', '日時', '日付', '確認日', '確認日時', '発見日', '観測日時']],
  ['tags', ['tags', 'tag', 'labels', 'label', 'タグ', 'ラベル']],
  ['comment', ['comment', 'comments', 'description', 'note', 'notes', 'info', '備考', '説明', '内容', 'コメント']],
  ['brand', ['brand', 'target', 'targeted_brand', 'brand_name', 'ブランド', '対象', '標的', '偽装ブランド', 'なりすまし対象']],
  ['tlp', ['tlp']],
  ['filename', ['filename', 'file_name', 'name', 'ファイル名']],
];

const KIND_OF_HEADER = new Map<string, KindHint>();
for (const [hint, names] of KIND_NAMES) for (const n of names) KIND_OF_HEADER.set(n, hint);
const ROLE_OF_HEADER = new Map<string, (typeof ROLE_NAMES)[number][0]>();
for (const [role, names] of ROLE_NAMES) for (const n of names) ROLE_OF_HEADER.set(n, role);

function norm(header: string): string {
  return header.replace(/^\ufeff/, '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * Finds the value, type, date, tags, comment, brand, TLP and file-name columns of a header row
 * (English or Japanese names, any case); undefined when no column holds values.
 * @example planColumns(['date', 'URL', 'description']).profile // 'jpcert-phishing'
 */
export function planColumns(header: readonly string[]): ColumnPlan | undefined {
  const names = header.map(norm);
  const values: Array<{ index: number; header: string; hint: KindHint }> = [];
  const roles: Record<string, number> = {};
  const unused: string[] = [];
  names.forEach((n, index) => {
    if (KIND_OF_HEADER.has(n)) values.push({ index, header: header[index]!.trim(), hint: KIND_OF_HEADER.get(n) });
    else if (ROLE_OF_HEADER.has(n) && roles[ROLE_OF_HEADER.get(n)!] === undefined) roles[ROLE_OF_HEADER.get(n)!] = index;
    else if (n !== '') unused.push(header[index]!.trim());
  });
  if (values.length === 0) return undefined;
  // JPCERT/CC's phishing URL lists say "description" for the brand the site imitates.
  const jpcert = names.length === 3 && names[0] === 'date' && names[1] === 'url' && names[2] === 'description';
  if (jpcert) return { values, date: 0, brand: 2, unused, profile: 'jpcert-phishing' };
  return { values, ...roles, unused };
}

const TYPE_NAMES: ReadonlyArray<readonly [KindHint, readonly string[]]> = [
  ['ip', ['ip', 'ipv4', 'ip_dst', 'ip_src', 'ip_address', 'ipv4_addr', 'ipアドレス', 'ip_dst|port', 'ip_src|port']],
  ['ipv6-addr', ['ipv6', 'ipv6_addr']],
  ['domain-name', ['domain', 'domain_name', 'hostname', 'host', 'fqdn', 'ドメイン']],
  ['url', ['url', 'uri', 'link', 'ＵＲＬ']],
  ['email-addr', ['email', 'e_mail', 'email_addr', 'email_src', 'email_dst', 'mail', 'メールアドレス']],
  ['md5', ['md5']],
  ['sha1', ['sha1', 'sha_1']],
  ['sha256', ['sha256', 'sha_256']],
  ['sha512', ['sha512', 'sha_512']],
  ['hash', ['hash', 'filehash', 'file_hash', 'ハッシュ']],
  ['cve', ['cve', 'vulnerability']],
  ['btc-address', ['btc', 'bitcoin', 'btc_address']],
  ['eth-address', ['eth', 'ethereum', 'eth_address']],
  ['phone-number', ['phone', 'phone_number', 'tel', '電話番号']],
  ['autonomous-system', ['asn', 'as', 'as_number', 'autonomous_system', 'autonomous-system', 'as番号']],
];
const KIND_OF_TYPE = new Map<string, KindHint>();
for (const [hint, names] of TYPE_NAMES) for (const n of names) KIND_OF_TYPE.set(n, hint);

/** The kind a type cell names ("ip-dst", "domain", "SHA256", "URL"), or null when it names none we know. */
export function kindOfTypeCell(cell: string): KindHint | null {
  const n = norm(cell);
  return KIND_OF_TYPE.has(n) ? KIND_OF_TYPE.get(n) : null;
}

const HASH_BY_LENGTH: Readonly<Record<number, ValueKind>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const HEX = /^[0-9a-f]+$/i;
const IPV4ISH = /^[0-9.[\]/]+$/;

/**
 * The kind of one value given what its column or type cell says: hashes by length, IPs by
 * version, and values of unknown kind as the extractor reads them when it takes the whole value.
 */
export function resolveKind(hint: KindHint, value: string): ValueKind | undefined {
  const v = value.trim();
  if (hint === 'hash') return HEX.test(v) ? HASH_BY_LENGTH[v.length] : undefined;
  if (hint === 'ip') return v.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
  if (hint !== undefined) return hint;
  if (HEX.test(v) && HASH_BY_LENGTH[v.length]) return HASH_BY_LENGTH[v.length];
  if (IPV4ISH.test(v)) return 'ipv4-addr';
  const whole = extractIndicators(v).find((e) => e.offset === 0 && e.raw.length === v.length);
  return whole && whole.kind !== 'bank-account' ? whole.kind : undefined;
}
