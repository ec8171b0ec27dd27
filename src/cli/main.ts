// sgfd command line: parses arguments and dispatches to the library. Commands live one per file.
import yargs from 'yargs';
import { commands } from './commands.ts';

export class UserError extends Error {}

export async function main(argv: string[]): Promise<void> {
  let cli = yargs(argv)
    .scriptName('sgfd')
    .usage('$0 <command> [options]')
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .recommendCommands()
    .help()
    .version()
    .fail((msg, err) => {
      // A usage mistake exits 2; an error raised while the command ran (bad input, failed run) exits 1.
      process.stderr.write(`sgfd: ${err ? err.message : msg}\n`);
      process.exit(err ? 1 : 2);
    });
  for (const c of commands) cli = cli.command(c as never);
  try {
    await cli.parseAsync();
  } catch (e) {
    process.stderr.write(`sgfd: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
