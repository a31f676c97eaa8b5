/** `kfmd check`: the property suites against an implementation, with a verdict table and counterexamples. */
import { Option } from 'commander';
import type { Command } from 'commander';
import { SUITES } from '../../../engine/sequential/suites.ts';
import type { Implementation } from '../../../../impl/contract/index.ts';
import { DESIGNS, IMPLEMENTATIONS } from '../../../impls/registry.ts';
import { resolveImplementation } from '../plugin.ts';
import { addImplCmdOptions, implementationOf } from '../impl-cmd.ts';
import { runHunt } from '../hunt.ts';
import { COUNTEREXAMPLE_DIR } from '../../../engine/core/counterexample.ts';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../../../engine/core/defaults.ts';
import { ExitStatus, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { DEFAULT_GEN } from '../../../engine/concurrent/arbitraries.ts';
import {
  DEFAULT_CONCURRENT_RUNS,
  DEFAULT_MAX_EXECUTIONS_CLI,
  DEFAULT_PREEMPTION_BOUND,
  parseByteOrder,
  runConcurrentCheck,
} from '../concurrent.ts';
import type { StrategyName } from '../../../engine/core/scenario.ts';
import { integer, nonNegativeInt, positiveInt, selectConfigs, selectSuites } from '../options.ts';
import type { CheckOptions } from '../options.ts';
import { runSequentialCheck } from '../sequential.ts';
import { ALL_CONCURRENT_FACTOR, runAllCheck } from '../check-all.ts';
import type { ConcurrentSettings } from '../find-all.ts';

export { DEFAULT_RUNS, DEFAULT_SEED };

/** `--impl all`: every built-in design. */
const ALL = 'all';

export function registerCheck(program: Command, io: CliIo): void {
  addImplCmdOptions(program.command('check'))
    .description(
      'run the property suites: model vs implementation, every configuration of both arches; with --schedule, concurrently on simulated CPUs',
    )
    .option(
      '--impl <name|file>',
      `implementation to check: a built-in one (${IMPLEMENTATIONS.map((i) => i.name).join(', ')}), a module file of yours (.ts or .js) exporting one, or all (every built-in design but the mutants, both modes, one table)`,
      'v4',
    )
    .option(
      '--against <name|file>',
      'differential: report only the failures the implementation has and this one (a name or a module file) does not, on the same input',
    )
    .addOption(new Option('--arch <arch>', 'architecture').choices(['x86', 'arm64', 'all']).default('all'))
    .option('--config <name>', 'one configuration (see kfmd configs) or all', 'all')
    .option('--suite <name>', `one property suite (${SUITES.map((s) => s.name).join(', ')}) or all`, 'all')
    .option(
      '--runs <n>',
      `generated scenarios per (configuration, suite); concurrent default: ${Object.entries(DEFAULT_CONCURRENT_RUNS)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
      String(DEFAULT_RUNS),
    )
    .option('--seed <n>', 'seed: the same seed gives the same run, byte for byte', String(DEFAULT_SEED))
    .option('--no-faults', 'only the contract suite: no fault commands, no lock misuse')
    .option('--json', 'machine-readable output for CI')
    .option('--out <dir>', 'where counterexamples are saved', COUNTEREXAMPLE_DIR)
    .addOption(
      new Option(
        '--schedule <strategy>',
        'concurrent mode: simulated CPUs interleaved by this strategy (without it: the sequential suites)',
      ).choices(['random', 'pct', 'exhaustive']),
    )
    .option(
      '--byte-order <order>',
      'concurrent: x86 text_poke byte order (ascending, descending, low-first, or e.g. 1,2,3,4,0)',
      'ascending',
    )
    .option(
      '--entries-per-page <n>',
      'concurrent: ENTRIES_PER_PAGE (256 = a real 4 KiB page)',
      String(DEFAULT_GEN.entriesPerPage),
    )
    .addOption(
      new Option('--readers <mode>', "concurrent: trampolines with rcu_read_lock, without (the author's), or both")
        .choices(['rcu', 'norcu', 'both'])
        .default('both'),
    )
    .option('--preemptions <n>', 'exhaustive: preemption bound', String(DEFAULT_PREEMPTION_BOUND))
    .option('--max-schedules <n>', 'exhaustive: schedules per generated scenario', String(DEFAULT_MAX_EXECUTIONS_CLI))
    .option(
      '--hunt',
      'concurrent: search for every known race (D1, D2, D6, D7, unprotected reader, D16) under its own parameters, on the configurations --config/--arch choose (default: each race once)',
    )
    .option('--time-limit <seconds>', 'concurrent --hunt: search time per race', '60')
    .action(async (opts: CheckOptions, cmd: Command) => {
      const status = await dispatch(opts, cmd, io);
      if (status !== 0) throw new ExitStatus(status);
    });
}

async function dispatch(opts: CheckOptions, cmd: Command, io: CliIo): Promise<number> {
  const given = (option: string): boolean => cmd.getOptionValueSource(option) !== 'default';
  if (opts.impl === ALL && opts.hunt)
    throw new UsageError('--impl all cannot be combined with --hunt: hunt one implementation at a time');
  const impl = opts.impl === ALL ? null : await implementationOf(cmd);
  const reference = await resolveReference(opts.against, positiveInt(opts.stepBudget, '--step-budget'));
  if (impl === null) {
    return runAllCheck(
      {
        designs: DESIGNS,
        reference,
        configs: selectConfigs(opts),
        suites: selectSuites(opts),
        seed: integer(opts.seed, '--seed'),
        runs: positiveInt(opts.runs, '--runs'),
        // the concurrent half: --schedule's strategy (default pct); --runs, if given, sets both halves
        concurrent: given('runs')
          ? concurrentSettings(opts, opts.schedule ?? 'pct', false)
          : scaled(concurrentSettings(opts, opts.schedule ?? 'pct', true)),
        json: opts.json === true,
        out: opts.out,
      },
      io,
    );
  }
  if (!opts.schedule) {
    return runSequentialCheck(
      {
        impl,
        reference,
        configs: selectConfigs(opts),
        suites: selectSuites(opts),
        seed: integer(opts.seed, '--seed'),
        runs: positiveInt(opts.runs, '--runs'),
        json: opts.json === true,
        out: opts.out,
      },
      io,
    );
  }
  const strategy = opts.schedule;
  if (opts.hunt) {
    return runHunt(
      {
        impl,
        reference,
        strategy,
        seed: integer(opts.seed, '--seed'),
        runs: given('runs') ? positiveInt(opts.runs, '--runs') : null,
        timeLimitMs: positiveInt(opts.timeLimit, '--time-limit') * 1000,
        // without --config or --arch: the default hunt, each race once on its arch's first configuration
        configs: given('config') || given('arch') ? selectConfigs(opts) : null,
        json: opts.json === true,
        out: opts.out,
      },
      io,
    );
  }
  const settings = concurrentSettings(opts, strategy, !given('runs'));
  for (const i of [impl, ...(reference ? [reference] : [])]) offersReaders(i, opts.readers);
  return runConcurrentCheck(
    { ...settings, impl, reference, configs: selectConfigs(opts), json: opts.json === true, out: opts.out },
    io,
  );
}

function scaled(s: ConcurrentSettings): ConcurrentSettings {
  return { ...s, runs: s.runs * ALL_CONCURRENT_FACTOR };
}

/** --against: one implementation, by the same resolver as --impl. */
async function resolveReference(value: string | undefined, stepBudget: number): Promise<Implementation | null> {
  if (value === undefined) return null;
  if (value === ALL) throw new UsageError('--against takes one implementation, not all');
  try {
    return await resolveImplementation(value, stepBudget);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`--against: ${err.message}`);
    throw err;
  }
}

function concurrentSettings(opts: CheckOptions, strategy: StrategyName, defaultRuns: boolean): ConcurrentSettings {
  const pokeByteOrder = parseByteOrder(opts.byteOrder);
  if (!pokeByteOrder)
    throw new UsageError(
      `--byte-order must be ascending, descending, low-first or a permutation of 0,1,2,3,4, got "${opts.byteOrder}"`,
    );
  const entriesPerPage = positiveInt(opts.entriesPerPage, '--entries-per-page');
  if ((entriesPerPage & (entriesPerPage - 1)) !== 0)
    throw new UsageError(`--entries-per-page must be a power of two, got ${entriesPerPage}`);
  return {
    strategy,
    runs: defaultRuns ? DEFAULT_CONCURRENT_RUNS[strategy] : positiveInt(opts.runs, '--runs'),
    seed: integer(opts.seed, '--seed'),
    pokeByteOrder,
    entriesPerPage,
    readers: opts.readers,
    preemptionBound: nonNegativeInt(opts.preemptions, '--preemptions'),
    maxExecutions: positiveInt(opts.maxSchedules, '--max-schedules'),
  };
}

/** --readers asks for trampolines the implementation (or the reference) must offer. */
function offersReaders(impl: Implementation, readers: CheckOptions['readers']): void {
  const offered = impl.declares.readers;
  // 'both' (the default) narrows to the readers the implementation offers (rht: rcu only); it needs one
  const wanted = readers === 'both' ? (offered.rcu || offered.norcu ? [] : (['rcu', 'norcu'] as const)) : [readers];
  const missing = wanted.filter((r) => !offered[r]);
  if (missing.length > 0)
    throw new UsageError(
      `--readers ${readers}: ${impl.name} offers no trampoline reader ${missing.map((r) => (r === 'rcu' ? 'with' : 'without')).join(' or ')} rcu_read_lock`,
    );
}
