// Labels of the categories platform series count by: sectors, organisation kinds, observable types.

const SECTORS: Readonly<Record<string, readonly [string, string]>> = {
  finance: ['Financial institutions', '金融機関'],
  telecom: ['Telecommunications', '通信事業者'],
  ecommerce: ['E-commerce', '電子商取引事業者'],
  security_vendor: ['Security vendors', 'セキュリティ事業者'],
  critical_infrastructure: ['Critical infrastructure', '重要インフラ事業者'],
  other: ['Other industry', 'その他の事業者'],
  academia: ['Academia', '学術機関'],
  law_enforcement: ['Law enforcement', '法執行機関'],
  government: ['Government', '行政機関'],
  international_partner: ['International partners', '海外パートナー'],
  hub: ['The hub', 'ハブ（センター）'],
  total: ['Total', '合計'],
};

const TYPES: Readonly<Record<string, readonly [string, string]>> = {
  'ipv4-addr': ['IPv4 addresses', 'IPv4アドレス'],
  'ipv6-addr': ['IPv6 addresses', 'IPv6アドレス'],
  'domain-name': ['Domain names', 'ドメイン名'],
  url: ['URLs', 'URL'],
  file: ['File hashes', 'ファイルハッシュ'],
  'email-addr': ['E-mail addresses', 'メールアドレス'],
  'bank-account': ['Bank accounts', '銀行口座'],
  'phone-number': ['Phone numbers', '電話番号'],
  'cryptocurrency-wallet': ['Crypto wallets', '暗号資産ウォレット'],
  other: ['Other', 'その他'],
  total: ['Total', '合計'],
};

/** English and Japanese labels of a sector or organisation kind. */
export function sectorLabel(key: string): readonly [string, string] {
  return SECTORS[key] ?? [key, key];
}

/** English and Japanese labels of an observable type an indicator names. */
export function typeLabel(key: string): readonly [string, string] {
  return TYPES[key] ?? [key, key];
}

/** The sector categories, in display order. */
export const SECTOR_KEYS: readonly string[] = Object.keys(SECTORS).filter((k) => k !== 'total');
/** The observable-type categories, in display order. */
export const TYPE_KEYS: readonly string[] = Object.keys(TYPES).filter((k) => k !== 'total');
