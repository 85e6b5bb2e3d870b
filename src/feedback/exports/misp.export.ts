import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { headContribution, visibleContribution } from '../../access/visibility.policy.ts';
import { AppError } from '../../shared/errors.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';
import { mispValueOfKey, mispValuesOf, type MispValue } from './misp.attributes.ts';
import { keysOfVersions, selectedPages, type Selection } from './selection.query.ts';

/** The most objects one MISP event is built from (it is built in memory: attributes merge by value). */
export const MISP_EXPORT_LIMIT = 200_000;

const RULE_TYPES = new Set(['yara', 'snort', 'suricata', 'sigma']);
const ATTACHMENT = /^\[email-message:body_multipart\[\*\]\.body_raw_ref\.name = '((?:[^'\\]|\\.)*)'\]$/;

interface Attr extends MispValue {
  to_ids: boolean;
  comment: string;
  rank: number;
  first_seen?: string;
  last_seen?: string;
}

const text = (x: unknown): string => (typeof x === 'string' ? x : '');

/** Observables the indicators are based on (the importers' `based-on` relationships) that the viewer may see. */
async function basedOn(db: Kysely<Database>, v: AnyViewer, indicatorIds: readonly string[]): Promise<Map<string, StixObject[]>> {
  const out = new Map<string, StixObject[]>();
  for (let i = 0; i < indicatorIds.length; i += 2000) {
    const rows = await db
      .selectFrom('object_edges as e')
      .innerJoin('contributions as ec', 'ec.id', 'e.contribution_id')
      .innerJoin('contributions as c', 'c.object_id', 'e.target_id')
      .select(['e.source_id', 'c.data'])
      .distinct()
      .where('e.source_id', 'in', indicatorIds.slice(i, i + 2000))
      .where('e.label', '=', 'based-on')
      .where(visibleContribution(v, 'ec'))
      .where(headContribution(v, 'c'))
      .execute();
    for (const r of rows) out.set(r.source_id, [...(out.get(r.source_id) ?? []), r.data as StixObject]);
  }
  return out;
}

/**
 * A selection as one MISP event: observables as attributes that the MISP importer reads back into
 * the same objects; indicators as `to_ids` on the attributes of the observables they are based on
 * (else of their pattern's values), with valid_from/valid_until as first_seen/last_seen; YARA,
 * Snort, Suricata and Sigma indicators as rule attributes. Each attribute is tagged with the TLP the
 * caller sees it at. The exporting hub is the event's creator; contributors are never named.
 * @example const event = await mispEvent(db, viewer, { types: ['indicator'] })
 */
export async function mispEvent(db: Kysely<Database>, v: AnyViewer, sel: Selection, now = new Date()): Promise<Record<string, unknown>> {
  const attrs = new Map<string, Attr>();
  const skipped: Record<string, number> = {};
  const skip = (what: string): void => void (skipped[what] = (skipped[what] ?? 0) + 1);
  let objects = 0;
  const merge = (a: Attr): void => {
    const k = `${a.type}|${a.value}`;
    const prev = attrs.get(k);
    if (!prev) return void attrs.set(k, a);
    prev.to_ids ||= a.to_ids;
    prev.rank = Math.min(prev.rank, a.rank);
    if (!prev.comment && a.comment) prev.comment = a.comment;
    prev.first_seen ??= a.first_seen;
    prev.last_seen ??= a.last_seen;
  };
  for await (const page of selectedPages(db, v, { ...sel, limit: Math.min(sel.limit ?? MISP_EXPORT_LIMIT + 1, MISP_EXPORT_LIMIT + 1) }, 'export.misp')) {
    objects += page.length;
    if (objects > MISP_EXPORT_LIMIT) throw new AppError('payload_too_large', `a MISP export holds at most ${MISP_EXPORT_LIMIT} objects; narrow the selection (type, since, ids) or export STIX`);
    const indicators = page.filter((r) => r.type === 'indicator' && r.data.revoked !== true && !RULE_TYPES.has(text(r.data.pattern_type)));
    const [bases, keys] = await Promise.all([basedOn(db, v, indicators.map((r) => r.id)), keysOfVersions(db, indicators)]);
    for (const r of page) {
      const d = r.data as StixObject;
      if (d.revoked === true) continue;
      if (r.type !== 'indicator') {
        const values = mispValuesOf(d);
        if (!values.length) skip(r.type);
        for (const m of values) merge({ ...m, to_ids: false, comment: '', rank: r.min_rank });
        continue;
      }
      const ids = { to_ids: true, comment: text(d.description), rank: r.min_rank };
      if (RULE_TYPES.has(text(d.pattern_type))) {
        merge({ type: text(d.pattern_type), category: 'Payload installation', value: text(d.pattern), ...ids });
        continue;
      }
      const seen = { first_seen: text(d.valid_from) || undefined, last_seen: text(d.valid_until) || undefined };
      // An attachment name is a pattern on the e-mail, not on the file it is based on.
      const attachment = ATTACHMENT.exec(text(d.pattern));
      if (attachment) {
        merge({ type: 'email-attachment', category: 'Payload delivery', value: attachment[1]!.replace(/\\(['\\])/g, '$1'), ...ids, ...seen });
        continue;
      }
      const fromBases = (bases.get(r.id) ?? []).flatMap(mispValuesOf);
      const values = fromBases.length ? fromBases : (keys.get(r.id) ?? []).map(mispValueOfKey).filter((m) => m !== undefined);
      if (!values.length) skip('indicator without a value MISP can carry');
      for (const m of values) merge({ ...m, ...ids, ...seen });
    }
  }
  const ts = String(Math.floor(now.getTime() / 1000));
  const note = Object.entries(skipped)
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
      comment: note ? `Not carried by MISP attributes: ${note}` : '',
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
        Tag: [{ name: `tlp:${TLP_LEVELS[a.rank] ?? 'red'}` }],
      })),
    },
  };
}
