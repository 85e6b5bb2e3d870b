import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { TLP2_MARKING_IDS } from '../../src/trust/tlp.ts';

// A daily feed sent again (issue 17.1): the bundle is streamed in slices and each batch of a re-import looks for its
// unchanged contributions first. What changed must still be told from what did not, object by object: a byte
// changed deep in an object's content, a later version, a new marking (another audience) — and keys written in
// another order are no change at all.
const T = '2026-11-01T00:00:00.000Z';
const LATER = '2026-11-03T00:00:00.000Z';
const uuid = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const SHA = 'a'.repeat(64);

interface Changes {
  readonly version?: boolean;
  readonly sameVersionNested?: boolean;
  readonly reordered?: boolean;
  readonly scoNested?: boolean;
  readonly marking?: boolean;
}

/**
 * Five objects that change and 150 plain indicators: the first slice (150) holds the five, and is a batch a re-import
 * checks for unchanged contributions first (knowledge.writer.ts, SAME_FIRST_MIN).
 */
function bundle(c: Changes = {}): string {
  const ind = (i: number, extra: Record<string, unknown> = {}) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(i)}`, created: T, modified: T, name: `ind ${i}`, pattern: `[domain-name:value = 'rc-${i}.example.org']`, pattern_type: 'stix', valid_from: T, ...extra });
  const objects: Record<string, unknown>[] = [];
  // A later version whose only other change is a byte of a nested property.
  objects.push(ind(1000, { modified: c.version ? LATER : T, external_references: [{ source_name: 'rc', external_id: c.version ? 'RC-2' : 'RC-1' }] }));
  // The same version with a byte changed in a nested property: STIX names one content by id and modified, the first stays.
  objects.push(ind(1001, { external_references: [{ source_name: 'rc', external_id: c.sameVersionNested ? 'RC-9' : 'RC-1' }] }));
  // The same content, its keys (top level and nested) in another order.
  const nested = { source_name: 'rc', external_id: 'RC-1', description: 'kept' };
  objects.push(c.reordered ? { pattern_type: 'stix', valid_from: T, name: 'ind 1002', external_references: [{ description: 'kept', external_id: 'RC-1', source_name: 'rc' }], pattern: "[domain-name:value = 'rc-1002.example.org']", modified: T, created: T, id: `indicator--${uuid(1002)}`, spec_version: '2.1', type: 'indicator' } : ind(1002, { name: 'ind 1002', external_references: [nested] }));
  // An observable (no `modified`: its content decides) with one hex digit of a nested hash changed.
  objects.push({ type: 'file', spec_version: '2.1', id: `file--${uuid(1003)}`, name: 'rc.exe', hashes: { 'SHA-256': c.scoNested ? `${SHA.slice(0, 40)}b${SHA.slice(41)}` : SHA } });
  // Marked TLP:AMBER now: shared to another audience, a contribution of its own.
  objects.push(ind(1004, c.marking ? { object_marking_refs: [TLP2_MARKING_IDS.amber] } : {}));
  for (let i = 0; i < 150; i++) objects.push(ind(i));
  return JSON.stringify({ type: 'bundle', id: `bundle--${uuid(999_999)}`, objects });
}

describeStorage('a re-import tells each changed object from the unchanged ones', (backend) => {
  let hub: TestHub;
  let m: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_INGEST_SLICE_OBJECTS: '150' });
    m = await makeMember(hub, { name: 'Reimport Changes' });
  }, 120_000);
  afterAll(async () => hub?.close());

  const post = async (body: string) => {
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(m.key), 'content-type': 'application/json' }, payload: body });
    expect(r.statusCode).toBe(200);
    return (r.json() as { counts: Record<string, number> }).counts;
  };
  const data = async (id: string) =>
    (await sql<{ tlp: string; data: Record<string, unknown> }>`select tlp, data from contributions where object_id = ${id} and org_id = cast(${m.org.id} as uuid) order by tlp`.execute(hub.app.storage.db)).rows;

  it('versions, replaces and adds what changed, and only that', { timeout: 120_000 }, async () => {
    expect(await post(bundle())).toMatchObject({ objects: 155, created: 155, updated: 0, unchanged: 0 });
    // Sent again as it was, and with its keys in another order: nothing changed.
    expect(await post(bundle())).toMatchObject({ objects: 155, created: 0, updated: 0, unchanged: 155 });
    expect(await post(bundle({ reordered: true, sameVersionNested: true }))).toMatchObject({ objects: 155, created: 0, updated: 0, unchanged: 155 });
    expect((await data(`indicator--${uuid(1001)}`))[0]!.data.external_references).toEqual([{ source_name: 'rc', external_id: 'RC-1' }]);

    expect(await post(bundle({ version: true, scoNested: true, marking: true }))).toMatchObject({ objects: 155, created: 1, updated: 2, unchanged: 152 });
    const version = await data(`indicator--${uuid(1000)}`);
    // Stored with its TLP marking, a millisecond later (prepare.ts withTlpMarking).
    expect(version.map((r) => [r.data.modified, r.data.external_references])).toEqual([['2026-11-03T00:00:00.001Z', [{ source_name: 'rc', external_id: 'RC-2' }]]]);
    const sco = await data(`file--${uuid(1003)}`);
    expect((sco[0]!.data.hashes as Record<string, string>)['SHA-256']).toContain('b');
    expect((await data(`indicator--${uuid(1004)}`)).map((r) => r.tlp)).toEqual(['amber', 'green']);
    // The replaced contents are kept as history.
    const history = await sql<{ n: string }>`select count(*) as n from stix_versions v join contributions c on c.id = v.contribution_id where c.org_id = cast(${m.org.id} as uuid)`.execute(hub.app.storage.db);
    expect(Number(history.rows[0]!.n)).toBe(2);
  });
});
