import type { Kysely } from 'kysely';
import type { AnyViewer } from '../../access/viewer.ts';
import type { Database } from '../../db/schema.ts';
import type { Aggregate } from '../series.csv.ts';

// A series computed from the hub's own data. Each provider counts within the one access policy:
// it puts visibleContribution(viewer, alias) (or its area's own scope rule) inside its SQL, so a member
// sees statistics only over what it may see and the public only over CLEAR data.

/** Granularity a provider buckets by (calendar days in the statistics time zone, JST). */
export type Bucket = 'month' | 'day';

/** A category of a platform series. */
export interface PlatformCategory {
  readonly key: string;
  readonly parent: string | null;
  readonly labelEn: string;
  readonly labelJa: string;
  readonly aggregate: Aggregate;
}

/** One counted value: category, period (YYYY-MM or YYYY-MM-DD), value. */
export interface PlatformPoint {
  readonly category: string;
  readonly period: string;
  readonly value: number;
}

/** The span a provider counts over: calendar days, both included, in the statistics time zone. */
export interface PlatformRange {
  readonly from: string;
  readonly to: string;
}

/** A series from the platform, registered in platform/providers.registry.ts. */
export interface PlatformProvider {
  /** The series id without the "platform." prefix (contributions_by_sector). */
  readonly key: string;
  readonly titleEn: string;
  readonly titleJa: string;
  readonly unit: string;
  readonly bucket: Bucket;
  readonly sourceEn: string;
  /** Whether values add up over periods (counts, amounts); rates and medians do not (default true). */
  readonly additive?: boolean;
  /** Whether this viewer may see the series at all (e.g. alert counts are not for the public). */
  available(viewer: AnyViewer): boolean;
  /** Categories known beforehand (the points may add others, labelled by their key). */
  categories(): readonly PlatformCategory[];
  /** Counts within the policy for the viewer. */
  compute(db: Kysely<Database>, viewer: AnyViewer, range: PlatformRange): Promise<PlatformPoint[]>;
  /** Counts the whole range as one period (a year's rate or median is not made of its months'); the points' period is ignored. */
  whole?(db: Kysely<Database>, viewer: AnyViewer, range: PlatformRange): Promise<PlatformPoint[]>;
}
