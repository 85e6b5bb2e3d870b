import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { App } from '../app.ts';
import type { Viewer } from '../access/viewer.ts';
import type { Tlp } from '../db/schema.ts';
import { parseTlp } from '../trust/tlp.ts';
import { AppError } from '../shared/errors.ts';
import { inflateBody } from '../ingest/body.ts';
import type { IngestParams, IngestReport } from '../ingest/ingest.params.ts';
import { CliError, withDirectApp, type StorageFlags } from './cli-context.ts';

interface ImportFlags extends StorageFlags {
  readonly format: string;
  readonly tlp?: string;
  readonly user?: string;
  readonly anonymous?: boolean;
  readonly dryRun?: boolean;
  readonly lenient?: boolean;
  readonly url?: string;
  readonly key?: string;
  readonly quiet?: boolean;
}

async function viewerFor(app: App, userId: string | undefined): Promise<Viewer> {
  let q = app.storage.db.selectFrom('users as u').innerJoin('orgs as o', 'o.id', 'u.org_id').select(['u.id', 'u.role', 'o.id as org_id', 'o.kind', 'o.sector', 'o.nda_accepted_at']);
  q = userId ? q.where('u.id', '=', userId) : q.where('u.role', '=', 'admin').orderBy('u.created_at');
  const u = await q.executeTakeFirst();
  if (!u) throw new CliError(userId ? `no user ${userId}` : 'no admin user yet: start the hub once (kessetsu serve) or give --user');
  const groups = await app.storage.db.selectFrom('sharing_group_members').select('group_id').where('org_id', '=', u.org_id).execute();
  return { kind: 'user', userId: u.id, orgId: u.org_id, orgKind: u.kind, sector: u.sector, role: u.role, ndaAccepted: u.nda_accepted_at !== null, groupIds: groups.map((g) => g.group_id), keyId: null };
}

function summarise(file: string, r: IngestReport): string {
  const c = r.counts;
  const head = `${file}: ${r.status}${r.dry_run ? ' (dry run)' : ''}, format ${r.format}: ${c.objects} objects, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected`;
  const byType = r.by_type ? `\n  would create by type: ${Object.entries(r.by_type).map(([t, n]) => `${t} ${n}`).join(', ')}` : '';
  const errs = r.errors.slice(0, 10).map((e) => `\n  error ${e.where}: ${e.reason}`).join('');
  const warns = r.warnings.slice(0, 5).map((e) => `\n  warning ${e.where}: ${e.reason}`).join('');
  return head + byType + errs + warns;
}

function progressBar(quiet: boolean) {
  if (quiet || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ format: '  {bar} {value}/{total} objects | {rate} obj/s | ETA {eta}s', stream: process.stderr }, cliProgress.Presets.shades_classic);
  const started = Date.now();
  let begun = false;
  return {
    update(done: number, total: number) {
      if (!begun) {
        bar.start(total, 0, { rate: 0 });
        begun = true;
      } else bar.setTotal(total); // a streamed import's total is an estimate until its end (issue 17)
      bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}

// Files this large (together, as given: gzip compressed) make a bulk load, which gives PGlite larger shared
// buffers (cli-context.ts): ~250,000 short CSV lines or ~50,000 STIX indicators, whose indexes outgrow the hub's
// 128 MB. A smaller import keeps the hub's: the bulk buffers cost ~420 MiB of memory and ~0.3 s from the start.
export const BULK_MIN_BYTES = 16 * 1024 * 1024;

/** The bytes of the files and MISP feed folders (their files, not nested folders) named. */
export function inputBytes(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    const st = statSync(f);
    if (!st.isDirectory()) n += st.size;
    else for (const e of readdirSync(f, { withFileTypes: true })) if (e.isFile()) n += statSync(path.join(f, e.name)).size;
  }
  return n;
}

/** `kessetsu import FILE…`: files, gzip files and MISP feed folders, with a progress bar. */
export function registerImport(program: Command): void {
  program
    .command('import <files...>')
    .description('import files (STIX, MISP event or feed folder, CSV, text, e-mail, STIX 1.x, OpenIOC)')
    .option('--format <format>', 'auto, stix, misp, csv, text, eml, stix1, openioc, cowrie', 'auto')
    .option('--tlp <level>', 'TLP of the contribution (markings in the data win when stricter)')
    .option('--user <id>', 'contributing user (default: the first admin)')
    .option('--anonymous', 'contribute anonymously (shown as the sector)')
    .option('--dry-run', 'parse and report what would be created; store nothing')
    .option('--lenient', 'STIX: import the valid objects and report the rest')
    .option('--data <dir>', 'PGlite data folder', './data')
    .option('--url <url>', 'send to a running hub instead of the database')
    .option('--key <key>', 'API key for --url')
    .option('--quiet', 'no progress bar')
    .action(async (files: string[], flags: ImportFlags) => {
      const tlp: Tlp | undefined = flags.tlp ? parseTlp(flags.tlp) : undefined;
      if (flags.tlp && !tlp) throw new CliError(`--tlp must be clear, green, amber, amber+strict or red; got "${flags.tlp}"`, 2);
      for (const f of files) if (!existsSync(f)) throw new CliError(`${f}: no such file or folder`, 2);
      if (flags.url) {
        if (!flags.key) throw new CliError('--url needs --key', 2);
        for (const file of files) {
          const qs = new URLSearchParams({ format: flags.format, ...(tlp ? { tlp } : {}), ...(flags.anonymous ? { anonymous: 'true' } : {}), ...(flags.dryRun ? { dry_run: 'true' } : {}), ...(flags.lenient ? { lenient: 'true' } : {}), filename: path.basename(file) });
          const res = await fetch(new URL(`/api/v1/ingest?${qs}`, flags.url), { method: 'POST', headers: { authorization: `Bearer ${flags.key}`, 'content-type': 'application/octet-stream' }, body: readFileSync(file) });
          const body = (await res.json()) as IngestReport & { error?: { message: string } };
          if (!res.ok) throw new CliError(`${file}: HTTP ${res.status}: ${body.error?.message ?? ''}`);
          process.stdout.write(summarise(file, body) + '\n');
        }
        return;
      }
      await withDirectApp(flags, async (app) => {
        const viewer = await viewerFor(app, flags.user);
        let failed = 0;
        for (const file of files) {
          const bar = progressBar(flags.quiet ?? false);
          const params: IngestParams = { format: (flags.format as IngestParams['format']) ?? 'auto', tlp, orgs: [], groups: [], users: [], anonymous: flags.anonymous ?? false, dryRun: flags.dryRun ?? false, lenient: flags.lenient ?? false, filename: path.basename(file), source: 'cli', onProgress: (d, t) => bar.update(d, t) };
          try {
            if (statSync(file).isDirectory()) {
              const { parseMispFeedDir } = await import('../ingest/parsers/misp-feed.parser.ts');
              for await (const ev of parseMispFeedDir(file)) {
                // The feed's own issues (odd manifest, missing events) come first, as a result without objects.
                if (ev.result.format === 'misp-feed') {
                  for (const i of [...ev.result.errors, ...ev.result.warnings]) process.stderr.write(`${file}/${ev.file}: ${i.where}: ${i.reason}\n`);
                  continue;
                }
                const r = await app.ingest.ingestParsed(viewer, ev.result, params);
                if (!flags.quiet) process.stdout.write(summarise(ev.file, r) + '\n');
              }
              continue;
            }
            const started = Date.now();
            const r = await app.ingest.ingest(viewer, inflateBody(readFileSync(file), app.config.ingestLimit), params);
            await app.ingest.drain();
            const final = r.status === 'pending' ? await app.ingest.report(viewer, r.id) : r;
            bar.stop();
            const secs = (Date.now() - started) / 1000;
            process.stdout.write(`${summarise(file, final)}\n  ${secs.toFixed(1)} s, ${Math.round(final.counts.objects / Math.max(secs, 0.001))} objects/s\n`);
            if (final.status === 'failed') failed++;
          } catch (err) {
            bar.stop();
            if (err instanceof AppError) {
              process.stderr.write(`${file}: ${err.message}\n`);
              failed++;
            } else throw err;
          }
        }
        if (failed) throw new CliError(`${failed} of ${files.length} file(s) failed`);
      }, { bulk: inputBytes(files) >= BULK_MIN_BYTES });
    });
}
