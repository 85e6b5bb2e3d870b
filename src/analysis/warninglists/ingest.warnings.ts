import type { ParseIssue } from '../../ingest/parsers/parse-result.ts';
import type { PreparedObject } from '../../store/knowledge.writer.ts';
import { splitKey } from '../value-key.ts';
import type { WarninglistHit } from './warninglist.matcher.ts';
import { SCOPE_MEANING } from './warninglist.scopes.ts';

/** Warnings listed one by one; the rest are counted in one line. */
export const MAX_LISTED = 200;

/** What a hit means, in one sentence for the submitter. */
export function hitReason(h: WarninglistHit): string {
  const effects = h.scopes.map((s) => SCOPE_MEANING[s]).join('; ');
  return `on warninglist ${h.list} (${h.name}): ${effects}${h.scopes.includes('warn') ? '' : ' (kept in the store)'}`;
}

/** The distinct observable keys of prepared objects, in order. */
export function keysOfPrepared(objects: readonly PreparedObject[]): string[] {
  const keys = new Set<string>();
  for (const o of objects) for (const k of o.record.keys) keys.add(k);
  return [...keys];
}

/**
 * The ingest report's word on warninglisted values: one warning per value on an enabled list (which
 * list, what it suppresses), the first MAX_LISTED listed and the rest counted.
 * @example ingestWarnings((k) => app.warninglists.matchAll(k), prepared) // [{ where: 'ipv4-addr 8.8.8.8', reason: 'on warninglist kessetsu-public-resolvers …' }]
 */
export function ingestWarnings(matchAll: (key: string) => readonly WarninglistHit[], objects: readonly PreparedObject[]): ParseIssue[] {
  const out: ParseIssue[] = [];
  let more = 0;
  for (const key of keysOfPrepared(objects)) {
    const hits = matchAll(key);
    if (!hits.length) continue;
    if (out.length >= MAX_LISTED) {
      more++;
      continue;
    }
    const p = splitKey(key);
    const where = p ? `${p.type}${p.sub ? ` ${p.sub}` : ''} ${p.value}` : key;
    out.push({ where: where.slice(0, 300), reason: hits.map(hitReason).join(' | ') });
  }
  if (more) out.push({ where: 'warninglists', reason: `${more} more value(s) on warninglists (GET /api/v1/warninglists/suppressed lists them all)` });
  return out;
}
