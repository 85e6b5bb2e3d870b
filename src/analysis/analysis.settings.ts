// The deployment's analysis settings: defaults here, overrides stored in analysis_settings and
// changed with `kessetsu analyse --set name=value`. Every number that decides a score or a link.

/** How an indicator of one kind loses relevance: half-life in days, null for never. */
export interface DecaySetting {
  readonly halfLifeDays: number | null;
}

/** All analysis settings. */
export interface AnalysisSettings {
  /** A value connecting more objects than this is "too common": flagged, never used to link. */
  readonly tooCommon: number;
  /** Evidence a link needs to join two objects into one cluster. */
  readonly minEvidence: number;
  /** Smallest component kept as a cluster. */
  readonly minClusterSize: number;
  /** Evidence weight of a shared value, by key type (types not listed: defaultKeyWeight). */
  readonly keyWeights: Readonly<Record<string, number>>;
  readonly defaultKeyWeight: number;
  /** Evidence weight of a relationship or reference between two members. */
  readonly relationshipWeight: number;
  /** Weak values (weight below minEvidence) add up per pair only when they connect at most this many objects. */
  readonly weakPairMaxSet: number;
  /** Automatic analysis after ingests: wait this long after the last one. */
  readonly debounceMs: number;
  readonly autoRun: boolean;
  /** Correlate every ingest's values against the index after it commits. */
  readonly correlateOnIngest: boolean;
  /** Priority score from which a cluster is a referral candidate for law enforcement. */
  readonly referralThreshold: number;
  /** Recency: half-life in days of the recency factor of priorities and root sources. */
  readonly recencyHalfLifeDays: number;
  /** A value is kept as a root-source candidate when at least this many objects or organisations point at it. */
  readonly rootSourceMinConnections: number;
  /** Indicator decay by key type ("file" for hashes). */
  readonly decay: Readonly<Record<string, DecaySetting>>;
  readonly defaultDecay: DecaySetting;
  /** An indicator whose lifecycle score falls below this leaves blocklists (it stays searchable). */
  readonly indicatorMinScore: number;
  /** Confidence assumed when neither the object nor the contribution states one. */
  readonly defaultConfidence: number;
}

/** Defaults: IPs age in days, domains in weeks, hashes never. */
export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = {
  tooCommon: 1000,
  minEvidence: 1,
  minClusterSize: 2,
  keyWeights: {
    'ipv4-addr': 1,
    'ipv6-addr': 1,
    'domain-name': 1,
    url: 1,
    file: 1,
    'email-addr': 1,
    'bank-account': 1,
    'cryptocurrency-wallet': 1,
    'phone-number': 1,
    'x509-certificate': 1,
    'mac-addr': 0.5,
    'autonomous-system': 0.2,
    vulnerability: 0.2,
  },
  defaultKeyWeight: 0.5,
  relationshipWeight: 1,
  weakPairMaxSet: 16,
  debounceMs: 30_000,
  autoRun: true,
  correlateOnIngest: true,
  referralThreshold: 100,
  recencyHalfLifeDays: 30,
  rootSourceMinConnections: 2,
  decay: {
    'ipv4-addr': { halfLifeDays: 7 },
    'ipv6-addr': { halfLifeDays: 7 },
    url: { halfLifeDays: 14 },
    'domain-name': { halfLifeDays: 28 },
    'email-addr': { halfLifeDays: 60 },
    'phone-number': { halfLifeDays: 90 },
    'bank-account': { halfLifeDays: 180 },
    'cryptocurrency-wallet': { halfLifeDays: 180 },
    file: { halfLifeDays: null },
    'x509-certificate': { halfLifeDays: null },
  },
  defaultDecay: { halfLifeDays: 90 },
  indicatorMinScore: 20,
  defaultConfidence: 50,
};

const NUMBER_FIELDS = [
  'tooCommon',
  'minEvidence',
  'minClusterSize',
  'defaultKeyWeight',
  'relationshipWeight',
  'weakPairMaxSet',
  'debounceMs',
  'referralThreshold',
  'recencyHalfLifeDays',
  'rootSourceMinConnections',
  'indicatorMinScore',
  'defaultConfidence',
] as const;

const BOOLEAN_FIELDS = ['autoRun', 'correlateOnIngest'] as const;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * Settings from stored overrides over the defaults; values of the wrong type are ignored, never trusted.
 * @example mergeSettings({ tooCommon: 500, decay: { 'ipv4-addr': { halfLifeDays: 3 } } }).tooCommon // 500
 */
export function mergeSettings(stored: unknown, base: AnalysisSettings = DEFAULT_ANALYSIS_SETTINGS): AnalysisSettings {
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return base;
  const o = stored as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base };
  for (const f of NUMBER_FIELDS) {
    const v = num(o[f]);
    if (v !== undefined) out[f] = v;
  }
  for (const f of BOOLEAN_FIELDS) if (typeof o[f] === 'boolean') out[f] = o[f];
  if (o.keyWeights && typeof o.keyWeights === 'object') {
    const w: Record<string, number> = { ...base.keyWeights };
    for (const [k, v] of Object.entries(o.keyWeights as Record<string, unknown>)) if (num(v) !== undefined) w[k] = v as number;
    out.keyWeights = w;
  }
  if (o.decay && typeof o.decay === 'object') {
    const d: Record<string, DecaySetting> = { ...base.decay };
    for (const [k, v] of Object.entries(o.decay as Record<string, unknown>)) {
      const hl = (v as { halfLifeDays?: unknown } | null)?.halfLifeDays;
      if (hl === null || num(hl) !== undefined) d[k] = { halfLifeDays: hl === 0 ? null : (hl as number | null) };
    }
    out.decay = d;
  }
  return out as unknown as AnalysisSettings;
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (name: string): string => name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The settings as CLI and API print them: snake_case names like every JSON field (type names as keys stay).
 * @example settingsJson(DEFAULT_ANALYSIS_SETTINGS).too_common // 1000
 */
export function settingsJson(s: AnalysisSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'decay') out[k] = Object.fromEntries(Object.entries(v as Record<string, DecaySetting>).map(([t, d]) => [t, { half_life_days: d.halfLifeDays }]));
    else if (k === 'defaultDecay') out[snake(k)] = { half_life_days: (v as DecaySetting).halfLifeDays };
    else out[snake(k)] = v;
  }
  return out;
}

/**
 * Applies one "name=value" assignment (CLI `--set`) to stored overrides; throws with the reason when
 * the name is unknown or the value is not a number. Names as printed (too_common) or camelCase (tooCommon).
 * Nested: "decay.ipv4-addr=3", "key_weights.url=0.8".
 */
export function applySetting(stored: Record<string, unknown>, assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`"${assignment}": expected name=value`);
  const given = assignment.slice(0, eq).trim();
  const dotAt = given.indexOf('.');
  // Only the setting's own name changes spelling; a type after the dot (ipv4-addr) is kept as it is.
  const name = dotAt > 0 ? camel(given.slice(0, dotAt)) + given.slice(dotAt) : camel(given);
  const raw = assignment.slice(eq + 1).trim();
  const out = { ...stored };
  if ((BOOLEAN_FIELDS as readonly string[]).includes(name)) {
    if (raw !== 'true' && raw !== 'false') throw new Error(`${given}: expected true or false`);
    out[name] = raw === 'true';
    return out;
  }
  const value = raw === 'never' ? null : Number(raw);
  if (value !== null && (!Number.isFinite(value) || value < 0)) throw new Error(`${given}: "${raw}" is not a non-negative number`);
  const dot = name.indexOf('.');
  if (dot > 0 && (name.startsWith('decay.') || name.startsWith('keyWeights.'))) {
    const group = name.slice(0, dot);
    const key = name.slice(dot + 1);
    const prev = (stored[group] as Record<string, unknown> | undefined) ?? {};
    out[group] = { ...prev, [key]: group === 'decay' ? { halfLifeDays: value } : value };
    return out;
  }
  if (!(NUMBER_FIELDS as readonly string[]).includes(name)) throw new Error(`unknown setting "${given}"; known: ${[...NUMBER_FIELDS, ...BOOLEAN_FIELDS].map(snake).concat('decay.<type>', 'key_weights.<type>').join(', ')}`);
  if (value === null) throw new Error(`${given}: "never" applies to decay.<type> only`);
  out[name] = value;
  return out;
}
