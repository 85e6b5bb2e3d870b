import type { Viewer } from '../../src/access/viewer.ts';
import type { IngestParams } from '../../src/ingest/ingest.params.ts';
import { csvSlices } from '../../src/ingest/parsers/csv.parser.ts';
import { SlicePreparer } from '../../src/ingest/prepare.ts';
import { feedLineOf, type FeedLine } from '../../src/store/feed-line.ts';
import type { PreparedObject } from '../../src/store/knowledge.writer.ts';
import type { TestHub, TestMember } from './app.ts';

/**
 * A CSV feed as the importer prepares it for a member (its organisation's id salt, the given audience and time),
 * turned into feed lines: every row must make one (docs/design/feed-lines.md).
 * @example const lines = await feedLinesOf(hub, member, csv, now, { tlp: 'green', confidence: 60 })
 */
export async function feedLinesOf(hub: TestHub, m: TestMember, csv: string, now: Date, audience: { tlp?: string; confidence?: number } = {}): Promise<FeedLine[]> {
  const org = await hub.app.storage.db.selectFrom('orgs').selectAll().where('id', '=', m.org.id).executeTakeFirstOrThrow();
  const viewer = { kind: 'user', userId: m.userId, orgId: m.org.id, role: 'member' } as unknown as Viewer;
  const params = { format: 'csv', ...audience, orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api' } as unknown as IngestParams;
  const preparer = new SlicePreparer(params, { viewer, org, ingestId: null }, now, undefined);
  const prepared: PreparedObject[] = [];
  const slices = csvSlices(Buffer.from(csv), { now, idSalt: org.id_salt }, 100);
  for (let r = slices.next(); !r.done; r = slices.next()) prepared.push(...preparer.add(r.value.objects, new Set(r.value.generated)));
  const byId = new Map(prepared.map((p) => [p.record.id, p]));
  return prepared
    .filter((p) => p.record.type === 'relationship')
    .map((r) => {
      const line = feedLineOf([byId.get(String(r.record.data.target_ref))!, byId.get(String(r.record.data.source_ref))!, r]);
      if (!line) throw new Error(`not a feed line: ${r.record.id}`);
      return line;
    });
}
