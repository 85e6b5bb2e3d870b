import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kessetsu as cli, migratedFolder } from '../../test/support/cli.ts';

describe('kessetsu stats and report commands', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-stats-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a CSV (bad lines listed, nothing written), shows a series with its changes, exports it, writes a report', { timeout: 600_000 }, async () => {
    // A migrated folder, not a new one: these commands are not about initialising it (test speed, issue 11.7).
    const data = ['--data', migratedFolder(path.join(dir, 'data'))];
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'series,unit,category,period,value,source\nphishing_reports,cases,total,2024,100,Council\nphishing_reports,,total,2025,1O5,Council\n');
    const refused = await cli(['stats', 'import', bad, ...data]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('line 3 (value): "1O5" is not a plain number');
    const good = path.join(dir, 'good.csv');
    writeFileSync(good, 'series,unit,title_en,category,period,value,source\nphishing_reports,cases,Phishing reports,total,2024,100,Council\nphishing_reports,,,total,2025,105,Council\n');
    expect((await cli(['stats', 'import', good, '--publish', ...data])).out).toBe('imported 2 values into phishing_reports (2)\n');
    const show = await cli(['stats', 'show', 'phishing_reports', ...data]);
    expect(show.out).toContain('2025\tTotal\t105 cases, 5 (5.0%) more than the year before');
    const csv = await cli(['stats', 'export', 'cybercrime_arrests', '--from', '2015', ...data]);
    expect(csv.out.split('\n').filter((l) => l.startsWith('cybercrime_arrests,'))).toHaveLength(15);
    const out = path.join(dir, 'report.html');
    const rep = await cli(['report', '--period', '2015', '--lang', 'en', '--format', 'html', '--out', out, ...data]);
    expect(rep.code, rep.err).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('8,096 cases, 191 (2.4%) more than the year before');
    expect((await cli(['report', '--period', '2015-13', '--out', out, ...data])).err).toContain('is not a report period');
  });
});
