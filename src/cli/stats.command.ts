import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { App } from '../app.ts';
import { AppError } from '../shared/errors.ts';
import { hubViewer } from '../stats/stats.module.ts';
import { CliError, callApi, withDirectApp, type StorageFlags } from './cli-context.ts';

// Statistics (issue 16): `kessetsu stats list|show|export|import|publish` and `kessetsu report`.
// On the database directly they run as the hub; `--url` and `--key` ask a running hub as the key's owner.

interface Flags extends StorageFlags {
  readonly url?: string;
  readonly key?: string;
  readonly json?: boolean;
  readonly from?: string;
  readonly to?: string;
}

function withStorage(cmd: Command, remote = true): Command {
  cmd.option('--data <dir>', 'PGlite data folder', './data');
  return remote ? cmd.option('--url <url>', 'ask a running hub instead of the database').option('--key <key>', 'API key for --url') : cmd;
}

async function direct<T>(flags: Flags, fn: (app: App) => Promise<T>): Promise<T> {
  return withDirectApp(flags, async (app) => {
    try {
      return await fn(app);
    } catch (err) {
      if (err instanceof AppError) throw new CliError(err.message + (err.code === 'unprocessable' ? `\n${lineErrors(err.details)}` : ''));
      throw err;
    }
  }, { index: false });
}

function lineErrors(details: unknown): string {
  const errors = (details as { errors?: { line: number; field: string | null; reason: string }[] } | null)?.errors ?? [];
  return errors.map((e) => `  line ${e.line}${e.field ? ` (${e.field})` : ''}: ${e.reason}`).join('\n');
}

function rangeQuery(flags: Flags): string {
  const q = new URLSearchParams();
  if (flags.from) q.set('from', flags.from);
  if (flags.to) q.set('to', flags.to);
  return q.size ? `?${q}` : '';
}

async function fetchRaw(url: string, key: string, path: string): Promise<Buffer> {
  const res = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${key}` } }).catch((err: Error) => {
    throw new CliError(`cannot reach ${url}: ${err.message}`);
  });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new CliError(`GET ${path}: HTTP ${res.status}: ${body.toString('utf8').slice(0, 500)}`);
  return body;
}

function out(data: string | Buffer, file: string | undefined): void {
  if (file) writeFileSync(file, data);
  else process.stdout.write(data);
}

/** Registers `kessetsu stats …` and `kessetsu report`. */
export function registerStats(program: Command): void {
  const stats = program.command('stats').description('statistic series: published tables, imports, and the hub\'s own series');

  withStorage(stats.command('list').description('the series you may see').option('--json', 'print JSON')).action(async (flags: Flags) => {
    const r = (flags.url
      ? ((await callApi(flags.url, needKey(flags), 'GET', '/api/v1/stats/series')) as { items: Record<string, unknown>[] }).items
      : await direct(flags, async (app) => app.stats.series.list(await hubViewer(app.storage.db)))) as unknown as { id: string; kind: string; unit: string; title: { en: string }; values: number | null; first: string | null; last: string | null }[];
    if (flags.json) return out(JSON.stringify(r, null, 2) + '\n', undefined);
    for (const s of r) process.stdout.write(`${s.id}\t${s.kind}\t${s.unit}\t${s.title.en}${s.values === null ? '' : `\t${s.values} values, ${s.first} – ${s.last}`}\n`);
  });

  withStorage(stats.command('show').argument('<id>', 'series id (cybercrime_arrests, platform.contributions_by_sector, …)').description('a series: each value with its change against the year before').option('--from <period>').option('--to <period>').option('--lang <en|ja>', 'language of the sentences', 'en').option('--json', 'print JSON')).action(
    async (id: string, flags: Flags & { lang: string }) => {
      if (flags.lang !== 'en' && flags.lang !== 'ja') throw new CliError('--lang must be en or ja', 2);
      const v = (flags.url
        ? await callApi(flags.url, needKey(flags), 'GET', `/api/v1/stats/series/${encodeURIComponent(id)}${rangeQuery(flags)}`)
        : await direct(flags, async (app) => app.stats.series.get(await hubViewer(app.storage.db), id, flags))) as { title: Record<string, string>; categories: { key: string; label: Record<string, string> }[]; values: { category: string; period: string; text: Record<string, string> }[]; checks: { ok: boolean; category: string; period: string; rule: string; expected: number; actual: number }[] };
      if (flags.json) return out(JSON.stringify(v, null, 2) + '\n', undefined);
      const lang = flags.lang as 'en' | 'ja';
      process.stdout.write(`${v.title[lang]}\n`);
      for (const x of v.values) process.stdout.write(`${x.period}\t${v.categories.find((c) => c.key === x.category)?.label[lang] || x.category}\t${x.text[lang]}\n`);
      for (const c of v.checks.filter((c) => !c.ok)) process.stdout.write(`check failed: ${c.category} ${c.period}: ${c.rule} ${c.actual} ≠ ${c.expected}\n`);
    },
  );

  withStorage(stats.command('export').argument('<id>', 'series id').description('a series as CSV (the import format) or JSON').option('--format <csv|json>', 'csv or json', 'csv').option('--from <period>').option('--to <period>').option('--out <file>', 'write here instead of stdout')).action(
    async (id: string, flags: Flags & { format: string; out?: string }) => {
      if (flags.format !== 'csv' && flags.format !== 'json') throw new CliError('--format must be csv or json', 2);
      const q = rangeQuery(flags);
      const path = `/api/v1/stats/series/${encodeURIComponent(id)}${q}${q ? '&' : '?'}format=${flags.format}`;
      const body = flags.url
        ? await fetchRaw(flags.url, needKey(flags), path)
        : await direct(flags, async (app) => {
            const viewer = await hubViewer(app.storage.db);
            return flags.format === 'csv' ? app.stats.series.exportCsv(viewer, id, flags) : JSON.stringify(await app.stats.series.get(viewer, id, flags), null, 2) + '\n';
          });
      out(body, flags.out);
    },
  );

  withStorage(stats.command('import').argument('<file>', 'CSV file in the documented format').description('import series from CSV (all or nothing; bad lines are listed)').option('--publish', 'make the series public'), false).action(
    async (file: string, flags: Flags & { publish?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
      }
      const r = await direct(flags, async (app) => app.stats.series.importCsv(await hubViewer(app.storage.db), text, { publish: flags.publish }));
      process.stdout.write(`imported ${r.rows} values into ${r.series.map((s) => `${s.id} (${s.values})`).join(', ')}\n`);
    },
  );

  withStorage(stats.command('publish').argument('<id>', 'series id').description('make a stored series public (--undo: take it back)').option('--undo', 'unpublish'), false).action(async (id: string, flags: Flags & { undo?: boolean }) => {
    await direct(flags, async (app) => app.stats.series.publish(await hubViewer(app.storage.db), id, !flags.undo));
    process.stdout.write(`${id}: ${flags.undo ? 'unpublished' : 'published'}\n`);
  });

  withStorage(
    program
      .command('report')
      .description('a monthly (2026-10) or annual (2026, FY2026) report, in Japanese or English, as HTML or PDF')
      .requiredOption('--period <period>', '2026-10, 2026, FY2026 or 2026H1')
      .option('--lang <ja|en>', 'language', 'ja')
      .option('--format <pdf|html>', 'pdf (needs Chromium) or html', 'pdf')
      .requiredOption('--out <file>', 'where to write the report'),
  ).action(async (flags: Flags & { period: string; lang: string; format: string; out: string }) => {
    if (flags.lang !== 'en' && flags.lang !== 'ja') throw new CliError('--lang must be ja or en', 2);
    if (flags.format !== 'pdf' && flags.format !== 'html') throw new CliError('--format must be pdf or html', 2);
    const body = flags.url
      ? await fetchRaw(flags.url, needKey(flags), `/api/v1/stats/reports/${encodeURIComponent(flags.period)}?lang=${flags.lang}&format=${flags.format}`)
      : (await direct(flags, async (app) => app.stats.reports.render(await hubViewer(app.storage.db), flags.period, flags.lang as 'en' | 'ja', flags.format as 'pdf' | 'html'))).body;
    writeFileSync(flags.out, body);
    process.stdout.write(`wrote ${flags.out} (${body.length} bytes)\n`);
  });
}

function needKey(flags: Flags): string {
  if (!flags.key) throw new CliError('--url needs --key', 2);
  return flags.key;
}
