import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseScopes, WARNINGLIST_SCOPES, type WarninglistScope } from '../analysis/warninglists/warninglist.scopes.ts';
import { slugOfPath } from '../analysis/warninglists/warninglist.parser.ts';
import type { presentImport } from '../analysis/warninglists/warninglists.routes.ts';
import { jsonFilesUnder, type WarninglistImport } from '../analysis/warninglists/warninglists.service.ts';
import { CliError, callApi, withDirectApp, type StorageFlags } from './cli-context.ts';

// Warninglists (issue 11.1): `kessetsu warninglists list|import|update|enable|disable|scope|suppressed`.
// With --url and --key they talk to a running hub (no stop needed; its other nodes reload through
// LISTEN/NOTIFY), otherwise they open the database directly like other admin commands.

interface Flags extends StorageFlags {
  readonly url?: string;
  readonly key?: string;
  readonly json?: boolean;
}

type Presented = ReturnType<typeof presentImport>;

function options(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'PGlite data folder', './data')
    .option('--url <url>', 'talk to a running hub instead of the database')
    .option('--key <key>', 'API key for --url (admin)')
    .option('--json', 'print JSON');
}

function remote(flags: Flags): { url: string; key: string } | null {
  if (!flags.url) return null;
  if (!flags.key) throw new CliError('--url needs --key', 2);
  return { url: flags.url, key: flags.key };
}

function scopesFlag(raw: string | undefined): WarninglistScope[] | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseScopes(raw);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

/** Sends list files to a running hub, one PUT per list; a bad file is reported and the others still go. */
async function uploadLists(r: { url: string; key: string }, paths: readonly string[], o: { scopes?: WarninglistScope[] | undefined; disabled?: boolean | undefined; onlyIfNewer: boolean }): Promise<Presented[]> {
  const out: Presented[] = [];
  for (const p of paths) {
    let files: string[];
    try {
      files = jsonFilesUnder(p);
    } catch (err) {
      out.push({ file: p, slug: null, entries: 0, outcome: null, scopes: [], error: `cannot read: ${(err as Error).message}`, issues: [] });
      continue;
    }
    for (const file of files) {
      try {
        let body: unknown;
        try {
          body = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          throw new Error(`${file}: not JSON (${(err as Error).message})`);
        }
        const q = new URLSearchParams();
        if (o.scopes) q.set('scopes', o.scopes.join(','));
        if (o.disabled) q.set('disabled', 'true');
        if (o.onlyIfNewer) q.set('only_if_newer', 'true');
        const res = (await callApi(r.url, r.key, 'PUT', `/api/v1/warninglists/${encodeURIComponent(slugOfPath(file))}?${q}`, body)) as Presented;
        out.push({ ...res, file });
      } catch (err) {
        out.push({ file, slug: null, entries: 0, outcome: null, scopes: [], error: (err as Error).message, issues: [] });
      }
    }
  }
  return out;
}

function report(results: readonly (Presented | WarninglistImport)[], flags: Flags): void {
  if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else
    for (const x of results)
      process.stdout.write(
        x.error
          ? `${x.file}: ERROR ${x.error}\n`
          : `${x.slug}: ${x.outcome === 'unchanged' ? 'unchanged (the stored version is as new)' : `${x.entries} entries`}, scopes ${x.scopes.join(',')}${x.outcome !== 'unchanged' && x.issues.length ? `, ${x.issues.length} skipped` : ''}\n`,
      );
  if (results.some((x) => x.error)) process.exitCode = 1;
}

/** Registers `kessetsu warninglists …`. */
export function registerWarninglists(program: Command): void {
  const wl = program
    .command('warninglists')
    .description(`lists of benign values and what each suppresses (scopes: ${WARNINGLIST_SCOPES.join(', ')}); built-in lists are enabled on a new database`);

  options(wl.command('list').description('lists with their scopes, origin, version, entries, stored values on them, enabled or not')).action(async (flags: Flags) => {
    const r = remote(flags);
    const items = r
      ? ((await callApi(r.url, r.key, 'GET', '/api/v1/warninglists')) as { items: Record<string, unknown>[] }).items
      : await withDirectApp(flags, async (app) =>
          (await app.warninglists.list()).map((l) => ({ slug: l.slug, name: l.name, version: l.version, type: l.type, entries: l.entry_count, enabled: l.enabled, scopes: l.scopes, origin: l.origin, stored_values: l.hits })),
        );
    if (flags.json) return void process.stdout.write(JSON.stringify({ items }, null, 2) + '\n');
    for (const l of items) process.stdout.write(`${l.enabled ? 'on ' : 'off'}\t${l.slug}\t${(l.scopes as string[]).join(',')}\t${l.origin}\tv${l.version}\t${l.type}\t${l.entries}\t${l.stored_values}\t${l.name}\n`);
  });

  for (const [name, onlyIfNewer, what] of [
    ['import', false, 'import list files or folders (MISP format), replacing lists of the same name; scopes of new lists follow their name (cloud and dynamic DNS: warn) unless --scopes'],
    ['update', true, 'replace stored lists only with newer versions from these files; without files, bring the built-in lists up to this release'],
  ] as const) {
    options(wl.command(`${name} ${onlyIfNewer ? '[paths...]' : '<paths...>'}`).description(what))
      .option('--scopes <list>', `scopes of new lists: comma-separated ${WARNINGLIST_SCOPES.join(', ')}`)
      .option('--disabled', 'import new lists disabled')
      .action(async (paths: string[] | undefined, flags: Flags & { scopes?: string; disabled?: boolean }) => {
        const scopes = scopesFlag(flags.scopes);
        const r = remote(flags);
        if (onlyIfNewer && !paths?.length) {
          const updated = r ? ((await callApi(r.url, r.key, 'POST', '/api/v1/warninglists/builtin')) as { updated: string[] }).updated : await withDirectApp(flags, (app) => app.warninglists.updateBuiltins());
          process.stdout.write(updated.length ? `built-in lists updated: ${updated.join(', ')}\n` : 'built-in lists are current\n');
          return;
        }
        const results = r
          ? await uploadLists(r, paths ?? [], { scopes, disabled: flags.disabled, onlyIfNewer })
          : await withDirectApp(flags, (app) => app.warninglists.importPaths(paths ?? [], { ...(scopes ? { scopes } : {}), ...(flags.disabled ? { enabled: false } : {}), onlyIfNewer }));
        report(results, flags);
      });
  }

  for (const action of ['enable', 'disable'] as const)
    options(wl.command(`${action} <slug>`).description(`${action} a list`)).action(async (slug: string, flags: Flags) => {
      const r = remote(flags);
      if (r) await callApi(r.url, r.key, 'POST', `/api/v1/warninglists/${encodeURIComponent(slug)}/${action}`);
      else await withDirectApp(flags, (app) => app.warninglists.setEnabled(slug, action === 'enable'));
      process.stdout.write(`${slug}: ${action}d\n`);
    });

  options(wl.command('scope <slug> <scopes>').description(`change what a list suppresses (comma-separated ${WARNINGLIST_SCOPES.join(', ')}); kept by later imports and upgrades`)).action(
    async (slug: string, raw: string, flags: Flags) => {
      const scopes = scopesFlag(raw)!;
      const r = remote(flags);
      if (r) await callApi(r.url, r.key, 'PATCH', `/api/v1/warninglists/${encodeURIComponent(slug)}`, { scopes });
      else await withDirectApp(flags, (app) => app.warninglists.setScopes(slug, scopes));
      process.stdout.write(`${slug}: ${scopes.join(',')}\n`);
    },
  );

  options(wl.command('suppressed').description('stored values on enabled lists, with the lists and what they suppress'))
    .option('--list <slug>', 'only this list')
    .option('--scope <scope>', `only lists with this scope (${WARNINGLIST_SCOPES.join(', ')})`)
    .option('--limit <n>', 'how many', '100')
    .action(async (flags: Flags & { list?: string; scope?: string; limit: string }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`--limit must be 1 to 1000, got "${flags.limit}"`, 2);
      const scope = flags.scope === undefined ? undefined : scopesFlag(flags.scope)![0];
      const r = remote(flags);
      const q = new URLSearchParams({ limit: String(limit) });
      if (flags.list) q.set('list', flags.list);
      if (scope) q.set('scope', scope);
      const items = r
        ? ((await callApi(r.url, r.key, 'GET', `/api/v1/warninglists/suppressed?${q}`)) as { items: { key: string; lists: { slug: string; scopes: string[] }[] }[] }).items
        : await withDirectApp(flags, async (app) => {
            const hub = { kind: 'user', userId: '00000000-0000-0000-0000-000000000000', orgId: '00000000-0000-0000-0000-000000000000', orgKind: 'hub', sector: null, role: 'hub_analyst', ndaAccepted: true, groupIds: [], keyId: null } as const;
            return app.warninglists.suppressed(hub, { list: flags.list, scope, limit });
          });
      if (flags.json) return void process.stdout.write(JSON.stringify({ items }, null, 2) + '\n');
      for (const i of items) process.stdout.write(`${i.key}\t${i.lists.map((l) => `${l.slug} (${l.scopes.join(',')})`).join('; ')}\n`);
    });
}
