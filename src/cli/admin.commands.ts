import type { Command } from 'commander';
import { verifyAuditChain } from '../audit/audit.verify.ts';
import { readWitnessFile, verifyCheckpoints, type AuditCheckpoint } from '../audit/checkpoint.ts';
import { migrateToLatest } from '../db/migrator.ts';
import type { OrgKind, Role, Sector } from '../db/schema.ts';
import { findOrg, findOrgByName, listOrgs } from '../orgs/orgs.repository.ts';
import { CliError, callApi, withDirectApp, type StorageFlags } from './cli-context.ts';

interface RemoteFlags extends StorageFlags {
  readonly url?: string;
  readonly key?: string;
}

const KINDS: readonly OrgKind[] = ['industry', 'academia', 'law_enforcement', 'government', 'international_partner', 'hub'];
const SECTORS: readonly Sector[] = ['finance', 'telecom', 'ecommerce', 'security_vendor', 'critical_infrastructure', 'other'];
const ROLES: readonly Role[] = ['member', 'hub_analyst', 'investigator', 'hotline_operator', 'volunteer', 'admin', 'org_admin'];

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CliError(`${flag} must be one of ${allowed.join(', ')}; got "${value}"`, 2);
  return value as T;
}

function storageOptions(cmd: Command): Command {
  return cmd.option('--data <dir>', 'PGlite data folder', './data').option('--url <url>', 'talk to a running hub instead of the database').option('--key <key>', 'API key for --url (admin)');
}

function remote(flags: RemoteFlags): { url: string; key: string } | null {
  if (!flags.url) return null;
  if (!flags.key) throw new CliError('--url needs --key', 2);
  return { url: flags.url, key: flags.key };
}

async function resolveOrgId(app: { storage: { db: Parameters<typeof findOrg>[0] } }, ref: string): Promise<string> {
  const byId = /^[0-9a-f-]{36}$/i.test(ref) ? await findOrg(app.storage.db, ref) : undefined;
  const org = byId ?? (await findOrgByName(app.storage.db, ref));
  if (!org) throw new CliError(`no organisation "${ref}"`);
  return org.id;
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** `kessetsu migrate`, `org`, `user`, `key` and `audit` commands. */
export function registerAdmin(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (also done on every start)')
    .option('--data <dir>', 'PGlite data folder', './data')
    .action(async (flags: StorageFlags) => {
      await withDirectApp(flags, async (app) => {
        const applied = await migrateToLatest(app.storage.db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database schema is current\n');
      });
    });

  const org = program.command('org').description('manage organisations');
  storageOptions(org.command('add <name>').description('add an organisation'))
    .requiredOption('--kind <kind>', `one of ${KINDS.join(', ')}`)
    .option('--sector <sector>', `industry only: ${SECTORS.join(', ')}`)
    .option('--subsector <name>', 'critical infrastructure only')
    .option('--country <cc>', 'ISO 3166 alpha-2 code')
    .action(async (name: string, flags: RemoteFlags & { kind: string; sector?: string; subsector?: string; country?: string }) => {
      const input = { name, kind: oneOf('--kind', flags.kind, KINDS)!, sector: oneOf('--sector', flags.sector, SECTORS) ?? null, subsector: flags.subsector ?? null, country: flags.country ?? null };
      const r = remote(flags);
      if (r) return print(await callApi(r.url, r.key, 'POST', '/api/v1/orgs', input));
      await withDirectApp(flags, async (app) => print(await app.orgs.createOrg(null, input)));
    });
  // An NDA acceptance names the version and the signing user, never free text (issue 10.7).
  storageOptions(org.command('nda <org>').description('record that an organisation accepted an NDA version, signed by one of its users'))
    .requiredOption('--signer <user-id>', 'the user of the organisation who signed')
    .option('--version <version>', 'the NDA version (default: the newest published)')
    .action(async (ref: string, flags: RemoteFlags & { signer: string; version?: string }) => {
      const body = { signer_user_id: flags.signer, ...(flags.version ? { version: flags.version } : {}) };
      const r = remote(flags);
      if (r) return print(await callApi(r.url, r.key, 'POST', `/api/v1/orgs/${ref}/nda`, body));
      await withDirectApp(flags, async (app) => {
        const orgId = await resolveOrgId(app, ref);
        const done = await app.nda.record(null, orgId, { signerUserId: flags.signer, version: flags.version }).catch((err: Error) => {
          throw new CliError(err.message);
        });
        print(done.org);
      });
    });
  storageOptions(org.command('list').description('list organisations')).action(async (flags: RemoteFlags) => {
    const r = remote(flags);
    if (r) return print(await callApi(r.url, r.key, 'GET', '/api/v1/orgs?limit=1000'));
    await withDirectApp(flags, async (app) => {
      for (const o of await listOrgs(app.storage.db, { limit: 100_000 }))
        process.stdout.write(`${o.id}  ${o.kind.padEnd(22)} ${(o.sector ?? '-').padEnd(24)} ${o.nda_accepted_at ? 'NDA' : '   '}  ${o.name}\n`);
    });
  });

  const user = program.command('user').description('manage users');
  storageOptions(user.command('add <name>').description('add a user to an organisation'))
    .requiredOption('--org <id-or-name>', 'organisation')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--email <address>', 'e-mail address')
    .action(async (name: string, flags: RemoteFlags & { org: string; role: string; email?: string }) => {
      const input = { name, role: oneOf('--role', flags.role, ROLES)!, email: flags.email ?? null };
      const r = remote(flags);
      if (r) return print(await callApi(r.url, r.key, 'POST', `/api/v1/orgs/${flags.org}/users`, input));
      await withDirectApp(flags, async (app) => print(await app.orgs.addUser(null, await resolveOrgId(app, flags.org), input)));
    });

  const key = program.command('key').description('manage API keys');
  storageOptions(key.command('create').description('create an API key for a user (printed once)'))
    .requiredOption('--user <id>', 'user id')
    .option('--name <label>', 'a label for the key', '')
    .action(async (flags: RemoteFlags & { user: string; name: string }) => {
      const r = remote(flags);
      if (r) return print(await callApi(r.url, r.key, 'POST', `/api/v1/users/${flags.user}/keys`, { name: flags.name }));
      await withDirectApp(flags, async (app) => print(await app.orgs.createKey(null, flags.user, flags.name)));
    });
  storageOptions(key.command('revoke <keyId>').description('revoke an API key'))
    .requiredOption('--user <id>', 'user id')
    .action(async (keyId: string, flags: RemoteFlags & { user: string }) => {
      const r = remote(flags);
      if (r) return print(await callApi(r.url, r.key, 'DELETE', `/api/v1/users/${flags.user}/keys/${keyId}`));
      // Through the service, so hubs running on the same PostgreSQL hear of it and end the key's streams.
      await withDirectApp(flags, async (app) => {
        const row = await app.orgs.revokeKey(null, flags.user, keyId, 'cli').catch(() => undefined);
        if (!row) throw new CliError(`no key ${keyId} for user ${flags.user}`);
        print(row);
      });
    });

  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every link of the audit chain and its signed checkpoints (a cut-off tail); exit 1 naming what does not hold')
    .option('--data <dir>', 'PGlite data folder', './data')
    .option('--checkpoints <file>', 'also check the checkpoints of this witness file (KESSETSU_AUDIT_CHECKPOINT_FILE)')
    .option('--max-age <minutes>', 'fail when the newest checkpoint is older than this (checkpoints deleted with the tail)')
    .action(async (flags: StorageFlags & { checkpoints?: string; maxAge?: string }) => {
      let witness: AuditCheckpoint[] = [];
      const witnessProblems: string[] = [];
      if (flags.checkpoints) {
        try {
          const read = readWitnessFile(flags.checkpoints);
          witness = read.checkpoints;
          witnessProblems.push(...read.problems);
        } catch (err) {
          throw new CliError(`cannot read ${flags.checkpoints}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      const maxAge = flags.maxAge === undefined ? undefined : Number(flags.maxAge);
      if (maxAge !== undefined && !(maxAge > 0)) throw new CliError('--max-age must be a positive number of minutes');
      await withDirectApp(flags, async (app) => {
        const verdict = await verifyAuditChain(app.storage.db);
        if (!verdict.ok) throw new CliError(`audit chain broken at entry ${verdict.brokenAt}: ${verdict.reason} (${verdict.entries} entries before it verified)`);
        const report = await verifyCheckpoints(app.storage.db, await app.hubKey(), witness);
        const problems = [...witnessProblems, ...report.problems];
        if (maxAge !== undefined && (!report.newest || Date.now() - Date.parse(report.newest.at) > maxAge * 60_000)) {
          problems.push(`the newest checkpoint is ${report.newest ? `of ${report.newest.at}` : 'missing'}, older than ${maxAge} minutes: checkpoints (and entries) may have been cut off`);
        }
        if (problems.length) throw new CliError(`audit chain truncated or checkpoints do not hold:\n  ${problems.join('\n  ')}`);
        process.stdout.write(`audit chain intact: ${verdict.entries} entries\n`);
        process.stdout.write(
          report.newest
            ? `checkpoints: ${report.checked} verified; newest of ${report.newest.at} covers entry ${report.newest.head_seq}; ${report.uncovered} entries after it\n`
            : 'checkpoints: none yet (the server writes them; entries can be cut off the end undetected until then)\n',
        );
      });
    });
}


