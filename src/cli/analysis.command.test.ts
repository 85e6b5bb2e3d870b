import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kessetsu as cli, migratedFolder } from '../../test/support/cli.ts';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';

describe.runIf(hasSharedData())('kessetsu analysis commands', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-analysis-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports warninglists and enrichment, runs the analysis, answers correlate and the ranked lists', { timeout: 300_000 }, async () => {
    // The data folder holds only the database (a folder with foreign files is refused as damaged).
    const data = ['--data', migratedFolder(path.join(dir, 'db'))];
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"name": "x", "type": "cidr"}');
    const wl = await cli(['warninglists', 'import', sharedData('misp', 'warninglists', 'public-dns-v4.json'), sharedData('misp', 'warninglists', 'rfc1918.json'), broken, ...data]);
    // One bad file: reported with the field at fault, the others imported, exit code 1.
    expect(wl.code).toBe(1);
    expect(wl.out).toContain('public-dns-v4: 62745 entries');
    expect(wl.out).toMatch(/broken\.json: ERROR .*list: missing/);
    expect((await cli(['warninglists', 'disable', 'rfc1918', ...data])).out).toBe('rfc1918: disabled\n');
    expect((await cli(['warninglists', 'list', ...data])).out).toMatch(/^off\trfc1918\tnever_correlate,never_blocklist\timport\tv5\tcidr\t3\t0\t/m);
    const en = await cli(['enrichment', 'import', sharedData('enrichment', 'ip2asn-v4-sample.tsv'), ...data]);
    expect(en.out).toBe('ip2asn-v4 (ip2asn): 1427 ranges\n');
    const run = await cli(['analyse', ...data]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^run 1: 0 members, 0 values; clusters 0 active/);
    const corr = await cli(['correlate', '8.8.8.8', ...data]);
    const body = JSON.parse(corr.out) as { warninglisted: { list: string }[]; enrichment: { asn: number } };
    expect(body.warninglisted.map((w) => w.list)).toEqual(['kessetsu-public-resolvers', 'public-dns-v4']);
    expect(body.enrichment.asn).toBe(15169);
    expect((await cli(['root-sources', ...data])).out).toBe('nothing to show (run "kessetsu analyse" first?)\n');
    expect(JSON.parse((await cli(['priorities', '--json', ...data])).out)).toEqual({ items: [] });
    const bad = await cli(['analyse', '--set', 'too_common=lots', ...data]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('too_common: "lots" is not a non-negative number');
    expect((await cli(['clusters', '--id', 'x', ...data])).code).toBe(2);
  });
});
