import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import type { StixValidator } from '../stix/stix.validator.ts';
import type { BodyLimits } from './body.ts';
import type { ObjectLimits } from './ingest.limits.ts';
import { IngestQuota } from './ingest.quota.ts';
import type { IngestServiceOptions } from './ingest.service.ts';
import { ParsePool } from './parse/parse.pool.ts';
import { IngestLease } from './ingest.lease.ts';

/** What keeps one member's ingest from stalling the hub (issue 10.5) and its ingests owned by this node (10.6), built once from the config. */
export interface IngestGuards {
  readonly pool: ParsePool;
  readonly quota: IngestQuota;
  /** This node's lease on its running ingests (issue 10.6). */
  readonly lease: IngestLease;
  /** Ceilings of a streamed API body before the daily quota narrows them. */
  readonly body: BodyLimits;
  /** What the ingest service takes of these. */
  readonly serviceOptions: Pick<IngestServiceOptions, 'parser' | 'limits' | 'quota' | 'lease' | 'sliceObjects' | 'feedLines'>;
  close(): Promise<void>;
}

/**
 * Builds the parse pool, the quotas and the ceilings from the config.
 * @example const guards = ingestGuards(db, config, validator)
 */
export function ingestGuards(db: Kysely<Database>, config: Config, validator: StixValidator, log?: (msg: string, fields?: Record<string, unknown>) => void): IngestGuards {
  const l = config.limits;
  const pool = new ParsePool(
    { size: l.parseWorkers, inlineBelow: l.parseInlineBelow, memoryMb: l.parseWorkerMemoryMb, timeoutMs: l.parseTimeoutMs, schemaDir: config.stixSchemaDir, ...(log ? { log } : {}) },
    validator,
  );
  const quota = new IngestQuota(db, { perOrg: l.ingestsPerOrg, total: l.ingestsTotal, bytesPerDay: l.ingestBytesPerDay });
  const api: ObjectLimits = { maxObjectBytes: l.maxObjectBytes || null, maxObjects: l.maxObjectsPerIngest || null, maxLines: l.maxLinesPerIngest || null };
  const other: ObjectLimits = { maxObjectBytes: l.maxObjectBytes || null, maxObjects: null, maxLines: null };
  const lease = new IngestLease(db, { leaseMs: l.ingestLeaseMs, ...(log ? { log } : {}) });
  lease.start();
  return {
    pool,
    quota,
    lease,
    body: { maxBytes: config.ingestLimit, maxBytesName: 'KESSETSU_INGEST_LIMIT', maxCompressedBytes: l.ingestCompressedLimit, maxRatio: l.inflateRatio },
    serviceOptions: { parser: pool, limits: { api, other }, quota, lease, sliceObjects: l.ingestSliceObjects, feedLines: l.ingestFeedLines },
    close: async () => {
      await lease.close();
      await pool.close();
    },
  };
}
