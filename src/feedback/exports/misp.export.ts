import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { AppError } from '../../shared/errors.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';
import { keysOfObjects, selectedPages, type Selection } from './selection.query.ts';

/** The most objects one MISP event is built from (it is built in memory: attributes merge by value). */
export const MISP_EXPORT_LIMIT = 200_000;

const RULE_TYPES = new Set(['yara', 'snort', 'suricata', 'sigma']);

interface Attr {
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  rank: number;
  first_seen?: string;
  last_seen?: string;
}

/** The MISP attribute type and category of an index key, or undefined for keys MISP has no type for. */
export function mispTypeOfKey(key: string): { type: string; category: string; value: string } | undefined {
  const c = key.indexOf(':');
  const kind = key.slice(0, c);
  const v = key.slice(c + 1);
  switch (kind) {
    case 'ipv4-addr':
    case 'ipv6-addr':
      return { type: 'ip-dst', category: 'Network activity', value: v };
    case 'domain-name':
      return { type: 'domain', category: 'Network activity', value: v };
    case 'url':
      return { type: 'url', category: 'Network activity', value: v };
    case 'email-addr':
      return { type: 'email-src', category: 'Payload delivery', value: v };
    case 'autonomous-system':
      return { type: 'AS', category: 'Network activity', value: v };
    case 'mac-addr':
      return { type: 'mac-address', category: 'Network activity', value: v };
    case 'phone-number':
      return { type: 'phone-number', category: 'Other', value: v };
    case 'vulnerability':
      return { type: 'vulnerability', category: 'External analysis', value: v.toUpperCase() };
    case 'cryptocurrency-wallet':
      return v.startsWith('bitcoin:') ? { type: 'btc', category: 'Financial fraud', value: v.slice(8) } : undefined;
    case 'file': {
      const algo = { md5: 'md5', 'sha-1': 'sha1', 'sha-256': 'sha256', 'sha-512': 'sha512' }[v.slice(0, v.indexOf(':'))];
      return algo ? { type: algo, category: 'Payload delivery', value: v.slice(v.indexOf(':') + 1) } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * A selection as one MISP event: observables and the values of STIX-pattern indicators as
 * attributes (to_ids when an indicator names them; valid_from/valid_until as first_seen/last_seen),
 * YARA/Snort/Suricata/Sigma indicators as rule attributes, each attribute tagged with the TLP the
 * caller sees it at. The exporting hub is the event's creator; contributors are never named.
 * @example const event = await mispEvent(db, viewer, { types: ['indicator'] })
 */
export async function mispEvent(db: Kysely<Database>, v: AnyViewer, sel: Selection, now = new Date()): Promise<Record<string, unknown>> {
  const attrs = new Map<string, Attr>();
  const skipped: Record<string, number> = {};
  let objects = 0;
  const merge = (a: Attr): void => {
    const k = `${a.type}|${a.value}`;
    const prev = attrs.get(k);
    if (!prev) attrs.set(k, a);
    else {
      prev.to_ids ||= a.to_ids;
      prev.rank = Math.min(prev.rank, a.rank);
      if (!prev.comment && a.comment) prev.comment = a.comment;
      prev.first_seen ??= a.first_seen;
      prev.last_seen ??= a.last_seen;
    }
  };
  for await (const page of selectedPages(db, v, { ...sel, limit: Math.min(sel.limit ?? MISP_EXPORT_LIMIT, MISP_EXPORT_LIMIT + 1) }, 'export.misp')) {
    objects += page.length;
    if (objects > MISP_EXPORT_LIMIT) throw new AppError('payload_too_large', `a MISP export holds at most ${MISP_EXPORT_LIMIT} objects; narrow the selection (type, since, ids) or export STIX`);
    const keys = await keysOfObjects(db, page.map((r) => r.id));
    for (const r of page) {
      const d = r.data;
      if (d.revoked === true) continue;
      const str = (x: unknown): string => (typeof x === 'string' ? x : '');
      if (r.type === 'indicator') {
        const pt = str(d.pattern_type);
        if (RULE_TYPES.has(pt)) {
          merge({ type: pt, category: 'Payload installation', value: str(d.pattern), to_ids: true, comment: str(d.description), rank: r.min_rank });
          continue;
        }
        const ks = keys.get(r.id) ?? [];
        if (!ks.length) skipped['indicator without a pattern MISP can carry'] = (skipped['indicator without a pattern MISP can carry'] ?? 0) + 1;
        for (const k of ks) {
          const m = mispTypeOfKey(k);
          if (m) merge({ ...m, to_ids: true, comment: str(d.description), rank: r.min_rank, first_seen: str(d.valid_from) || undefined, last_seen: str(d.valid_until) || undefined });
        }
        continue;
      }
      const ks = keys.get(r.id) ?? [];
      const mapped = ks.map(mispTypeOfKey).filter((m) => m !== undefined);
      if (!mapped.length) skipped[r.type] = (skipped[r.type] ?? 0) + 1;
      for (const m of mapped) merge({ ...m, to_ids: false, comment: '', rank: r.min_rank });
    }
  }
  const ts = String(Math.floor(now.getTime() / 1000));
  const tlpTag = (rank: number): string => `tlp:${(TLP_LEVELS[rank] ?? 'red') as Tlp}`;
  const skippedNote = Object.entries(skipped)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
  return {
    Event: {
      uuid: randomUUID(),
      info: `Kessetsu export ${now.toISOString().slice(0, 10)}`,
      date: now.toISOString().slice(0, 10),
      timestamp: ts,
      published: false,
      analysis: '2',
      threat_level_id: '4',
      distribution: '0',
      Orgc: { name: 'Kessetsu hub' },
      comment: skippedNote ? `Not carried by MISP attributes: ${skippedNote}` : '',
      Attribute: [...attrs.values()].map((a) => ({
        uuid: randomUUID(),
        type: a.type,
        category: a.category,
        value: a.value,
        to_ids: a.to_ids,
        comment: a.comment,
        timestamp: ts,
        distribution: '5',
        ...(a.first_seen ? { first_seen: a.first_seen } : {}),
        ...(a.last_seen ? { last_seen: a.last_seen } : {}),
        Tag: [{ name: tlpTag(a.rank) }],
      })),
    },
  };
}
