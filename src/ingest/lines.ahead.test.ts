import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeStorage } from '../../test/support/storage.ts';
import type { Storage } from '../db/database.ts';
import { lockKnowledgeWrites } from '../store/knowledge.writer.ts';
import { insertNewLines, probeLines } from '../store/feed-lines.repository.ts';
import { unhashedLine, type FeedLine } from '../store/feed-line.ts';
import { insertOrg } from '../orgs/orgs.repository.ts';
import { IngestSide } from './ingest.side.ts';
import { LinesAhead } from './lines.ahead.ts';

// Lines of an organisation as the CSV importer makes them, enough for probeLines and insertNewLines.
function linesOf(orgId: string, prefix: string, n: number, sco = (i: number) => `domain-name--${uuidOf(`${prefix}-sco-${i}`)}`): FeedLine[] {
  const t = '2026-12-06T00:00:00.000Z';
  const audience = {
    orgId, userId: null, ingestId: null, tlp: 'green' as const, pap: null, anonymous: false, allowCount: true, confidence: null,
    recipientOrgs: [], recipientGroups: [], recipientUsers: [], firstSeen: t, lastSeen: t,
  };
  return Array.from({ length: n }, (_, i) =>
    unhashedLine(audience, {
      scoType: 'domain-name', value: `${prefix}-${i}.example`, scoId: sco(i), indicatorId: `indicator--${uuidOf(`${prefix}-ind-${i}`)}`,
      relationshipId: `relationship--${uuidOf(`${prefix}-rel-${i}`)}`, created: t, modified: t, validFrom: t, name: null, description: null, indicatorTypes: [], labels: [],
    }),
  );
}

// A UUID made from a text (its SHA-1's first 16 bytes), the same for the same text.
function uuidOf(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

describeStorage('LinesAhead', (backend) => {
  let storage: Storage;
  let orgId: string;
  beforeAll(async () => {
    storage = await backend.open();
    orgId = (await insertOrg(storage.db, { name: `ahead-${crypto.randomUUID()}`, kind: 'industry', sector: null, subsector: null, country: null, nda_accepted_at: null, nda_accepted_by: null, nda_version: null })).id;
  });
  afterAll(async () => {
    await storage.close();
  });

  it("probes ahead on PostgreSQL what the ingest's transaction would answer for lines that meet only committed rows", async () => {
    const prefix = `ahead-${crypto.randomUUID()}`;
    // Committed before: 30 lines (their indicators refuse the same lines again; their observables are registered).
    await storage.db.transaction().execute(async (trx) => {
      await insertNewLines(trx, linesOf(orgId, prefix, 30));
    });
    // A batch of 60: the 30 again (refused), and 30 new lines of which ten name an observable a committed line presents.
    const again = linesOf(orgId, prefix, 30);
    const fresh = linesOf(orgId, `${prefix}-b`, 30, (i) => (i < 10 ? again[i]!.scoId : `domain-name--${uuidOf(`${prefix}-b-sco-${i}`)}`));
    const batch = [...again, ...fresh];
    await storage.db.transaction().execute(async (trx) => {
      await lockKnowledgeWrites(trx);
      const side = new IngestSide(storage.side, trx);
      const ahead = await LinesAhead.open(trx, side);
      const probed = ahead.probe(batch, batch.length);
      if (!storage.side) {
        expect(probed).toBeUndefined(); // PGlite: one connection, nothing ahead
        return;
      }
      const a = await probed!;
      const inTrx = await probeLines(trx, batch);
      const at = (await sql<{ at: Date }>`select now() as at`.execute(trx)).rows[0]!.at;
      expect(a.at!.toISOString()).toBe(at.toISOString()); // the transaction's time, not the side's
      expect((a.refused ?? []).map(Number).sort((x, y) => x - y)).toEqual((inTrx.refused ?? []).map(Number).sort((x, y) => x - y));
      expect((a.refused ?? []).length).toBe(30);
      const owners = (p: typeof a) => Object.fromEntries((p.registered ?? []).map((id, k) => [id, p.owners?.[k] ?? null]));
      expect(owners(a)).toEqual(owners(inTrx));
      expect(Object.keys(owners(a))).toHaveLength(30);
      // Its numbers are taken as in the transaction: one line's three consecutive.
      const written = await insertNewLines(trx, batch, undefined, { locked: true, probed: Promise.resolve(a) });
      expect(written.written).toHaveLength(30);
      expect(written.refused).toHaveLength(30);
      await side.rollback();
    });
  });

  it("probes again in the transaction when a probe made ahead took numbers the transaction's own writes came between", async () => {
    if (!storage.side) return; // PGlite: nothing is probed ahead
    const lines = linesOf(orgId, `ahead-${crypto.randomUUID()}`, 10);
    await storage.db.transaction().execute(async (trx) => {
      await lockKnowledgeWrites(trx);
      const side = new IngestSide(storage.side, trx);
      const ahead = await LinesAhead.open(trx, side);
      const a = await ahead.probe(lines, lines.length)!;
      // As if the transaction had taken one number while the probe took its 30: the second line's three are not consecutive.
      const first = Number(a.seqs![0]);
      const interleaved = { ...a, seqs: Array.from({ length: 30 }, (_, k) => first + k + (k >= 4 ? 1 : 0)) };
      const r = await insertNewLines(trx, lines, undefined, { locked: true, probed: Promise.resolve(interleaved) });
      expect(r.written).toHaveLength(10);
      const rows = await sql<{ seq: string; sco_seq: string }>`select seq, sco_seq from feed_lines where id = any(cast(${`{${r.ids.join(',')}}`} as bigint[]))`.execute(trx);
      expect(rows.rows).toHaveLength(10);
      for (const row of rows.rows) expect(Number(row.sco_seq)).toBe(Number(row.seq) + 1);
      expect(rows.rows.every((row) => Number(row.seq) >= first + 30)).toBe(true); // numbers taken again, in the transaction
      await side.rollback();
    });
  });

  it('probes ahead only a batch whose lines a parse drafted, all of them', async () => {
    const lines = linesOf(orgId, `ahead-${crypto.randomUUID()}`, 6);
    await storage.db.transaction().execute(async (trx) => {
      await lockKnowledgeWrites(trx);
      const side = new IngestSide(storage.side, trx);
      const ahead = await LinesAhead.open(trx, side);
      // Lines found among a slice's objects (after the drafts) may meet the ingest's own rows: probed in the transaction.
      expect(ahead.probe(lines, 4)).toBeUndefined();
      expect(ahead.probe(lines, 0)).toBeUndefined();
      expect(ahead.probe([], 0)).toBeUndefined();
      const drafted = ahead.probe(lines, lines.length);
      expect(drafted === undefined).toBe(!storage.side);
      const r = await insertNewLines(trx, lines, undefined, { locked: true, probed: drafted });
      expect(r.written).toHaveLength(6);
      await side.rollback();
    });
  });
});
