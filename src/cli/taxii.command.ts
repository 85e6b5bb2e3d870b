import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Tlp } from '../db/schema.ts';
import type { RemoteAuth } from '../taxii/taxii.tables.ts';
import { addRemote, listRemoteViews, removeRemote, requireEnabled, requireRemote, setRemoteEnabled, TLP_CHOICES, viewRemote } from '../taxii/remotes.service.ts';
import { listRemotes } from '../taxii/remotes.repository.ts';
import { pullRemote, pushRemote } from '../taxii/taxii.sync.ts';
import { CliError, withDirectApp, type StorageFlags } from './cli-context.ts';

interface AddFlags extends StorageFlags {
  readonly url: string;
  readonly partner: string;
  readonly auth?: string;
  readonly username?: string;
  readonly key?: string;
  readonly keyFile?: string;
  readonly interval?: string;
  readonly tlp?: string;
  readonly maxTlp?: string;
}

interface SyncFlags extends StorageFlags {
  readonly timeout?: string;
  readonly collection?: string;
}

const AUTHS: readonly RemoteAuth[] = ['none', 'basic', 'bearer'];

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CliError(`${flag} must be one of ${allowed.join(', ')}; got "${value}"`, 2);
  return value as T;
}

function intFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new CliError(`${flag} must be a whole number, got "${value}"`, 2);
  return Number(value);
}

// The key can come from a file so that it does not sit in the shell history or the process list.
function secretOf(flags: AddFlags): string | undefined {
  if (flags.key && flags.keyFile) throw new CliError('give --key or --key-file, not both', 2);
  if (!flags.keyFile) return flags.key;
  try {
    return readFileSync(flags.keyFile, 'utf8').trim();
  } catch (err) {
    throw new CliError(`--key-file: ${(err as Error).message}`, 2);
  }
}

const withData = (cmd: Command): Command => cmd.option('--data <dir>', 'PGlite data folder', './data');

/** `kessetsu taxii remotes add|list|enable|disable|remove`, `kessetsu taxii pull [REMOTE]`, `kessetsu taxii push REMOTE --collection ID`. */
export function registerTaxii(program: Command): void {
  const taxii = program.command('taxii').description('TAXII 2.1 federation: remote collections, pulls and pushes');
  const remotes = taxii.command('remotes').description('remote TAXII collections this hub pulls from or pushes to');

  withData(remotes.command('add <name>').description('add a remote collection (its key is stored, never shown again)'))
    .requiredOption('--url <url>', 'URL of the remote collection, e.g. https://peer.example/taxii2/api/collections/<id>/')
    .requiredOption('--partner <org>', 'local partner organisation (id or name) the remote counts as')
    .option('--auth <kind>', `one of ${AUTHS.join(', ')} (default: basic when a key is given)`)
    .option('--username <name>', 'basic auth username (default: taxii)')
    .option('--key <key>', 'password or token the remote gave you')
    .option('--key-file <path>', 'read the key from a file instead')
    .option('--interval <seconds>', 'pull every N seconds while `kessetsu serve` runs (0: manual only)', '0')
    .option('--tlp <level>', `TLP of objects without a marking: ${TLP_CHOICES.join(', ')}`, 'amber')
    .option('--max-tlp <level>', 'highest TLP accepted from this remote (objects above it are refused)', 'amber')
    .action(async (name: string, flags: AddFlags) => {
      const input = {
        name,
        url: flags.url,
        partner: flags.partner,
        auth: oneOf('--auth', flags.auth, AUTHS),
        username: flags.username,
        secret: secretOf(flags),
        intervalSeconds: intFlag('--interval', flags.interval),
        defaultTlp: oneOf<Tlp>('--tlp', flags.tlp, TLP_CHOICES),
        maxTlp: oneOf<Tlp>('--max-tlp', flags.maxTlp, TLP_CHOICES),
      };
      await withDirectApp(flags, async (app) => print(await addRemote(app.storage.db, input)));
    });

  withData(remotes.command('list').description('list remote collections and their pull state (keys are never shown)')).action(async (flags: StorageFlags) => {
    await withDirectApp(flags, async (app) => print(await listRemoteViews(app.storage.db)));
  });

  withData(remotes.command('remove <name>').description('remove a remote collection and its state')).action(async (name: string, flags: StorageFlags) => {
    await withDirectApp(flags, async (app) => {
      await removeRemote(app.storage.db, name);
      process.stdout.write(`removed remote ${name}\n`);
    });
  });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    withData(remotes.command(`${verb} <name>`).description(enabled ? 'pull a remote again, on its schedule and by hand' : 'stop pulling a remote (kept with its state; enable it again later)')).action(
      async (name: string, flags: StorageFlags) => {
        await withDirectApp(flags, async (app) => print(viewRemote((await setRemoteEnabled(app.storage.db, name, enabled)).remote)));
      },
    );
  }

  withData(taxii.command('pull [remote]').description('pull what remote collections added since the last pull (all enabled remotes when none is named)'))
    .option('--timeout <ms>', 'deadline of each HTTP exchange', '30000')
    .action(async (name: string | undefined, flags: SyncFlags) => {
      const timeoutMs = intFlag('--timeout', flags.timeout);
      await withDirectApp(flags, async (app) => {
        const deps = { db: app.storage.db, ingest: app.ingest, validator: app.validator };
        const all = name ? [] : await listRemotes(app.storage.db);
        const targets = name ? [requireEnabled(await requireRemote(app.storage.db, name))] : all.filter((r) => r.enabled);
        if (targets.length === 0 && all.length > 0) throw new CliError(`no enabled TAXII remotes (${all.length} disabled): kessetsu taxii remotes enable NAME`);
        if (targets.length === 0) throw new CliError('no TAXII remotes configured: kessetsu taxii remotes add …');
        let failed = 0;
        for (const remote of targets) {
          try {
            print(await pullRemote(deps, remote, { timeoutMs }));
          } catch (err) {
            failed++;
            process.stderr.write(`kessetsu: pull of ${remote.name} failed: ${(err as Error).message}\n`);
          }
        }
        if (failed) throw new CliError(`${failed} of ${targets.length} pulls failed`);
      });
    });

  withData(taxii.command('push <remote>').description('push a local collection to a remote, as the remote’s partner organisation may receive it (never above AMBER)'))
    .requiredOption('--collection <id>', 'local collection id (see GET /taxii2/api/collections/)')
    .option('--timeout <ms>', 'deadline of each HTTP exchange', '30000')
    .action(async (name: string, flags: SyncFlags) => {
      const timeoutMs = intFlag('--timeout', flags.timeout);
      await withDirectApp(flags, async (app) => {
        const remote = await requireRemote(app.storage.db, name);
        try {
          print(await pushRemote({ db: app.storage.db, ingest: app.ingest, validator: app.validator }, remote, flags.collection!, { timeoutMs }));
        } catch (err) {
          throw new CliError(`push to ${remote.name} failed: ${(err as Error).message}`);
        }
      });
    });
}
