import type { Viewer } from '../access/viewer.ts';
import { contributionPredicate, countablePredicate, quickVerdicts } from '../access/visibility.policy.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import type { PreparedObject } from '../store/knowledge.writer.ts';
import type { IngestHooks } from '../ingest/ingest.service.ts';

/** One row of the share preview. */
export interface PreviewItem {
  readonly id: string;
  readonly type: string;
  readonly value: string | null;
  readonly name: string | null;
  readonly pattern: string | null;
  readonly tlp: string;
  /** The enabled warninglist that silences this value (public resolvers, sinkholes, …), if any. */
  readonly warninglist: { readonly list: string; readonly name: string } | null;
  /** What the sharer can already see of it: objects with a visible contribution, counted organisations. */
  readonly known: { readonly objects: number; readonly org_count: number; readonly sectors: readonly string[] } | null;
}

const MAX_ITEMS = 500;

/**
 * The dry-run hook behind the web interface's share preview: observables and indicators that would be
 * shared, each with its warninglist hit and what the sharer already sees (the lookup index, within the policy).
 */
export function sharePreviewHook(index: ObservableIndex, warninglist: (key: string) => { list: string; name: string } | null): IngestHooks {
  return {
    dryRun(viewer: Viewer, prepared: readonly PreparedObject[]) {
      const visible = contributionPredicate(viewer);
      const countable = countablePredicate(viewer);
      const quick = quickVerdicts(viewer);
      const items: PreviewItem[] = [];
      for (const p of prepared) {
        const r = p.record;
        if (r.type === 'relationship' || r.type === 'identity' || r.type === 'marking-definition') continue;
        if (items.length >= MAX_ITEMS) break;
        const key = r.keys[0];
        const hit = key ? warninglist(key) : null;
        const m = key && r.value !== null ? index.match(viewer, key, visible, countable, quick) : null;
        const data = r.data as { pattern?: unknown };
        items.push({
          id: r.id,
          type: r.type,
          value: r.display ?? r.value,
          name: r.name,
          pattern: typeof data.pattern === 'string' ? data.pattern.slice(0, 500) : null,
          tlp: p.contribution.tlp,
          warninglist: hit ? { list: hit.list, name: hit.name } : null,
          known: m ? { objects: m.objects.length, org_count: m.org_count, sectors: m.sectors } : null,
        });
      }
      return { preview: { items, truncated: prepared.length > items.length && items.length >= MAX_ITEMS } };
    },
  };
}
