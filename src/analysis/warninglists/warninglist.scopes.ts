// What a warninglist suppresses. "Never a correlation or root source" is not "never in a blocklist":
// a public resolver is neither, a C2 server on a cloud address is both, with a warning. Nothing is
// ever deleted: the data stays in the store, the correlation or the feed skips it, and the reason
// (which list, which scope) is recorded and shown.

/** The scopes a list may have. */
export const WARNINGLIST_SCOPES = ['never_correlate', 'never_blocklist', 'warn'] as const;
/** One of WARNINGLIST_SCOPES. */
export type WarninglistScope = (typeof WARNINGLIST_SCOPES)[number];

/** What each scope does, in words (CLI, API, warnings). */
export const SCOPE_MEANING: Readonly<Record<WarninglistScope, string>> = {
  never_correlate: 'never correlated, linked into clusters or scored as a root source',
  never_blocklist: 'never exported in blocklists (plain, CSV, JSON, RPZ, Suricata, hashes)',
  warn: 'kept in correlation and blocklists with a warning; its root-source score counts less',
};

/** Benign values: never a correlation, never blocked. */
export const SUPPRESS: readonly WarninglistScope[] = ['never_correlate', 'never_blocklist'];

/** Root-source score factor of a value on a warning list (shared infrastructure counts less). */
export const WARN_FACTOR = 0.5;

/**
 * Checks scopes given by an admin ("never_correlate,never_blocklist", "warn"); throws naming the bad one.
 * `warn` stands alone: a list that never correlates has nothing left to warn about there.
 * @example parseScopes('never_correlate,never_blocklist') // ['never_correlate', 'never_blocklist']
 */
export function parseScopes(raw: string | readonly string[]): WarninglistScope[] {
  const parts = (typeof raw === 'string' ? raw.split(/[\s,]+/) : [...raw]).map((s) => s.trim().toLowerCase().replaceAll('-', '_')).filter(Boolean);
  if (parts.length === 0) throw new Error(`scopes: give one or more of ${WARNINGLIST_SCOPES.join(', ')}`);
  const out: WarninglistScope[] = [];
  for (const p of parts) {
    if (!(WARNINGLIST_SCOPES as readonly string[]).includes(p)) throw new Error(`scopes: "${p.slice(0, 40)}" is not one of ${WARNINGLIST_SCOPES.join(', ')}`);
    if (!out.includes(p as WarninglistScope)) out.push(p as WarninglistScope);
  }
  if (out.includes('warn') && out.includes('never_correlate')) throw new Error('scopes: warn and never_correlate exclude each other (a value that never correlates has no score to lower)');
  return WARNINGLIST_SCOPES.filter((s) => out.includes(s));
}

/** Scopes as stored (unknown strings dropped; none left: suppress). */
export function scopesOf(stored: readonly string[] | null | undefined): WarninglistScope[] {
  const out = WARNINGLIST_SCOPES.filter((s) => stored?.includes(s));
  return out.length ? out : [...SUPPRESS];
}

// Shared infrastructure where anyone can rent an address or a name: a value there may well be
// malicious, so it is kept, with a warning. Matched on the list's slug and name.
const WARN_LISTS = /amazon|\baws\b|-aws|aws-|azure|\bgcp\b|-gcp|google-cloud|google cloud|cloudflare|oracle|ovh|digitalocean|linode|vultr|hetzner|akamai|fastly|\bcdn\b|cdn-|-cdn|dynamic[- ]dns|dyndns|ddns|dynamic domain/i;
// Scanners knock on every door: never a root source behind unrelated incidents, but blocking them is the member's call.
const CORRELATE_ONLY = /scanning|scanner/i;

/**
 * The scopes a list imported from MISP gets, from its slug and name: cloud ranges, CDNs and dynamic DNS
 * warn; scanners never correlate; everything else (RFC ranges, resolvers, top sites, URL shorteners,
 * security vendors, empty or false-positive hashes, sinkholes, TLDs) is suppressed from both.
 * @example defaultScopes('amazon-aws', 'List of known Amazon AWS IP address ranges') // ['warn']
 */
export function defaultScopes(slug: string, name: string): WarninglistScope[] {
  const text = `${slug} ${name}`;
  if (WARN_LISTS.test(text)) return ['warn'];
  if (CORRELATE_ONLY.test(text)) return ['never_correlate'];
  return [...SUPPRESS];
}

/** True when hits of these scopes never reach across a shared suffix (see the matcher): suppression must be precise, warnings may be broad. */
export function isPrecise(scopes: readonly WarninglistScope[]): boolean {
  return scopes.includes('never_correlate') || scopes.includes('never_blocklist');
}
