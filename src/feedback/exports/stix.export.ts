import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { presentObject } from '../../objects/object.presenter.ts';
import { TLP_LEVELS, tlpMarking } from '../../trust/tlp.ts';
import { selectedPages, type Selection } from './selection.query.ts';

/**
 * A selection as a STIX 2.1 bundle, streamed: each object in the version the viewer is shown (stored with
 * its TLP marking), then the TLP 2.0 marking definitions the objects use. Anonymous
 * contributions already carry their sector's identity, never the contributor's.
 * @example for await (const chunk of stixBundle(db, viewer, { types: ['indicator'] })) reply.raw.write(chunk)
 */
export async function* stixBundle(db: Kysely<Database>, v: AnyViewer, sel: Selection): AsyncGenerator<string> {
  yield `{"type":"bundle","id":"bundle--${randomUUID()}","objects":[`;
  const used = new Set<Tlp>();
  let first = true;
  for await (const page of selectedPages(db, v, sel, 'export.stix')) {
    let out = '';
    for (const r of page) {
      // The TLP definitions are written once at the end, with the OASIS content.
      if (r.type === 'marking-definition' && TLP_LEVELS.some((t) => tlpMarking(t).id === r.id)) continue;
      used.add(TLP_LEVELS[r.min_rank] ?? 'red');
      out += `${first ? '' : ','}${JSON.stringify(presentObject(r.data))}`;
      first = false;
    }
    if (out) yield out;
  }
  const markings = TLP_LEVELS.filter((t) => used.has(t)).map((t) => JSON.stringify(tlpMarking(t)));
  yield `${markings.length && !first ? ',' : ''}${markings.join(',')}]}\n`;
}
