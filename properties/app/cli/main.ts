/**
 * kfmd command line. Each command lives in commands/<name>.ts and registers itself on
 * the program; commands/index.ts lists them.
 */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { EXIT_OK, EXIT_USAGE, reportError } from './errors.ts';
import { processIo } from './io.ts';
import type { CliIo } from './io.ts';

const EXIT_HELP = `
Exit status:
  0  success; for check and replay: every property holds
  1  check/replay: a property is violated (counterexamples saved / reproduced);
     scan: the attached windows or the text outside them did not verify
  2  usage error: unknown command or option, bad value, an option the mode does not
     read, unknown configuration, malformed counterexample, plugin or kernel image,
     an unusable --out or --html path (all refused before any work), or a
     counterexample that could not be saved (its report is printed all the same)
  3  internal error (a bug in kfmd)
  130, 143  check stopped by SIGINT / SIGTERM: the summary so far is printed and
     every counterexample found so far is saved
Errors are one line on stderr, starting with "kfmd: ".`;

export function createProgram(io: CliIo): Command {
  const program = new Command('kfmd');
  program
    .description(
      'Formal model and test harness for kfunc_md, per-function metadata in the padding before kernel functions',
    )
    // Set before any subcommand exists: subcommands copy these settings.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      // Commander's own error text can span lines; reportError prints one line instead.
      writeErr: () => undefined,
      outputError: () => undefined,
    })
    .addHelpText('after', EXIT_HELP);
  for (const register of COMMANDS) register(program, io);
  return program;
}

/** Runs kfmd with the arguments after the executable name; resolves to the exit status. */
export async function run(args: readonly string[], io: CliIo = processIo): Promise<number> {
  if (args.length === 0) {
    io.err('kfmd: error: missing command (see kfmd --help)\n');
    return EXIT_USAGE;
  }
  try {
    await createProgram(io).parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return reportError(err, io);
  }
}
