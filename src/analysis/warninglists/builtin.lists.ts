import documentationDomains from './builtin/documentation-domains.json' with { type: 'json' };
import documentationRanges from './builtin/documentation-ranges.json' with { type: 'json' };
import emptyHashes from './builtin/empty-hashes.json' with { type: 'json' };
import ipEchoServices from './builtin/ip-echo-services.json' with { type: 'json' };
import publicResolverNames from './builtin/public-resolver-names.json' with { type: 'json' };
import publicResolvers from './builtin/public-resolvers.json' with { type: 'json' };
import securitySites from './builtin/security-sites.json' with { type: 'json' };
import sinkholes from './builtin/sinkholes.json' with { type: 'json' };
import specialRanges from './builtin/special-ranges.json' with { type: 'json' };
import specialUseDomains from './builtin/special-use-domains.json' with { type: 'json' };
import topSites from './builtin/top-sites.json' with { type: 'json' };
import { WARNINGLIST_TYPES, type WarninglistSpec, type WarninglistType } from './warninglist.parser.ts';
import { parseScopes } from './warninglist.scopes.ts';

// Kessetsu's own warninglists: data the project writes and versions (builtin/*.json, one list a
// file, entries grouped with a note saying what they are). Enabled on a new database, brought up to
// date when this release holds a newer version of a list (an admin's enabled flag and scopes stay).

/** The file format of a built-in list. */
interface BuiltinFile {
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly version: number;
  readonly type: string;
  readonly scopes: readonly string[];
  /** Kessetsu key types the list applies to: ipv4-addr, ipv6-addr, domain-name, url, file. */
  readonly applies_to: readonly string[];
  readonly entries: readonly { readonly note: string; readonly values: readonly string[] }[];
}

const FILES: readonly BuiltinFile[] = [
  publicResolvers,
  publicResolverNames,
  specialRanges,
  specialUseDomains,
  documentationRanges,
  documentationDomains,
  topSites,
  securitySites,
  emptyHashes,
  sinkholes,
  ipEchoServices,
];

/** Slugs of built-in lists start with this; imported lists cannot take it. */
export const BUILTIN_PREFIX = 'kessetsu-';

// Stored in MISP's terms (matching attributes), so a built-in list is a MISP list like any other.
const ATTRIBUTES_OF: Readonly<Record<string, readonly string[]>> = {
  'ipv4-addr': ['ip-src', 'ip-dst', 'domain|ip'],
  'ipv6-addr': ['ip-src', 'ip-dst', 'domain|ip'],
  'domain-name': ['domain', 'hostname', 'domain|ip'],
  url: ['url', 'uri'],
  file: ['md5', 'sha1', 'sha256', 'sha512', 'sha224', 'sha384', 'filename|md5', 'filename|sha1', 'filename|sha256', 'filename|sha512'],
};

function specOf(f: BuiltinFile): WarninglistSpec {
  if (!f.slug.startsWith(BUILTIN_PREFIX)) throw new Error(`built-in warninglist ${f.slug}: slug must start with ${BUILTIN_PREFIX}`);
  if (!(WARNINGLIST_TYPES as readonly string[]).includes(f.type)) throw new Error(`built-in warninglist ${f.slug}: unknown type ${f.type}`);
  if (!Number.isSafeInteger(f.version) || f.version < 1) throw new Error(`built-in warninglist ${f.slug}: version must be a positive integer`);
  const entries = [...new Set(f.entries.flatMap((g) => g.values.map((v) => v.trim()).filter(Boolean)))];
  return {
    slug: f.slug,
    name: f.name,
    description: f.description,
    version: f.version,
    type: f.type as WarninglistType,
    matchingAttributes: [
      ...new Set(
        f.applies_to.flatMap((t) => {
          const a = ATTRIBUTES_OF[t];
          if (!a) throw new Error(`built-in warninglist ${f.slug}: applies_to: unknown type ${t}`);
          return a;
        }),
      ),
    ],
    scopes: parseScopes(f.scopes),
    entries,
  };
}

/**
 * The built-in lists of this release.
 * @example builtinWarninglists().find((l) => l.slug === 'kessetsu-public-resolvers')?.entries.includes('8.8.8.8') // true
 */
export function builtinWarninglists(): WarninglistSpec[] {
  builtins ??= FILES.map(specOf); // start time (issue 17.3): built once per process, not per hub
  return [...builtins];
}

let builtins: WarninglistSpec[] | undefined;
