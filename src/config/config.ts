import path from 'node:path';
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { Secret } from './secret.ts'; // neutralise (issue 12): the S3 secret never printed
import { PGLITE_MAX_WAL_MB, PGLITE_SHARED_BUFFERS_MB } from '../db/db.settings.ts';

/** Everything the process needs from its environment, parsed once at start-up. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL connection string; PGlite in dataDir when absent. */
  readonly databaseUrl: string | undefined;
  /** PGlite's shared_buffers in MiB (issue 17: an import's index pages stay in them; each MiB costs memory and start time). */
  readonly pgliteSharedBuffersMb: number;
  /** Which thread PGlite runs on: its own worker (default, issue 17) or the main thread. */
  readonly pgliteThread: 'worker' | 'main';
  /** PGlite checkpoints once this many MiB of WAL were written since its last checkpoint (it never does by itself). */
  readonly pgliteMaxWalMb: number;
  /** A file PGlite's worker writes each statement's CPU to when it closes (KESSETSU_PGLITE_STATEMENT_STATS), if any. */
  readonly pgliteStatementStats: string | undefined;
  readonly bootstrapKey: string | undefined;
  readonly logLevel: string;
  /** Largest request body accepted by the API, in bytes. */
  readonly bodyLimit: number;
  /** Largest ingest body, in bytes (decompressed). */
  readonly ingestLimit: number;
  /** Requests per minute per API key (or per address when unauthenticated). */
  readonly rateLimitPerMinute: number;
  /** Folder of the OASIS STIX 2.1 JSON schemas, when available. */
  readonly stixSchemaDir: string | undefined;
  /** Serve the public CLEAR TAXII collection without an account. */
  readonly publicTaxii: boolean;
  /** SMTP server for alert e-mail (smtp://user:pass@host:port); e-mail waits in the outbox without it. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** Allow webhooks to private and loopback addresses (hubs inside closed networks). */
  readonly webhookAllowPrivate: boolean;
  /** Failed authentications per source address and minute before it gets 429 (issue 10.7; 0: no limit). */
  readonly authFailuresPerMinute: number;
  /** Neutralise (issue 12): PKCS#8 PEM file of the hub's Ed25519 signing key; kept in the database when absent. */
  readonly hubSigningKeyFile: string | undefined;
  /** Serve /metrics without a key (still without counts of shared data); otherwise hub or admin keys only (issue 10.9). */
  readonly metricsPublic: boolean;
  /** Statistics (issue 16): Chromium that prints PDF reports (default /usr/bin/chromium when installed). */
  readonly chromiumPath: string | undefined;
  /** Statistics (issue 16): how often the report schedule looks for due reports, in minutes; 0 turns it off. */
  readonly reportIntervalMinutes: number;
  /** Neutralise (issue 12): folder of the content-addressed evidence store (default DATA/evidence). */
  readonly evidenceDir: string;
  /** Neutralise (issue 12): the S3-compatible evidence store used instead of the folder, when a bucket is configured. */
  readonly evidenceS3: EvidenceS3Config | undefined;
  /** Hotline (issue 15): public reports per address and hour (0: no limit). */
  readonly hotlineReportsPerHour: number;
  /** Hotline (issue 15): leading zero bits of the public form's proof-of-work (0: none asked). */
  readonly hotlinePowBits: number;
  /** Hotline (issue 15): minutes between removal checks of reported URLs (0: only when asked). */
  readonly hotlineCheckIntervalMinutes: number;
  /** Hotline (issue 15): how long one re-request may take, in milliseconds. */
  readonly hotlineFetchTimeoutMs: number;
  /** Hotline (issue 15): let the checker request private and loopback addresses. */
  readonly hotlineFetchAllowPrivate: boolean;
  /** Sense (issue 14): folder for raw sensor events (gzip NDJSON); unset: raw events are not kept. */
  readonly sensorArchiveDir: string | undefined;
  /** Sense (issue 14): events per second one sensor may post (unless it has its own limit). */
  readonly sensorRate: number;
  /** Sense (issue 14): days sensor aggregates are kept per minute, per hour and per day. */
  readonly sensorRetentionDays: { readonly minute: number; readonly hour: number; readonly day: number };
  /** Robustness (issue 10.5–10.6): body, parse, quota and lease limits. */
  readonly limits: Limits;
  /** Audit (issue 10.9): minutes between signed checkpoints of the audit chain's head (serve only; 0: none). */
  readonly auditCheckpointMinutes: number;
  /** Audit (issue 10.9): a file each checkpoint is also appended to (JSON lines), a witness kept outside the database. */
  readonly auditCheckpointFile: string | undefined;
  /** Parsing (issue 11.3): shortest CIDR prefixes taken from feeds and emitted in exports (default /16 IPv4, /32 IPv6). */
  readonly minCidrPrefix: { readonly v4: number; readonly v6: number };
  /** TAXII remotes (issue 13): first wait before a pull asked for now retries a failed request, in ms; doubled on each retry. */
  readonly taxiiRetryBackoffMs: number;
}

/** How much one member may ask of the hub at once, and how the hub guards itself (issue 10.5–10.6). */
export interface Limits {
  /** Largest gzip ingest body as sent, in bytes (the inflated size is `ingestLimit`). */
  readonly ingestCompressedLimit: number;
  /** Largest inflated/compressed size ratio of a gzip body (a compression bomb goes far beyond). */
  readonly inflateRatio: number;
  /** Worker threads that parse and validate ingest bodies; 0 parses on the main thread. */
  readonly parseWorkers: number;
  /** Bodies smaller than this are parsed on the main thread (cheaper than a round trip). */
  readonly parseInlineBelow: number;
  /** Heap of each parse worker, in MiB: a body that needs more is refused, the hub stays up. */
  readonly parseWorkerMemoryMb: number;
  /** A parse that takes longer is stopped and the ingest fails. */
  readonly parseTimeoutMs: number;
  /** CSV files are parsed and written in slices of this many objects, overlapped (issue 17); 0 parses them whole first. */
  readonly ingestSliceObjects: number;
  /** A streamed first import writes flat feed lines, one row an observable, indicator and relationship (issue 17). */
  readonly ingestFeedLines: boolean;
  /** Ingests an organisation may run at once through the API; more answer 429. */
  readonly ingestsPerOrg: number;
  /** Ingests the node runs at once through the API; more answer 503. */
  readonly ingestsTotal: number;
  /** Inflated bytes an organisation may ingest through the API in 24 hours (0: no quota; the hub's own organisation has none). */
  readonly ingestBytesPerDay: number;
  /** Largest STIX object, serialized, in bytes. */
  readonly maxObjectBytes: number;
  /** Most objects one API ingest may produce. */
  readonly maxObjectsPerIngest: number;
  /** Most lines of a CSV or text file sent through the API. */
  readonly maxLinesPerIngest: number;
  /** A running ingest whose node has not renewed its lease for this long is failed by any node. */
  readonly ingestLeaseMs: number;
}

/** Neutralise (issue 12): where the S3-compatible evidence store is and how to sign in to it. */
export interface EvidenceS3Config {
  /** Base URL of the S3 API (http or https); AWS S3 of the region when absent. */
  readonly endpoint: string | undefined;
  readonly bucket: string;
  readonly region: string;
  /** Key names start with this (empty, or ending in "/"). */
  readonly prefix: string;
  /** Bucket in the path (https://host/bucket/key) rather than the host name; the default with an endpoint. */
  readonly pathStyle: boolean;
  readonly accessKeyId: string;
  readonly secretAccessKey: Secret;
  /** Re-read each newly stored object and compare its SHA-256 before answering (default on). */
  readonly verifyWrites: boolean;
}

/** Options given on the command line; they win over the environment. */
export interface ConfigOverrides {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly dataDir?: string | undefined;
  readonly databaseUrl?: string | undefined;
  readonly logLevel?: string | undefined;
}

class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function trueOrFalse(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw.slice(0, 20)}"`);
  return raw === 'true';
}

// Sense (issue 14): "minute=7,hour=90,day=1825" (days); minutes must outlive the 48 h a sensor may lag.
function sensorRetention(raw: string | undefined): Config['sensorRetentionDays'] {
  const out = { minute: 7, hour: 90, day: 1825 };
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const m = /^\s*(minute|hour|day)\s*=\s*(\d{1,6})\s*$/.exec(part);
    if (!m) throw new ConfigError(`KESSETSU_SENSOR_RETENTION: "${part}" is not resolution=days (minute, hour, day)`);
    out[m[1] as keyof typeof out] = Number(m[2]);
  }
  if (out.minute < 3) throw new ConfigError('KESSETSU_SENSOR_RETENTION: minutes must be kept at least 3 days (sensors may send events 48 h late)');
  if (out.hour < 2 || out.day < 2) throw new ConfigError('KESSETSU_SENSOR_RETENTION: hours and days must be kept at least 2 days (roll-ups read them)');
  return out;
}

function prefixFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const n = intFrom(env, name, fallback);
  if (n > max) throw new ConfigError(`${name} must be a prefix length from 0 to ${max}, got "${env[name]}"`);
  return n;
}

/** PGlite's shared_buffers, 128 MiB unless KESSETSU_PGLITE_SHARED_BUFFERS_MB says otherwise (db.settings.ts). */
function pgliteSharedBuffers(env: NodeJS.ProcessEnv): number {
  const mb = intFrom(env, 'KESSETSU_PGLITE_SHARED_BUFFERS_MB', PGLITE_SHARED_BUFFERS_MB);
  if (mb < 1 || mb > 4096) throw new ConfigError(`KESSETSU_PGLITE_SHARED_BUFFERS_MB must be 1 to 4096 (MiB), got "${env.KESSETSU_PGLITE_SHARED_BUFFERS_MB}"`);
  return mb;
}

/** Issue 17: the WAL PGlite may write before the hub checkpoints it, KESSETSU_PGLITE_MAX_WAL_MB (default 1024). */
function pgliteMaxWal(env: NodeJS.ProcessEnv): number {
  const mb = intFrom(env, 'KESSETSU_PGLITE_MAX_WAL_MB', PGLITE_MAX_WAL_MB);
  if (mb < 16 || mb > 1_048_576) throw new ConfigError(`KESSETSU_PGLITE_MAX_WAL_MB must be 16 to 1048576 (MiB), got "${env.KESSETSU_PGLITE_MAX_WAL_MB}"`);
  return mb;
}

/** Issue 17: PGlite in a worker thread unless KESSETSU_PGLITE_THREAD=main. */
function pgliteThread(env: NodeJS.ProcessEnv): 'worker' | 'main' {
  const v = env.KESSETSU_PGLITE_THREAD ?? 'worker';
  if (v !== 'worker' && v !== 'main') throw new ConfigError(`KESSETSU_PGLITE_THREAD must be worker or main, got "${v}"`);
  return v;
}

/**
 * Issue 17: KESSETSU_PGLITE_STATEMENT_STATS, a file PGlite's worker writes each statement's CPU to when it closes
 * (PGlite has no pg_stat_statements). Its folder must exist: refused at start, not after a long import.
 */
function pgliteStatementStats(env: NodeJS.ProcessEnv): string | undefined {
  const v = env.KESSETSU_PGLITE_STATEMENT_STATS;
  if (!v) return undefined;
  const file = path.resolve(v);
  if (!existsSync(path.dirname(file))) throw new ConfigError(`KESSETSU_PGLITE_STATEMENT_STATS: no folder ${path.dirname(file)} to write ${path.basename(file)} in`);
  return file;
}

function findStixSchemas(env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env.KESSETSU_STIX_SCHEMAS;
  if (explicit) return path.resolve(explicit);
  const candidates = [path.resolve('../shared/data/stix/schemas'), path.resolve('shared/data/stix/schemas')];
  return candidates.find((dir) => existsSync(path.join(dir, 'common', 'core.json')));
}

/**
 * Parses the environment and command-line overrides into a validated Config.
 * @example loadConfig(process.env, { port: 8080 })
 */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Config {
  const dataDir = path.resolve(overrides.dataDir ?? env.KESSETSU_DATA ?? './data');
  const port = overrides.port ?? intFrom(env, 'KESSETSU_PORT', 8080);
  if (port > 65535) throw new ConfigError(`port must be at most 65535, got ${port}`);
  return {
    host: overrides.host ?? env.KESSETSU_HOST ?? '127.0.0.1',
    port,
    dataDir,
    databaseUrl: overrides.databaseUrl ?? (env.DATABASE_URL || undefined),
    pgliteSharedBuffersMb: pgliteSharedBuffers(env),
    pgliteThread: pgliteThread(env), // issue 17: PostgreSQL's work on the other core
    pgliteMaxWalMb: pgliteMaxWal(env), // issue 17: single-user PostgreSQL's WAL kept bounded
    pgliteStatementStats: pgliteStatementStats(env),
    bootstrapKey: env.KESSETSU_BOOTSTRAP_KEY || undefined,
    logLevel: overrides.logLevel ?? env.KESSETSU_LOG_LEVEL ?? 'info',
    bodyLimit: intFrom(env, 'KESSETSU_BODY_LIMIT', 1024 * 1024),
    ingestLimit: intFrom(env, 'KESSETSU_INGEST_LIMIT', 512 * 1024 * 1024),
    rateLimitPerMinute: intFrom(env, 'KESSETSU_RATE_LIMIT', 6000),
    stixSchemaDir: findStixSchemas(env),
    publicTaxii: (env.KESSETSU_PUBLIC_TAXII ?? 'true') !== 'false',
    smtpUrl: env.KESSETSU_SMTP_URL || undefined,
    mailFrom: env.KESSETSU_MAIL_FROM || 'kessetsu@localhost',
    webhookAllowPrivate: env.KESSETSU_WEBHOOK_ALLOW_PRIVATE === 'true',
    authFailuresPerMinute: intFrom(env, 'KESSETSU_AUTH_FAILURE_LIMIT', 30), // keys and sessions (issue 10.7)
    hubSigningKeyFile: env.KESSETSU_HUB_SIGNING_KEY_FILE ? path.resolve(env.KESSETSU_HUB_SIGNING_KEY_FILE) : undefined, // neutralise (issue 12)
    metricsPublic: env.KESSETSU_METRICS_PUBLIC === 'true', // audit (issue 10.9)
    chromiumPath: env.KESSETSU_CHROMIUM || undefined, // statistics (issue 16)
    reportIntervalMinutes: intFrom(env, 'KESSETSU_REPORT_INTERVAL_MINUTES', 60), // statistics (issue 16)
    evidenceDir: path.resolve(env.KESSETSU_EVIDENCE_DIR || path.join(dataDir, 'evidence')), // neutralise (issue 12)
    evidenceS3: loadEvidenceS3(env), // neutralise (issue 12)
    hotlineReportsPerHour: intFrom(env, 'KESSETSU_HOTLINE_REPORTS_PER_HOUR', 20), // hotline (issue 15)
    hotlinePowBits: Math.min(intFrom(env, 'KESSETSU_HOTLINE_POW_BITS', 0), 24), // hotline (issue 15)
    hotlineCheckIntervalMinutes: intFrom(env, 'KESSETSU_HOTLINE_CHECK_INTERVAL_MINUTES', 360), // hotline (issue 15)
    hotlineFetchTimeoutMs: intFrom(env, 'KESSETSU_HOTLINE_FETCH_TIMEOUT_MS', 15_000) || 15_000, // hotline (issue 15)
    hotlineFetchAllowPrivate: env.KESSETSU_HOTLINE_FETCH_ALLOW_PRIVATE === 'true', // hotline (issue 15)
    sensorArchiveDir: env.KESSETSU_SENSOR_ARCHIVE ? path.resolve(env.KESSETSU_SENSOR_ARCHIVE) : undefined, // sense (issue 14)
    sensorRate: intFrom(env, 'KESSETSU_SENSOR_RATE', 1_000_000) || 1_000_000, // sense (issue 14)
    sensorRetentionDays: sensorRetention(env.KESSETSU_SENSOR_RETENTION), // sense (issue 14)
    limits: loadLimits(env), // robustness (issue 10.5–10.6)
    auditCheckpointMinutes: intFrom(env, 'KESSETSU_AUDIT_CHECKPOINT_MINUTES', 10), // audit (issue 10.9)
    auditCheckpointFile: env.KESSETSU_AUDIT_CHECKPOINT_FILE ? path.resolve(env.KESSETSU_AUDIT_CHECKPOINT_FILE) : undefined, // audit (issue 10.9)
    minCidrPrefix: { v4: prefixFrom(env, 'KESSETSU_MIN_CIDR_PREFIX_V4', 16, 32), v6: prefixFrom(env, 'KESSETSU_MIN_CIDR_PREFIX_V6', 32, 128) }, // parsing (issue 11.3)
    taxiiRetryBackoffMs: intFrom(env, 'KESSETSU_TAXII_RETRY_BACKOFF_MS', 1000), // TAXII remotes (issue 13); tests shorten it (issue 11.7)
  };
}

const MIB = 1024 * 1024;

/** The robustness limits of the environment, with defaults sized for a small machine. */
function loadLimits(env: NodeJS.ProcessEnv): Limits {
  const cores = os.availableParallelism();
  const ratio = intFrom(env, 'KESSETSU_INFLATE_RATIO', 100);
  if (ratio < 2) throw new ConfigError(`KESSETSU_INFLATE_RATIO must be at least 2, got ${ratio}`);
  const leaseSeconds = intFrom(env, 'KESSETSU_INGEST_LEASE_SECONDS', 60);
  if (leaseSeconds < 2) throw new ConfigError(`KESSETSU_INGEST_LEASE_SECONDS must be at least 2, got ${leaseSeconds}`);
  return {
    ingestCompressedLimit: intFrom(env, 'KESSETSU_INGEST_COMPRESSED_LIMIT', 128 * MIB),
    inflateRatio: ratio,
    parseWorkers: intFrom(env, 'KESSETSU_PARSE_WORKERS', cores <= 2 ? 1 : Math.min(4, cores - 1)),
    parseInlineBelow: intFrom(env, 'KESSETSU_PARSE_INLINE_BELOW', 64 * 1024),
    parseWorkerMemoryMb: intFrom(env, 'KESSETSU_PARSE_WORKER_MEMORY_MB', 3072),
    parseTimeoutMs: intFrom(env, 'KESSETSU_PARSE_TIMEOUT_SECONDS', 600) * 1000,
    ingestSliceObjects: intFrom(env, 'KESSETSU_INGEST_SLICE_OBJECTS', 5000),
    ingestFeedLines: trueOrFalse(env, 'KESSETSU_INGEST_FEED_LINES', true),
    ingestsPerOrg: Math.max(1, intFrom(env, 'KESSETSU_INGESTS_PER_ORG', 2)),
    ingestsTotal: Math.max(1, intFrom(env, 'KESSETSU_INGESTS_TOTAL', 8)),
    ingestBytesPerDay: intFrom(env, 'KESSETSU_INGEST_BYTES_PER_DAY', 4096 * MIB),
    maxObjectBytes: intFrom(env, 'KESSETSU_MAX_OBJECT_BYTES', MIB),
    maxObjectsPerIngest: intFrom(env, 'KESSETSU_INGEST_MAX_OBJECTS', 1_000_000),
    maxLinesPerIngest: intFrom(env, 'KESSETSU_INGEST_MAX_LINES', 2_000_000),
    ingestLeaseMs: leaseSeconds * 1000,
  };
}

// Neutralise (issue 12): a value from NAME or from the file named by NAME_FILE (one of them; trailing newline dropped).
function valueOrFile(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct && file) throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (!file) return direct || undefined;
  let text: string;
  try {
    text = readFileSync(path.resolve(file), 'utf8');
  } catch (e) {
    throw new ConfigError(`${name}_FILE: cannot read ${path.resolve(file)} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (!value || /[\r\n]/.test(value)) throw new ConfigError(`${name}_FILE: ${path.resolve(file)} must hold the value alone on one line`);
  return value;
}

// Neutralise (issue 12): the S3-compatible evidence store, configured when KESSETSU_EVIDENCE_S3_BUCKET is set.
function loadEvidenceS3(env: NodeJS.ProcessEnv): EvidenceS3Config | undefined {
  const bucket = env.KESSETSU_EVIDENCE_S3_BUCKET;
  const others = Object.keys(env).filter((k) => k.startsWith('KESSETSU_EVIDENCE_S3_') && env[k]);
  if (!bucket) {
    if (others.length) throw new ConfigError(`${others[0]} is set but KESSETSU_EVIDENCE_S3_BUCKET is not (the S3 evidence store needs a bucket)`);
    return undefined;
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`KESSETSU_EVIDENCE_S3_BUCKET: "${bucket.slice(0, 80)}" is not an S3 bucket name (3–63 of a-z 0-9 . -)`);
  let endpoint: string | undefined;
  if (env.KESSETSU_EVIDENCE_S3_ENDPOINT) {
    let u: URL;
    try {
      u = new URL(env.KESSETSU_EVIDENCE_S3_ENDPOINT);
    } catch {
      throw new ConfigError('KESSETSU_EVIDENCE_S3_ENDPOINT must be a URL such as https://s3.example.jp:9000');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError('KESSETSU_EVIDENCE_S3_ENDPOINT must be an http or https URL');
    if (u.username || u.password) throw new ConfigError('KESSETSU_EVIDENCE_S3_ENDPOINT must not hold credentials (use KESSETSU_EVIDENCE_S3_ACCESS_KEY_ID and KESSETSU_EVIDENCE_S3_SECRET_ACCESS_KEY)');
    if (u.search || u.hash) throw new ConfigError('KESSETSU_EVIDENCE_S3_ENDPOINT must not have a query or fragment');
    endpoint = u.toString().replace(/\/$/, '');
  }
  const region = env.KESSETSU_EVIDENCE_S3_REGION || 'us-east-1';
  if (!/^[a-z0-9-]{1,40}$/.test(region)) throw new ConfigError(`KESSETSU_EVIDENCE_S3_REGION: "${region.slice(0, 40)}" is not a region name`);
  let prefix = env.KESSETSU_EVIDENCE_S3_PREFIX ?? '';
  if (prefix && !/^[A-Za-z0-9._/-]{1,200}$/.test(prefix)) throw new ConfigError('KESSETSU_EVIDENCE_S3_PREFIX: use letters, digits and . _ - / only');
  prefix = prefix.replace(/^\/+/, '');
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  const accessKeyId = valueOrFile(env, 'KESSETSU_EVIDENCE_S3_ACCESS_KEY_ID');
  const secret = valueOrFile(env, 'KESSETSU_EVIDENCE_S3_SECRET_ACCESS_KEY');
  if (!accessKeyId || !secret) throw new ConfigError('the S3 evidence store needs KESSETSU_EVIDENCE_S3_ACCESS_KEY_ID and KESSETSU_EVIDENCE_S3_SECRET_ACCESS_KEY (or their _FILE forms)');
  const flag = (name: string, fallback: boolean): boolean => trueOrFalse(env, name, fallback);
  return {
    endpoint,
    bucket,
    region,
    prefix,
    pathStyle: flag('KESSETSU_EVIDENCE_S3_PATH_STYLE', endpoint !== undefined),
    accessKeyId,
    secretAccessKey: new Secret(secret),
    verifyWrites: flag('KESSETSU_EVIDENCE_S3_VERIFY_WRITES', true),
  };
}

export { ConfigError };
