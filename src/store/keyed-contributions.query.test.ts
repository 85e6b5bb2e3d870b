import { randomUUID } from 'node:crypto';
import { sql, type InferResult, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import { indicator, share } from '../../test/support/taxii.ts';
import { countableContribution, headContribution, POLICY_COLUMNS, visibleContribution } from '../access/visibility.policy.ts';
import { PUBLIC_VIEWER, type AnyViewer } from '../access/viewer.ts';
import { keyedContributions } from './keyed-contributions.query.ts';

// The keyed rows carry every column the policy reads, under the policy's names (checked by the compiler here, and
// at run time below).
type KeyedRow = InferResult<ReturnType<typeof keyedContributions>>[number];
const carried: readonly (keyof KeyedRow)[] = POLICY_COLUMNS;

// The policy applied to the keyed rows answers what it answers on the contributions they come from, for every kind
// of viewer and every condition of the policy module.
describeStorage('keyed contributions', (backend) => {
  let hub: TestHub;
  let sharer: TestMember;
  let reader: TestMember;
  let outsider: TestMember;
  const tag = randomUUID().slice(0, 8);
  const value = (n: number) => `keyed-${n}-${tag}.example.com`;
  const on = (n: number) => indicator(`keyed ${n}`, { pattern: `[domain-name:value = '${value(n)}']` });

  beforeAll(async () => {
    hub = await startHub(backend);
    sharer = await makeMember(hub);
    reader = await makeMember(hub, { sector: 'telecom' });
    outsider = await makeMember(hub, { nda: false });
    await share(hub, sharer, [on(1)], 'green');
    await share(hub, outsider, [on(1)], 'amber');
    await share(hub, sharer, [on(2)], 'amber', { orgs: [reader.org.id] });
    await share(hub, sharer, [on(3)], 'red');
    await share(hub, sharer, [on(4)], 'clear');
    await share(hub, reader, [on(4)], 'amber+strict');
  });
  afterAll(() => hub.close());

  const keys = () => [1, 2, 3, 4].map((n) => `domain-name:${value(n)}`);

  async function viaKeyed(cond: (alias: string) => RawBuilder<boolean>): Promise<unknown[]> {
    const db = hub.app.storage.db;
    const rows = await db.selectFrom(keyedContributions(db).as('kc')).selectAll('kc').where('kc.key', 'in', keys()).where(cond('kc')).orderBy('kc.key').orderBy('kc.id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), modified: r.modified ? new Date(r.modified).toISOString() : null }));
  }

  async function viaJoin(cond: (alias: string) => RawBuilder<boolean>): Promise<unknown[]> {
    const res = await sql<KeyedRow>`select k.key, k.object_id, c.id, ${sql.join(POLICY_COLUMNS.filter((n) => n !== 'id' && n !== 'object_id').map((n) => sql.ref(`c.${n}`)))}
      from object_keys k join contributions c on c.id = k.contribution_id
      where k.key in (${sql.join(keys())}) and ${cond('c')} order by k.key, c.id`.execute(hub.app.storage.db);
    return res.rows.map((r) => ({ ...r, id: Number(r.id), modified: r.modified ? new Date(r.modified).toISOString() : null }));
  }

  it('carries the policy columns under their names', async () => {
    const db = hub.app.storage.db;
    const row = await db.selectFrom(keyedContributions(db).as('kc')).selectAll('kc').where('kc.key', '=', keys()[0]!).executeTakeFirstOrThrow();
    expect(Object.keys(row).sort()).toEqual(['key', ...carried].sort());
  });

  it('gives each viewer the rows the policy gives on the contributions', async () => {
    const auth = hub.app.auth;
    const viewers: [string, AnyViewer, number][] = [
      ['public', PUBLIC_VIEWER, 1],
      ['hub', await auth.authenticate(hub.adminKey), 6],
      ['sharer', await auth.authenticate(sharer.key), 4],
      ['reader', await auth.authenticate(reader.key), 4],
      ['outsider', await auth.authenticate(outsider.key), 2],
    ];
    for (const [name, v, visible] of viewers) {
      const conditions: [string, (alias: string) => RawBuilder<boolean>][] = [
        ['visible', (a) => visibleContribution(v, a)],
        ['countable', (a) => countableContribution(v, a)],
        ['head', (a) => headContribution(v, a)],
      ];
      for (const [what, cond] of conditions) expect(await viaKeyed(cond), `${name} ${what}`).toEqual(await viaJoin(cond));
      expect((await viaKeyed((a) => visibleContribution(v, a))).length, name).toBe(visible);
    }
  });
});
