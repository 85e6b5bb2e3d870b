// Per-type normalisation: each function returns the canonical value or throws ObservableError with
// the reason. The decisions (leading zeros refused, URL fragments dropped, …) are documented beside
// each function.

export { ObservableError } from './observable.error.ts';
export { normalizeIpv4, parseIpv4 } from './ip.normalize.ts';
export { normalizeIpv6, parseIpv6 } from './ipv6.normalize.ts';
export { normalizeDomain, normalizeDomainAs, domainDisplay, normalizeEmail, emailDisplay } from './domain.normalize.ts';
export type { DomainOptions, EmailOptions } from './domain.normalize.ts';
export { normalizeUrl, urlDisplay } from './url.normalize.ts';
export type { UrlOptions } from './url.normalize.ts';
export { normalizeHash, normalizeMac, normalizeAsn, normalizeCve, HASH_LENGTH, STIX_HASH_NAME } from './identifier.normalize.ts';
export type { HashKind } from './identifier.normalize.ts';
export { normalizePhone } from './phone.normalize.ts';
export type { PhoneOptions } from './phone.normalize.ts';
export { normalizeBitcoin, normalizeEthereum, ethereumDisplay } from './crypto-wallet.normalize.ts';
export { normalizeBankAccount, normalizeHolderName } from './bank-account.normalize.ts';
export type { BankAccount, BankAccountInput, JapaneseAccountType } from './bank-account.normalize.ts';
