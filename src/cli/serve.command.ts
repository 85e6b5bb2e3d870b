import type { Command } from 'commander';
import { flushCompileCache } from 'node:module'; // start time (issue 17.3)
import { createApp } from '../app.ts';
import { buildServer } from '../http/server.ts';
import { bootstrap } from '../orgs/bootstrap.ts';
import { seedDemo } from '../demo/demo.seed.ts';
import { demoLogins } from '../sessions/demo.logins.ts'; // sign-in (issue 13)
import { holdDataDir } from './data-lock.ts';
import { CliError, cliConfig } from './cli-context.ts';

/** `kessetsu serve`: runs the hub until SIGINT or SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the hub (PGlite in --data unless DATABASE_URL is set)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--data <dir>', 'PGlite data folder', './data')
    .option('--demo', 'seed a demo world of organisations, users and keys on first start')
    .option('--quiet', 'no request logs')
    .action(async (flags: { host: string; port: string; data: string; demo?: boolean; quiet?: boolean }) => {
      const config = cliConfig(flags);
      let release = (): void => {};
      if (!config.databaseUrl) {
        try {
          release = holdDataDir(config.dataDir);
        } catch (err) {
          throw new CliError((err as Error).message);
        }
      }
      const app = await createApp(config);
      const first = await bootstrap(app.storage.db, app.orgs, config.bootstrapKey);
      const server = await buildServer(app, { logger: !flags.quiet });
      const address = await server.listen({ host: config.host, port: config.port });
      const out = (line: string): boolean => process.stderr.write(line + '\n');
      out(`kessetsu: hub listening on ${address} (storage: ${app.storage.kind} ${app.storage.location})`);
      out(`kessetsu: API docs at ${address}/api/docs`);
      if (first) {
        out(`kessetsu: new database; first admin created in organisation "Kessetsu Hub"`);
        out(first.generated ? `kessetsu: admin API key (shown once): ${first.key}` : 'kessetsu: admin API key: the one in KESSETSU_BOOTSTRAP_KEY');
      }
      if (flags.demo) {
        const hub = await app.storage.db.selectFrom('orgs').select('id').where('kind', '=', 'hub').orderBy('created_at').executeTakeFirstOrThrow();
        const creds = await seedDemo(app.storage.db, app.orgs, hub.id);
        if (creds.length) {
          out('kessetsu: demo world seeded; keys (shown once):');
          for (const c of creds) out(`  ${c.org.padEnd(32)} ${c.user.padEnd(18)} ${c.role.padEnd(12)} ${c.key}`);
          // sign-in (issue 13): the same people sign in to the web interface with their user name
          const password = await demoLogins(app.storage.db, app.sessions, creds.map((c) => c.user));
          out(`kessetsu: web sign-in at ${address}/ as any user above, password (shown once): ${password}`);
        }
      }
      // Audit (issue 10.9): sign the chain's head now and every interval, so a cut-off tail is detected.
      app.auditCheckpoints.start();
      await app.sessions.prepare();
      out('kessetsu: ready');
      flushCompileCache(); // start time (issue 17.3): the next start finds the compiled modules even if this one is killed
      let stopping = false;
      const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        await server.close();
        await app.close();
        release();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}
