/** `kfmd replay FILE`: run a saved counterexample again and print the same report. */
import type { Command } from 'commander';
import type { Implementation } from '../../../../impl/contract/index.ts';
import { implementationByName } from '../../../impls/registry.ts';
import { resolveImplementation } from '../plugin.ts';
import { addImplCmdOptions, givenImplementation } from '../impl-cmd.ts';
import { CounterexampleFileError, loadCounterexample } from '../../../engine/core/counterexample.ts';
import type { CounterexampleFile } from '../../../engine/core/counterexample.ts';
import { ConfigError, configurationByName } from '../../../../model/config/index.ts';
import { ExitStatus, UsageError } from '../errors.ts';
import { replayConcurrent, replaySequential } from '../replay-run.ts';
import type { CliIo } from '../io.ts';

interface ReplayOptions {
  readonly impl?: string;
  readonly against?: string;
}

export function registerReplay(program: Command, io: CliIo): void {
  addImplCmdOptions(program.command('replay'))
    .description('run a saved counterexample again (exit 1 if it still fails, 0 if it now holds)')
    .argument('<file>', 'a counterexample saved by kfmd check')
    .option(
      '--impl <name|file>',
      'replay against another implementation than the one recorded (a name or a module file)',
    )
    .option(
      '--against <name|file>',
      'differential: it still fails only if this reference does not fail the same way (default: the one recorded, if any)',
    )
    .action(async (file: string, opts: ReplayOptions, cmd: Command) => {
      const status = await replay(file, opts, io, cmd);
      if (status !== 0) throw new ExitStatus(status);
    });
}

async function replay(file: string, opts: ReplayOptions, io: CliIo, cmd: Command): Promise<number> {
  let saved;
  try {
    saved = loadCounterexample(file);
    configurationByName(saved.scenario.config);
  } catch (err) {
    if (err instanceof CounterexampleFileError) throw new UsageError(err.message);
    if (err instanceof ConfigError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  const recordedAgainst = recordedReference(file, saved);
  const impl = (await givenImplementation(cmd)) ?? implementationByName(saved.impl);
  if (!impl)
    throw new UsageError(
      `${file}: unknown implementation "${saved.impl}" (replay it with --impl FILE or --impl-cmd COMMAND)`,
    );
  const reference = await referenceFor(file, opts.against, recordedAgainst);
  const recorded = impl.name === saved.impl && (reference?.name ?? null) === recordedAgainst;
  return saved.kind === 'concurrent'
    ? replayConcurrent({ saved, impl, reference, recorded }, io)
    : replaySequential({ saved, impl, reference, recorded }, io);
}

/** The reference a differential counterexample was found against (check --against), or null. */
function recordedReference(file: string, saved: CounterexampleFile): string | null {
  const against: unknown = (saved as { readonly against?: unknown }).against;
  if (against === undefined) return null;
  const ref = typeof against === 'object' && against !== null && 'reference' in against ? against.reference : null;
  if (typeof ref !== 'string' || ref.length === 0)
    throw new UsageError(`${file} is not a kfmd counterexample: "against.reference" must be an implementation name`);
  return ref;
}

async function referenceFor(
  file: string,
  given: string | undefined,
  recorded: string | null,
): Promise<Implementation | null> {
  if (given !== undefined) return resolveImplementation(given);
  if (recorded === null) return null;
  const ref = implementationByName(recorded);
  if (!ref) throw new UsageError(`${file}: unknown reference "${recorded}" (replay it with --against FILE)`);
  return ref;
}
