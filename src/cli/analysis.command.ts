import type { Command } from 'commander';
import type { Viewer } from '../access/viewer.ts';
import type { App } from '../app.ts';
import { settingsJson } from '../analysis/analysis.settings.ts';
import { CliError, callApi, withDirectApp, type StorageFlags } from './cli-context.ts';

// Analyse (issue 5): `kessetsu analyse`, `clusters`, `root-sources`, `priorities`, `correlate`,
// `enrichment …` (warninglists: warninglists.command.ts). Reads run as the hub (the operator of the database) directly,
// or as the key's owner against a running hub with --url and --key.

interface Flags extends StorageFlags {
  readonly url?: string;
  readonly key?: string;
  readonly json?: boolean;
  readonly limit?: string;
}

function storage(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'PGlite data folder', './data')
    .option('--url <url>', 'ask a running hub instead of the database')
    .option('--key <key>', 'API key for --url')
    .option('--json', 'print JSON');
}

function limitOf(flags: Flags): number {
  const n = Number(flags.limit ?? 20);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError(`--limit must be 1 to 1000, got "${flags.limit}"`, 2);
  return n;
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

async function hubViewer(app: App): Promise<Viewer> {
  const hub = await app.storage.db.selectFrom('orgs').select('id').where('kind', '=', 'hub').orderBy('created_at').executeTakeFirst();
  const nil = '00000000-0000-0000-0000-000000000000';
  return { kind: 'user', userId: nil, orgId: hub?.id ?? nil, orgKind: 'hub', sector: null, role: 'hub_analyst', ndaAccepted: true, groupIds: [], keyId: null };
}

/** Runs a read either against a hub's API (--url) or on the database as the hub. */
async function read(flags: Flags, path: string, direct: (app: App, viewer: Viewer) => Promise<unknown>): Promise<unknown> {
  if (flags.url) {
    if (!flags.key) throw new CliError('--url needs --key', 2);
    return callApi(flags.url, flags.key, 'GET', path);
  }
  return withDirectApp(flags, async (app) => direct(app, await hubViewer(app)), { index: true });
}

function lines(items: readonly Record<string, unknown>[], row: (i: Record<string, unknown>) => string, flags: Flags, whole: unknown): void {
  if (flags.json) return print(whole);
  if (items.length === 0) process.stdout.write('nothing to show (run "kessetsu analyse" first?)\n');
  for (const i of items) process.stdout.write(row(i) + '\n');
}

/** Registers the analysis commands. */
export function registerAnalysis(program: Command): void {
  program
    .command('analyse')
    .alias('analyze')
    .description('run the analysis now: clusters with stable ids, root sources, priorities')
    .option('--data <dir>', 'PGlite data folder', './data')
    .option('--set <name=value...>', 'change settings first (e.g. too_common=500, decay.ipv4-addr=3, referral_threshold=120)')
    .option('--settings', 'print the settings and stop')
    .action(async (flags: StorageFlags & { set?: string[]; settings?: boolean }) => {
      await withDirectApp(
        flags,
        async (app) => {
          if (flags.set?.length) {
            try {
              await app.analysis.updateSettings(flags.set);
            } catch (err) {
              throw new CliError((err as Error).message, 2);
            }
          }
          if (flags.settings) return print(settingsJson(app.analysis.settings));
          const r = await app.analysis.run('cli');
          process.stdout.write(
            `run ${r.run_id}: ${r.cases} members, ${r.keys} values; clusters ${r.clusters.active} active (${r.clusters.created} new, ${r.clusters.changed} changed, ${r.clusters.merged} merged, ${r.clusters.split} split, ${r.clusters.dissolved} dissolved); ` +
              `root sources ${r.root_sources.stored} (${r.root_sources.warninglisted} warninglisted values left out); ${r.ms.total} ms\n`,
          );
        },
        { index: true },
      );
    });

  storage(program.command('clusters').description('clusters with their priority').option('--limit <n>', 'how many', '20').option('--id <id>', 'one cluster in full')).action(async (flags: Flags & { id?: string }) => {
    if (flags.id !== undefined) {
      const id = Number(flags.id);
      if (!Number.isSafeInteger(id) || id < 1) throw new CliError(`--id must be a cluster number, got "${flags.id}"`, 2);
      return print(await read(flags, `/api/v1/clusters/${id}`, (app, v) => app.analysis.views.cluster(v, id)));
    }
    const limit = limitOf(flags);
    const r = (await read(flags, `/api/v1/clusters?limit=${limit}`, async (app, v) => ({ items: (await app.analysis.views.clusters(v, { limit })).items }))) as { items: Record<string, unknown>[] };
    lines(r.items, (i) => `#${i.id}\tscore ${i.score}\t${(i.members as { visible: number }).visible} members\t${i.organisations} orgs\t${(i.sectors as string[]).join(',')}`, flags, r);
  });

  storage(program.command('root-sources').description('infrastructure ranked by what points at it').option('--limit <n>', 'how many', '20').option('--kind <type>', 'only this type (ipv4-addr, domain-name, …)')).action(
    async (flags: Flags & { kind?: string }) => {
      const limit = limitOf(flags);
      const q = `/api/v1/root-sources?limit=${limit}${flags.kind ? `&kind=${encodeURIComponent(flags.kind)}` : ''}`;
      const r = (await read(flags, q, async (app, v) => ({ items: (await app.analysis.views.rootSources(v, { offset: 0, limit, kind: flags.kind })).items }))) as { items: Record<string, unknown>[] };
      lines(
        r.items,
        (i) => {
          const e = i.evidence as { incidents: number; malware: number; organisations: number; sectors: string[] };
          return `${i.score}\t${i.key}\t${e.incidents} incidents, ${e.malware} malware, ${e.organisations} orgs (${e.sectors.join(',')})${i.too_common ? '\ttoo common' : ''}`;
        },
        flags,
        r,
      );
    },
  );

  storage(program.command('priorities').description('clusters by damage-weighted priority').option('--limit <n>', 'how many', '20').option('--referral', 'referral candidates only')).action(async (flags: Flags & { referral?: boolean }) => {
    const limit = limitOf(flags);
    const r = (await read(flags, `/api/v1/priorities?limit=${limit}${flags.referral ? '&referral=true' : ''}`, async (app, v) => ({
      items: (await app.analysis.views.priorities(v, { offset: 0, limit, referralOnly: flags.referral })).items,
    }))) as { items: Record<string, unknown>[] };
    lines(r.items, (i) => `#${i.id}\t${i.score}${i.referral_candidate ? ' (referral)' : ''}\t¥${(i.damage as { amount_jpy: number }).amount_jpy.toLocaleString('en')}\t${i.organisations} orgs\t${(i.sectors as string[]).join(',')}`, flags, r);
  });

  storage(program.command('correlate <value>').description('what one value correlates with, or why it never does')).action(async (value: string, flags: Flags) => {
    print(await read(flags, `/api/v1/correlations?value=${encodeURIComponent(value)}`, (app, v) => app.analysis.correlation.correlate(v, value)));
  });

  const en = program.command('enrichment').description('offline enrichment: RIR delegated statistics, ip2asn');
  en.command('import <files...>')
    .description('import (or replace) datasets; the format is recognised from the content')
    .option('--data <dir>', 'PGlite data folder', './data')
    .action(async (files: string[], flags: StorageFlags) => {
      await withDirectApp(flags, async (app) => {
        const r = await app.analysis.enrichment.importFiles(files);
        for (const x of r) process.stdout.write(x.error ? `${x.file}: ERROR ${x.error}\n` : `${x.dataset} (${x.kind}): ${x.ranges} ranges${x.issues.length ? `, ${x.issues.length} lines skipped (first: line ${x.issues[0]!.line}: ${x.issues[0]!.reason})` : ''}\n`);
        if (r.some((x) => x.error)) process.exitCode = 1;
      });
    });
  en.command('list')
    .description('datasets held')
    .option('--data <dir>', 'PGlite data folder', './data')
    .action(async (flags: StorageFlags) => {
      await withDirectApp(flags, async (app) => {
        for (const d of await app.analysis.enrichment.list()) process.stdout.write(`${d.name}\t${d.kind}\t${d.ranges} ranges\t${d.imported_at.toISOString()}\t${d.source ?? ''}\n`);
      });
    });
}
