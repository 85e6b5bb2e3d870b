import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { backends } from '../support/storage.ts';
import { kessetsu as cli } from '../support/cli.ts';


// `kessetsu warninglists … --url --key` against a running hub: no stop needed.
describe('kessetsu warninglists against a running hub', () => {
  let hub: TestHub;
  let base: string;
  let dir: string;
  let member: TestMember;

  beforeAll(async () => {
    hub = await startHub(backends()[0]!);
    base = await hub.server.listen({ host: '127.0.0.1', port: 0 });
    member = await makeMember(hub);
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-wl-cli-'));
    // MISP's layout: lists/<slug>/list.json.
    mkdirSync(path.join(dir, 'lists', 'google-gcp'), { recursive: true });
    writeFileSync(path.join(dir, 'lists', 'google-gcp', 'list.json'), JSON.stringify({ name: 'List of known GCP (Google Cloud Platform) IP address ranges', version: 7, type: 'cidr', matching_attributes: ['ip-src', 'ip-dst'], list: ['34.64.0.0/10', 'bogus'] }));
    mkdirSync(path.join(dir, 'lists', 'bad'), { recursive: true });
    writeFileSync(path.join(dir, 'lists', 'bad', 'list.json'), '{"name": "x", "type": "cidr"}');
    await hub.server.inject({
      method: 'POST',
      url: '/api/v1/ingest?format=stix&tlp=green',
      headers: { ...as(member.key), 'content-type': 'application/json' },
      payload: JSON.stringify({
        type: 'bundle',
        id: `bundle--${crypto.randomUUID()}`,
        objects: ['34.80.1.2', '1.1.1.1'].map((ip) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: new Date().toISOString(), modified: new Date().toISOString(), pattern: `[ipv4-addr:value = '${ip}']`, pattern_type: 'stix', valid_from: new Date().toISOString() })),
      }),
    });
    await hub.app.analysis.drain();
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports, lists, rescopes, updates and shows what is suppressed; the hub matches at once', { timeout: 600_000 }, async () => {
    const remote = ['--url', base, '--key', hub.adminKey];
    const imp = await cli(['warninglists', 'import', path.join(dir, 'lists'), ...remote]);
    expect(imp.code, imp.err).toBe(1);
    expect(imp.out).toContain('google-gcp: 1 entries, scopes warn');
    expect(imp.out).toMatch(/lists\/bad\/list\.json: ERROR .*list: missing/);
    // The running hub's matcher has the list now: a cloud address warns.
    expect(hub.app.warninglists.warnings('ipv4-addr:34.80.1.2').map((h) => h.list)).toEqual(['google-gcp']);

    const list = await cli(['warninglists', 'list', ...remote]);
    expect(list.out).toMatch(/^on \tgoogle-gcp\twarn\timport\tv7\tcidr\t1\t\d+\t/m);
    expect(list.out).toMatch(/^on \tkessetsu-public-resolvers\tnever_correlate,never_blocklist\tbuiltin\tv1\tcidr\t/m);

    expect((await cli(['warninglists', 'scope', 'google-gcp', 'never_blocklist', ...remote])).out).toBe('google-gcp: never_blocklist\n');
    expect(hub.app.warninglists.silenced('ipv4-addr:34.80.1.2', 'never_blocklist')?.list).toBe('google-gcp');
    const badScope = await cli(['warninglists', 'scope', 'google-gcp', 'sometimes', ...remote]);
    expect(badScope.code).toBe(2);
    expect(badScope.err).toContain('"sometimes" is not one of never_correlate, never_blocklist, warn');

    // Same version again: unchanged; the admin's scopes stay.
    const upd = await cli(['warninglists', 'update', path.join(dir, 'lists', 'google-gcp'), ...remote]);
    expect(upd.out).toBe('google-gcp: unchanged (the stored version is as new), scopes never_blocklist\n');
    expect((await cli(['warninglists', 'update', ...remote])).out).toBe('built-in lists are current\n');

    await hub.app.analysis.drain();
    const sup = await cli(['warninglists', 'suppressed', '--json', ...remote]);
    const items = (JSON.parse(sup.out) as { items: { key: string; lists: { slug: string }[] }[] }).items;
    expect(items.map((i) => [i.key, i.lists.map((l) => l.slug)])).toEqual(
      expect.arrayContaining([
        ['ipv4-addr:1.1.1.1', ['kessetsu-public-resolvers']],
        ['ipv4-addr:34.80.1.2', ['google-gcp']],
      ]),
    );

    const denied = await cli(['warninglists', 'disable', 'google-gcp', '--url', base, '--key', member.key]);
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('HTTP 403');
    expect((await cli(['warninglists', 'list', '--url', base])).code).toBe(2);
  });
});
