import type { Command } from 'commander';
import { CliError, callApi, withDirectApp, type StorageFlags } from './cli-context.ts';

interface RemoteFlags extends StorageFlags {
  readonly url?: string;
  readonly key?: string;
}

async function readStdinLine(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('give the password on standard input, e.g. `printf %s "$PW" | kessetsu user password …`', 2);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function withStorage(cmd: Command): Command {
  return cmd.option('--data <dir>', 'PGlite data folder', './data').option('--url <url>', 'talk to a running hub instead of the database').option('--key <key>', 'API key for --url (admin)');
}

function remote(flags: RemoteFlags): { url: string; key: string } | null {
  if (!flags.url) return null;
  if (!flags.key) throw new CliError('--url needs --key', 2);
  return { url: flags.url, key: flags.key };
}

/** `kessetsu user password` and `kessetsu user totp` (sign-in for the web interface, issue 13). */
export function registerLogin(program: Command): void {
  const user = program.commands.find((c) => c.name() === 'user') ?? program.command('user').description('manage users');
  withStorage(user.command('password <userId>').description("set a user's web sign-in username and password (password read from standard input)"))
    .requiredOption('--username <name>', 'the name to sign in with')
    .action(async (userId: string, flags: RemoteFlags & { username: string }) => {
      const password = await readStdinLine();
      const r = remote(flags);
      if (r) await callApi(r.url, r.key, 'PUT', `/api/v1/users/${userId}/login`, { username: flags.username, password });
      else await withDirectApp(flags, (app) => app.sessions.setPassword(null, userId, { username: flags.username, password }));
      process.stdout.write(`password set for ${flags.username.toLowerCase()}; their sessions ended\n`);
    });
  withStorage(user.command('totp <userId>').description('enrol a new TOTP second factor for a user (secret printed once), or --reset it'))
    .option('--reset', 'remove the second factor; the user enrols again at the next sign-in')
    .action(async (userId: string, flags: RemoteFlags & { reset?: boolean }) => {
      const r = remote(flags);
      const reset = flags.reset === true;
      const out = r
        ? reset
          ? await callApi(r.url, r.key, 'DELETE', `/api/v1/users/${userId}/totp`)
          : await callApi(r.url, r.key, 'POST', `/api/v1/users/${userId}/totp`)
        : await withDirectApp(flags, (app) => app.sessions.adminTotp(null, userId, reset));
      process.stdout.write(reset ? 'second factor removed\n' : JSON.stringify(out, null, 2) + '\n');
    });
}
