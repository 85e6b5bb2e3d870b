import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyPackage, type PackageTrust } from '../evidence/package/package.verify.ts';
import type { ContactKind } from '../actions/contacts.repository.ts';
import { CliError, withDirectApp, type StorageFlags } from './cli-context.ts';

interface VerifyFlags extends StorageFlags {
  readonly key?: string;
  readonly fingerprint?: string;
  readonly json?: boolean;
}

async function trustOf(f: VerifyFlags): Promise<PackageTrust> {
  if (f.key) {
    try {
      return { publicKeyPem: readFileSync(f.key, 'utf8') };
    } catch (err) {
      throw new CliError(`--key: cannot read ${f.key} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 2);
    }
  }
  if (f.fingerprint) {
    if (!/^sha256:[0-9a-f]{64}$/.test(f.fingerprint)) throw new CliError('--fingerprint must look like sha256:<64 hex digits>', 2);
    return { fingerprint: f.fingerprint };
  }
  // No key given: this hub's own key, read from its database (still offline).
  return withDirectApp(f, async (app) => ({ publicKeyPem: (await app.hubKey()).publicKeyPem }));
}

const storage = (c: Command): Command => c.option('--data <dir>', 'PGlite data folder (default ./data)').option('--database-url <url>', 'PostgreSQL URL (default $DATABASE_URL)');

/** `kessetsu evidence verify|check|key` and `kessetsu contacts add|list` (neutralise, issue 12). */
export function registerEvidence(program: Command): void {
  const evidence = program.command('evidence').description('Referral packages, evidence custody and the hub signing key');
  storage(
    evidence
      .command('verify <file>')
      .description('Verify a referral package (tar, or the folder it was extracted to) offline: every file against the signed manifest')
      .option('--key <pem>', "the hub's public key (PEM file)")
      .option('--fingerprint <fp>', "the hub key's fingerprint (sha256:…); the package's signer.pem must match it")
      .option('--json', 'print the verdict as JSON'),
  ).action(async (file: string, f: VerifyFlags) => {
    let isDir: boolean;
    try {
      isDir = statSync(file).isDirectory();
    } catch {
      throw new CliError(`cannot read ${file}`, 2);
    }
    const trust = await trustOf(f);
    const v = await verifyPackage(isDir ? { directory: file } : createReadStream(file), trust);
    if (f.json) process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
    else {
      process.stdout.write(`${v.ok ? 'OK' : 'FAILED'}: ${file}\n`);
      if (v.case) process.stdout.write(`case ${v.case.number}: ${v.case.title}\n`);
      process.stdout.write(`files: ${v.files}, signer: ${v.signer ?? 'none'}${v.trusted ? ' (trusted)' : ''}\n`);
      for (const p of v.problems) process.stdout.write(`- ${p.path ?? 'package'}: ${p.problem}\n`);
    }
    if (!v.ok) process.exitCode = 1;
  });
  storage(evidence.command('check').description('Re-hash every stored evidence file and walk the custody chain')).action(async (f: StorageFlags) => {
    await withDirectApp(f, async (app) => {
      const r = await app.neutralise.evidence.checkAll();
      process.stdout.write(`${r.items} evidence item(s), ${r.failures.length} failing; custody chain ${r.custody.ok ? `intact (${r.custody.entries} entries)` : `broken at ${r.custody.brokenAt}: ${r.custody.reason}`}\n`);
      for (const x of r.failures) process.stdout.write(`- ${x.id}: recorded ${x.expected}, found ${x.actual ?? 'nothing'}\n`);
      if (r.failures.length || !r.custody.ok) process.exitCode = 1;
    });
  });
  storage(evidence.command('key').description("Print the hub signing key's public key and fingerprint (give them to the police)")).action(async (f: StorageFlags) => {
    await withDirectApp(f, async (app) => {
      const k = await app.hubKey();
      process.stdout.write(`${k.fingerprint}\n${k.publicKeyPem}`);
    });
  });

  const contacts = program.command('contacts').description('The contact directory that resolves action recipients');
  storage(
    contacts
      .command('add <kind> <key> <name>')
      .description('Add or replace a contact: kind asn|domain|tld|site|bank|country_cert|country_police|partner_hotline')
      .option('--email <address>', 'where notices go')
      .option('--org <id>', 'a member organisation (its people get the notice)')
      .option('--country <cc>', 'ISO country code')
      .option('--lang <ja|en>', 'language of notices', 'en'),
  ).action(async (kind: string, key: string, name: string, f: StorageFlags & { email?: string; org?: string; country?: string; lang: string }) => {
    if (f.lang !== 'ja' && f.lang !== 'en') throw new CliError('--lang must be ja or en', 2);
    await withDirectApp(f, async (app) => {
      const c = await app.neutralise.contacts.add(null, { kind: kind as ContactKind, key, name, email: f.email, org_id: f.org, country: f.country, lang: f.lang as 'ja' | 'en' });
      process.stdout.write(`${c.kind} ${c.key}: ${c.name} <${c.email ?? c.org_id}>\n`);
    });
  });
  storage(contacts.command('list').description('List the directory')).action(async (f: StorageFlags) => {
    await withDirectApp(f, async (app) => {
      for (const c of await app.neutralise.contacts.list()) process.stdout.write(`${c.kind}\t${c.key}\t${c.name}\t${c.email ?? c.org_id ?? ''}\n`);
    });
  });
}
