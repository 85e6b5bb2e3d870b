import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openPglite } from '../../src/db/database.ts';
import { bootstrap } from '../../src/orgs/bootstrap.ts';
import { makeMember, type TestHub } from '../support/app.ts';
import { phishingBundle } from './support.ts';
import { kessetsu as cli, migratedFolder } from '../support/cli.ts';

/** `kessetsu …` run in this process (test/support/cli.ts), its streams named as a process's. */
async function kessetsu(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await cli(args);
  return { code: r.code, stdout: r.out, stderr: r.err };
}

// The CLI opens a PGlite folder directly (as an operator would on the hub's machine).
describe('kessetsu export', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-export-cli-'));
  const data = migratedFolder(path.join(dir, 'data'));
  let bankB = '';

  beforeAll(async () => {
    const storage = await openPglite(data);
    const app = await createApp(loadConfig({}, { dataDir: data }), { storage });
    await bootstrap(storage.db, app.orgs, undefined);
    const a = await makeMember({ app } as TestHub, { name: 'CLI Bank A' });
    const b = await makeMember({ app } as TestHub, { name: 'CLI Bank B' });
    bankB = b.org.id;
    const va = await app.auth.authenticate(a.key);
    const params = { format: 'stix' as const, orgs: [] as string[], groups: [] as string[], users: [] as string[], anonymous: false, dryRun: false, lenient: false, source: 'cli' as const };
    await app.ingest.ingest(va, Buffer.from(phishingBundle('http://cli-green.example/a')), { ...params, tlp: 'green' });
    await app.ingest.ingest(va, Buffer.from(phishingBundle('http://cli-amber.example/b')), { ...params, tlp: 'amber', orgs: [a.org.id] });
    await app.close();
    await storage.close();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a feed to a file, as the hub or as an organisation would see it', async () => {
    const out = path.join(dir, 'all.txt');
    const hubRun = await kessetsu(['export', '--format', 'plain', '--data', data, '--out', out]);
    expect(hubRun.code, hubRun.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['http://cli-amber.example/b', 'http://cli-green.example/a']);
    const asB = await kessetsu(['export', '--format', 'plain', '--data', data, '--as-org', bankB]);
    expect(asB.stdout).toBe('http://cli-green.example/a\n');
    const rpz = await kessetsu(['export', '--format', 'rpz', '--data', data, '--as-org', 'CLI Bank B']);
    expect(rpz.stdout).toContain('cli-green.example CNAME .');
    expect(rpz.stdout).not.toContain('cli-amber');
    const stix = JSON.parse((await kessetsu(['export', '--format', 'stix', '--type', 'indicator', '--data', data])).stdout);
    expect(stix.objects.filter((o: { type: string }) => o.type === 'indicator')).toHaveLength(2);
  }, 120_000);

  it('says what is wrong with its options', async () => {
    const bad = await kessetsu(['export', '--format', 'docx', '--data', data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of stix, misp, plain');
    expect((await kessetsu(['export', '--format', 'plain', '--tlp', 'purple', '--data', data])).stderr).toContain('--tlp must be');
    expect((await kessetsu(['export', '--format', 'plain', '--as-org', 'Nobody', '--data', data])).stderr).toContain('no organisation "Nobody"');
    expect((await kessetsu(['export', '--help'])).stdout).toContain('--format <format>');
  }, 120_000);
});
