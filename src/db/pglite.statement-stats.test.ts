import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config.ts';
import { PgliteWorker } from './pglite-worker.client.ts';
import { statementKey, StatementStats } from './pglite.statement-stats.ts';

// KESSETSU_PGLITE_STATEMENT_STATS (issue 17): PGlite's statements' CPU, summed by statement, written when it closes.

describe('statementKey', () => {
  it('names the operation and the statement with its spaces collapsed', () => {
    expect(statementKey('query', 'select *\n    from orgs\twhere id = $1  ')).toBe('query select * from orgs where id = $1');
    expect(statementKey('begin', undefined)).toBe('begin');
  });

  it('cuts long statements at 300 characters', () => {
    expect(statementKey('copy', `copy t (${'c, '.repeat(200)}z) from stdin`)).toHaveLength(300);
  });
});

describe('StatementStats', () => {
  it('gives each call the CPU from its start to its answer, a queued call from the answer before it', () => {
    let now = 0;
    const stats = new StatementStats(() => now);
    stats.arrived(); // a at 0
    now = 5;
    stats.arrived(); // b queued behind a
    now = 10;
    stats.answered('a'); // a: 10
    now = 13;
    stats.answered('b'); // b: 3, not 8
    now = 20;
    stats.arrived(); // a again, alone: from 20
    now = 21;
    stats.answered('a');
    expect(stats.totals()).toEqual([
      { statement: 'a', calls: 2, cpuMs: 11 },
      { statement: 'b', calls: 1, cpuMs: 3 },
    ]);
  });
});

describe('a PGlite worker with statement stats', () => {
  it('writes each statement, its calls and CPU when it closes, and never a parameter', async () => {
    const dir = mkdtempSync(path.join(inject('testTmp'), 'statement-stats-'));
    cpSync(inject('pgliteTemplate'), path.join(dir, 'data'), { recursive: true });
    const file = path.join(dir, 'stats.tsv');
    const worker = await PgliteWorker.start(path.join(dir, 'data'), 16, file);
    await worker.query('select 1');
    await worker.query('select  1');
    await worker.query('select $1::text as secret', ['the-parameter-value']);
    await Promise.all([worker.query('select count(*) from pg_class'), worker.query('select count(*) from pg_class')]);
    await worker.close();
    const text = readFileSync(file, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('cpu_ms\tcalls\tstatement');
    const rows = new Map(lines.slice(1).map((l) => l.split('\t')).map(([ms, calls, statement]) => [statement!, { ms: Number(ms), calls: Number(calls) }]));
    expect(rows.get('query select 1')?.calls).toBe(2);
    expect(rows.get('query select count(*) from pg_class')?.calls).toBe(2);
    expect(rows.get('query select $1::text as secret')?.calls).toBe(1);
    expect(rows.get('close')?.calls).toBe(1);
    for (const { ms } of rows.values()) expect(ms).toBeGreaterThanOrEqual(0);
    expect(text).not.toContain('the-parameter-value');
  });

  it('is off unless configured, and a file in a folder that does not exist is refused at start', () => {
    expect(loadConfig({}).pgliteStatementStats).toBeUndefined();
    expect(loadConfig({ KESSETSU_PGLITE_STATEMENT_STATS: 'stats.tsv' }).pgliteStatementStats).toBe(path.resolve('stats.tsv'));
    expect(() => loadConfig({ KESSETSU_PGLITE_STATEMENT_STATS: '/no/such/folder/stats.tsv' })).toThrow(ConfigError);
    expect(() => loadConfig({ KESSETSU_PGLITE_STATEMENT_STATS: '/no/such/folder/stats.tsv' })).toThrow(/KESSETSU_PGLITE_STATEMENT_STATS/);
  });
});
