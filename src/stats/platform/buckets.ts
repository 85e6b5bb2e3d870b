import { sql, type RawBuilder } from 'kysely';
import { STATS_TIME_ZONE, startOfDayInStatsZone } from '../period.ts';
import type { Bucket, PlatformRange } from './provider.ts';

/** SQL: the period (YYYY-MM or YYYY-MM-DD in JST) of a timestamp column. */
export function bucketOf(column: string, bucket: Bucket): RawBuilder<string> {
  const fmt = bucket === 'month' ? 'YYYY-MM' : 'YYYY-MM-DD';
  return sql<string>`to_char(${sql.ref(column)} at time zone ${STATS_TIME_ZONE}, ${fmt})`;
}

/** SQL: a timestamp column within the range's days (JST), as a sargable half-open interval. */
export function withinRange(column: string, r: PlatformRange): RawBuilder<boolean> {
  const from = startOfDayInStatsZone(r.from);
  const until = new Date(startOfDayInStatsZone(r.to).getTime() + 86_400_000);
  return sql<boolean>`(${sql.ref(column)} >= ${from.toISOString()} and ${sql.ref(column)} < ${until.toISOString()})`;
}
