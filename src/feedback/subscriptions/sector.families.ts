// Sector names arrive in three vocabularies: Kessetsu's organisation sectors ("finance"), the STIX
// industry-sector-ov ("financial-services") and free spellings in members' data ("Banking"). A
// family groups the names that mean the same sector, so "my sector targeted" hears all of them.
const FAMILIES: readonly (readonly string[])[] = [
  ['finance', 'financial-services', 'banking', 'financial', 'insurance'],
  ['telecom', 'telecommunications', 'communications', 'isp', 'internet-service-provider'],
  ['ecommerce', 'e-commerce', 'retail'],
  ['security_vendor', 'security-vendor', 'technology', 'security-monitoring'],
  ['critical_infrastructure', 'critical-infrastructure', 'infrastructure', 'energy', 'utilities', 'transportation'],
  ['academia', 'education', 'research'],
  ['law_enforcement', 'law-enforcement', 'government-public-services'],
  ['government', 'government-national', 'government-regional', 'government-local'],
  ['healthcare'],
  ['manufacturing'],
];

const BY_NAME = new Map<string, number>();
FAMILIES.forEach((names, i) => names.forEach((n) => BY_NAME.set(n, i)));

function canonical(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '-');
}

/**
 * The family of a sector name (the same number for synonyms), or the name itself when unknown.
 * @example sectorFamily('Financial Services') === sectorFamily('finance') // true
 */
export function sectorFamily(name: string): string {
  const c = canonical(name);
  const f = BY_NAME.get(c) ?? BY_NAME.get(c.replaceAll('-', '_'));
  return f === undefined ? c : `family:${f}`;
}
