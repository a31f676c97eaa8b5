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
  runConcurrentCheck,
} from '../concurrent.ts';
import { validateCheckOptions } from '../check-options.ts';
import { prepareOutDir } from '../out-dir.ts';
import { checkWritableFile } from '../safe-write.ts';
import type { CheckValues } from '../check-options.ts';
import type { StrategyName } from '../../../engine/core/scenario.ts';
import { selectConfigs, selectSuites } from '../options.ts';
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
    .option('--out <dir>', 'where counterexamples are saved (created before the run)', COUNTEREXAMPLE_DIR)
    .option(
      '--html <file>',
      'also write the report as one self-contained HTML page: the verdict table, every counterexample as C calls, windows as hex and disassembly, concurrent ones as a timeline to step through',
    )
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
  // every option checked before any work (and before a --impl-cmd process is started)
  const v = validateCheckOptions(opts, (option) => cmd.getOptionValueSource(option) !== 'default');
  const configs = selectConfigs(opts);
  const suites = selectSuites(opts);
  prepareOutDir(opts.out);
  if (opts.html !== undefined) checkWritableFile(opts.html, '--html');
  const html = opts.html !== undefined ? { html: opts.html } : {};
  const reference = await resolveReference(opts.against, v.stepBudget);
  const impl = v.mode === 'all' ? null : await implementationOf(cmd);
  const json = opts.json === true;
  if (impl === null) {
    return runAllCheck(
      {
        designs: DESIGNS,
        reference,
        configs,
        suites,
        seed: v.seed,
        runs: v.runs ?? DEFAULT_RUNS,
        // the concurrent half: --schedule's strategy (default pct); --runs, if given, sets both halves
        concurrent: concurrentSettings(v, v.strategy ?? 'pct', opts.readers, v.runs === null),
        json,
        out: opts.out,
        ...html,
      },
      io,
    );
  }
  if (v.strategy === null) {
    return runSequentialCheck(
      { impl, reference, configs, suites, seed: v.seed, runs: v.runs ?? DEFAULT_RUNS, json, out: opts.out, ...html },
      io,
    );
  }
  if (v.mode === 'hunt') {
    const chosen = cmd.getOptionValueSource('config') !== 'default' || cmd.getOptionValueSource('arch') !== 'default';
    return runHunt(
      {
        impl,
        reference,
        strategy: v.strategy,
        seed: v.seed,
        runs: v.runs,
        timeLimitMs: v.timeLimitMs,
        // without --config or --arch: the default hunt, each race once on its arch's first configuration
        configs: chosen ? configs : null,
        json,
        out: opts.out,
        ...html,
      },
      io,
    );
  }
  const settings = concurrentSettings(v, v.strategy, opts.readers, false);
  for (const i of [impl, ...(reference ? [reference] : [])]) offersReaders(i, opts.readers);
  return runConcurrentCheck({ ...settings, impl, reference, configs, json, out: opts.out, ...html }, io);
}

/** --impl all scales the default concurrent runs of the pct half; a plain concurrent run does not. */
function concurrentSettings(
  v: CheckValues,
  strategy: StrategyName,
  readers: CheckOptions['readers'],
  scaledDefault: boolean,
): ConcurrentSettings {
  const runs = v.runs ?? DEFAULT_CONCURRENT_RUNS[strategy] * (scaledDefault ? ALL_CONCURRENT_FACTOR : 1);
  return {
    strategy,
    runs,
    seed: v.seed,
    pokeByteOrder: v.pokeByteOrder,
    entriesPerPage: v.entriesPerPage,
    readers,
    preemptionBound: v.preemptionBound,
    maxExecutions: v.maxExecutions,
  };
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
