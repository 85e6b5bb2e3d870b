import { Command, CommanderError } from 'commander';
import { AppError } from '../shared/errors.ts';
import { ConfigError } from '../config/config.ts';
import { registerServe } from './serve.command.ts';
import { registerAdmin } from './admin.commands.ts';
import { registerImport } from './import.command.ts';
import { registerTaxii } from './taxii.command.ts';
import { registerAnalysis } from './analysis.command.ts'; // analyse (issue 5)
import { registerExport } from './export.command.ts'; // feed back (issue 6)
import { registerLogin } from './login.commands.ts'; // sign-in (issue 13)
import { registerStats } from './stats.command.ts'; // statistics (issue 16)
import { registerEvidence } from './evidence.command.ts'; // neutralise (issue 12)
import { registerSensor } from './sensor.command.ts'; // sense (issue 14)
import { registerWarninglists } from './warninglists.command.ts'; // warninglists (issue 11.1)
import { CliError } from './cli-context.ts';

const program = new Command('kessetsu')
  .description('Kessetsu: an open platform for cyber-threat fusion centers')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerServe(program);
registerAdmin(program);
registerImport(program);
registerTaxii(program);
registerAnalysis(program); // analyse (issue 5)
registerExport(program); // feed back (issue 6)
registerLogin(program); // sign-in (issue 13)
registerStats(program); // statistics (issue 16)
registerEvidence(program); // neutralise (issue 12)
registerSensor(program); // sense (issue 14)
registerWarninglists(program); // warninglists (issue 11.1)

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof CliError) {
    process.stderr.write(`kessetsu: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof AppError || err instanceof ConfigError) {
    process.stderr.write(`kessetsu: ${err.message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  process.stderr.write(`kessetsu: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
