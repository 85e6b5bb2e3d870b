import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/audit.repository.ts';
import { describeStorage } from '../support/storage.ts';
import { approveSubscription, as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

// The ingest's hooks see a streamed file slice by slice as it is written (issue 17: memory bounded by the slice):
// every object once, in the ingest's transaction; what they wrote goes when a later slice fails. The alerts the
// hooks raise are those of a hub that takes the file whole. Slices of 150 objects (5,000 in production).
const ROWS = 400; // about 3 objects a row: 8 slices

const feed = (prefix: string): string => ['value,comment', ...Array.from({ length: ROWS }, (_, i) => `${prefix}-${i}.example.org,row ${i}`), ''].join('\n');

describeStorage('ingest hooks of a file written in slices', (backend) => {
  let streamed: TestHub;
  let whole: TestHub;
  beforeAll(async () => {
    streamed = await startHub(backend, { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_INGEST_SLICE_OBJECTS: '150' });
    whole = await startHub(backend, { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_INGEST_SLICE_OBJECTS: '0' });
  });
  afterAll(async () => {
    await streamed?.close();
    await whole?.close();
  });

  const post = (hub: TestHub, m: TestMember, prefix: string) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(m.key), 'content-type': 'text/csv' }, payload: feed(prefix) });
  const subscribe = async (hub: TestHub, m: TestMember, body: Record<string, unknown>): Promise<void> => {
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(m.key), payload: { name: 'x', ...body } });
    expect(r.statusCode, r.body).toBe(201);
    if (!r.json().enabled) await approveSubscription(hub, r.json().id);
  };
  // The alerts a subscriber got, without what differs between two hubs (ids of objects made per organisation).
  const alerts = async (hub: TestHub, m: TestMember) => {
    const rows = await hub.app.storage.db.selectFrom('alerts').select(['kind', 'title', 'body']).where('org_id', '=', m.org.id).orderBy('id').execute();
    return rows.map((r) => {
      const b = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as { total: number; matches: { value: string; type: string; reason: string; tlp: string }[] };
      return { kind: r.kind, title: r.title, total: b.total, matches: b.matches.map((x) => `${x.type}|${x.value}|${x.reason}|${x.tlp}`) };
    });
  };

  const hookedHits = async (hub: TestHub, prefix = 'hooked') =>
    (await hub.app.storage.db.selectFrom('analysis_warninglist_hits').select('key').where('key', 'like', `domain-name:${prefix}-%`).execute()).length;

  it('a hook sees every object of a multi-slice ingest exactly once; the alerts are those of the whole file', { timeout: 300_000 }, async () => {
    const seen: string[][] = [];
    let finished = 0;
    let committed: { objects: number } | undefined;
    streamed.app.ingest.addHooks({
      begin: () => ({
        slice: async (trx, slice) => {
          expect(trx.isTransaction).toBe(true);
          // A CSV feed's flat rows come as lines, each standing for its three objects (IngestSlice.lines).
          seen.push([...slice.objects.map((p) => p.record.id), ...(slice.lines ?? []).flatMap((l) => [l.scoId, l.indicatorId, l.relationshipId])]);
        },
        finish: async () => void finished++,
        committed: (ev) => void (committed = ev),
      }),
    });
    const results = [];
    for (const hub of [streamed, whole]) {
      const [a, s] = [await makeMember(hub), await makeMember(hub)];
      await subscribe(hub, s, { kind: 'asset', rule: { keywords: ['hooked'] } });
      await subscribe(hub, s, { kind: 'indicator', rule: { types: ['domain-name'] } });
      const r = await post(hub, a, 'hooked');
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      const ids = (await hub.app.storage.db.selectFrom('contributions').select('object_id').where('org_id', '=', a.org.id).execute()).map((c) => c.object_id);
      results.push({ report: r.json(), ids, alerts: await alerts(hub, s) });
    }
    const [s, w] = results as [(typeof results)[0], (typeof results)[0]];
    expect(seen.length).toBeGreaterThan(5);
    const all = seen.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(s.ids.sort());
    expect(s.report.counts.objects).toBe(all.length);
    expect(finished).toBe(1);
    expect(committed?.objects).toBe(all.length);
    // One alert per subscription over the whole file, as the hub that takes it whole raises it.
    expect(s.alerts.map((x) => x.kind).sort()).toEqual(['asset', 'indicator']);
    expect(s.alerts.find((x) => x.kind === 'asset')!.total).toBe(ROWS);
    expect(s.alerts).toEqual(w.alerts);
    // The values the ingest's warninglist review found (example.org is a documentation domain) are recorded with it,
    // slice by slice in its transaction, as the hub that takes the file whole records them.
    for (const hub of [streamed, whole]) expect(await hookedHits(hub)).toBe(ROWS);
  });

  it('a failure in a late slice leaves nothing of what the hooks wrote in the earlier ones', { timeout: 300_000 }, async () => {
    const m = await makeMember(streamed);
    const db = streamed.app.storage.db;
    let armed = true;
    let slices = 0;
    streamed.app.ingest.addHooks({
      begin: (_trx, ingest) => ({
        slice: async (trx) => {
          if (!armed) return;
          await appendAudit(trx, [{ actorUserId: null, actorOrgId: ingest.org.id, action: 'test.hooked_slice', targetType: 'ingest', targetId: ingest.ingestId, via: 'api', details: {} }]);
          if (++slices === 6) throw new Error('simulated failure in a late slice');
        },
      }),
    });
    const r = await post(streamed, m, 'failing');
    expect(r.statusCode, r.body.slice(0, 300)).toBe(500);
    expect(slices).toBe(6);
    expect(await db.selectFrom('audit_log').select('seq').where('action', '=', 'test.hooked_slice').execute()).toEqual([]);
    expect(await db.selectFrom('contributions').select('id').where('org_id', '=', m.org.id).execute()).toEqual([]);
    // The product's own slice hook (warninglist hits of the earlier slices) wrote in the transaction too (issue 17: not
    // held to the end).
    expect(await hookedHits(streamed, 'failing')).toBe(0);
    armed = false;
  });

  it('a re-import records the hits of what it writes new, and keeps those of what it leaves as stored', { timeout: 300_000 }, async () => {
    const m = await makeMember(streamed);
    const first = await post(streamed, m, 'again');
    expect(first.statusCode, first.body.slice(0, 300)).toBe(200);
    expect(await hookedHits(streamed, 'again')).toBe(ROWS);
    // The same rows again and 50 new ones (issue 17: the unchanged rows' hits are not inserted again).
    const more = ['value,comment', ...Array.from({ length: ROWS + 50 }, (_, i) => `again-${i}.example.org,row ${i}`), ''].join('\n');
    const r = await streamed.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(m.key), 'content-type': 'text/csv' }, payload: more });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.json().counts.unchanged).toBe(first.json().counts.objects);
    expect(await hookedHits(streamed, 'again')).toBe(ROWS + 50);
  });
});
