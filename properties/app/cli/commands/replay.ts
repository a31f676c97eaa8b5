/** `kfmd replay FILE`: run a saved counterexample again and print the same report. */
import type { Command } from 'commander';
import { execute } from '../../../engine/sequential/executor.ts';
import { classifyExecution } from '../../../engine/sequential/property.ts';
import { implementationByName } from '../../../impls/registry.ts';
import { resolveImplementation } from '../plugin.ts';
import { formatCounterexample } from '../../report/counterexample.ts';
import { CounterexampleFileError, loadCounterexample } from '../../../engine/core/counterexample.ts';
import { ConfigError, configurationByName } from '../../../../model/config/index.ts';
import { EXIT_VIOLATION, ExitStatus, UsageError } from '../errors.ts';
import { replayConcurrent } from '../concurrent.ts';
import type { CliIo } from '../io.ts';

export function registerReplay(program: Command, io: CliIo): void {
  program
    .command('replay')
    .description('run a saved counterexample again (exit 1 if it still fails, 0 if it now holds)')
    .argument('<file>', 'a counterexample saved by kfmd check')
    .option(
      '--impl <name|file>',
      'replay against another implementation than the one recorded (a name or a module file)',
    )
    .action(async (file: string, opts: { impl?: string }) => {
      const status = await replay(file, opts.impl, io);
      if (status !== 0) throw new ExitStatus(status);
    });
}

async function replay(file: string, implName: string | undefined, io: CliIo): Promise<number> {
  let saved;
  try {
    saved = loadCounterexample(file);
    configurationByName(saved.scenario.config);
  } catch (err) {
    if (err instanceof CounterexampleFileError) throw new UsageError(err.message);
    if (err instanceof ConfigError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  const impl = implName !== undefined ? await resolveImplementation(implName) : implementationByName(saved.impl);
  if (!impl) throw new UsageError(`${file}: unknown implementation "${saved.impl}" (replay it with --impl FILE)`);
  const name = impl.name;
  if (saved.kind === 'concurrent') return replayConcurrent(saved, impl, io);
  const ex = execute(saved.scenario, impl);
  if (!ex.violation) {
    io.out(
      `${saved.scenario.config} / ${saved.scenario.suite}: the counterexample no longer fails on ${name} (${ex.executed.length} commands ran)\n`,
    );
    return 0;
  }
  const report = formatCounterexample(ex, {
    impl: name,
    finding: classifyExecution(ex)?.id ?? null,
    seed: saved.seed,
    path: saved.path,
    file: saved.file,
  });
  io.out(`${report}\n`);
  if (name === saved.impl && report !== saved.report)
    io.out('note: the report differs from the one saved with the counterexample\n');
  return EXIT_VIOLATION;
}
