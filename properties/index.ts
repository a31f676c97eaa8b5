/**
 * kfmd as a library: run the property suites on an implementation — a built-in one or your own
 * (see impl/contract for what it implements and declares) — sequentially and on simulated
 * CPUs, and get every failure back with the report `kfmd check` would print.
 */
import type { Implementation } from '../impl/contract/index.ts';
import { allConfigurations, configurationByName } from '../model/config/index.ts';
import type { Configuration } from '../model/config/index.ts';
import { formatCounterexample } from './app/report/counterexample.ts';
import { formatConcReport } from './app/report/timeline.ts';
import { DEFAULT_GEN } from './engine/concurrent/arbitraries.ts';
import { searchConcurrent } from './engine/concurrent/search.ts';
import { inapplicableChecks } from './engine/core/checks.ts';
import type { CheckName } from './engine/core/checks.ts';
import { DEFAULT_RUNS, DEFAULT_SEED, propertySeed } from './engine/core/defaults.ts';
import { ASCENDING } from './engine/core/scenario.ts';
import type { StrategyName, SuiteName } from './engine/core/scenario.ts';
import { runSequential } from './app/cli/sequential.ts';
import { concurrentNote } from './app/report/against.ts';
import { SUITES, suiteByName } from './engine/sequential/suites.ts';

export type * from '../impl/contract/index.ts';
export { CONTRACT_VERSION, V4_LOCKING } from '../impl/contract/index.ts';
export { IMPLEMENTATIONS, implementationByName } from './impls/registry.ts';
export { CHECKS, checksOf, describeCheck } from './engine/core/checks.ts';
export type { CheckName, Mode } from './engine/core/checks.ts';
export { FINDINGS } from './engine/core/findings.ts';
export type { Finding } from './engine/core/findings.ts';
export { SUITE_NAMES } from './engine/core/scenario.ts';
export type { SuiteName, StrategyName } from './engine/core/scenario.ts';
export { COUNTEREXAMPLE_VERSION, loadCounterexample } from './engine/core/counterexample.ts';
export type { CounterexampleFile } from './engine/core/counterexample.ts';

/** One property that failed: where, which known defect it is (if any), and the printed counterexample. */
export interface Failure {
  readonly config: string;
  /** the suite (sequential) or `concurrent-<strategy>` */
  readonly suite: string;
  readonly finding: string | null;
  readonly check: CheckName;
  readonly message: string;
  /** the counterexample as `kfmd check` prints it */
  readonly report: string;
}

export interface CheckReport {
  readonly impl: string;
  readonly seed: number;
  /** properties checked (configuration × suite, or configurations for the concurrent search) */
  readonly properties: number;
  readonly failures: readonly Failure[];
  /** what was not checked and why: suites whose premise the declarations rule out, checks that do not apply */
  readonly notApplicable: readonly string[];
}

export interface SequentialCheckOptions {
  /** configuration names (`kfmd configs`), default: every configuration of `arch` */
  readonly configs?: readonly string[];
  readonly arch?: 'x86' | 'arm64' | 'all';
  /** default: all nine */
  readonly suites?: readonly SuiteName[];
  readonly runs?: number;
  readonly seed?: number;
  /** differential (`kfmd check --against`): only the failures this implementation does not share on the same input */
  readonly against?: Implementation;
}

/** The sequential property suites, as `kfmd check --impl …` runs them. */
export function checkSequential(impl: Implementation, opts: SequentialCheckOptions = {}): CheckReport {
  const configs = pickConfigs(opts.configs, opts.arch);
  const suites = opts.suites ? opts.suites.map((s) => suiteByName(s)) : [...SUITES];
  const seed = opts.seed ?? DEFAULT_SEED;
  const reference = opts.against ?? null;
  const runs = opts.runs ?? DEFAULT_RUNS;
  const { campaign, notes } = runSequential({ impl, reference, configs, suites, seed, runs, json: false, out: '' });
  const failures = campaign.results.flatMap((r): Failure[] => {
    const ex = r.counterexample;
    if (r.status !== 'violated' || !ex?.violation) return [];
    const finding = r.finding?.id ?? null;
    const against = notes.get(`${r.config}/${r.suite}`);
    const report = formatCounterexample(ex, {
      impl: impl.name,
      finding,
      seed: r.seed,
      path: r.path,
      ...(against ? { against } : {}),
    });
    return [
      { config: r.config, suite: r.suite, finding, check: ex.violation.check, message: ex.violation.message, report },
    ];
  });
  const notApplicable = [
    ...new Set(campaign.results.flatMap((r) => (r.notApplicable ? [`suite ${r.suite}: ${r.notApplicable}`] : []))),
    ...inapplicableChecks('sequential', impl.declares, arches(configs)).map((c) => `check ${c.check}: ${c.why}`),
  ];
  return { impl: impl.name, seed, properties: campaign.results.length, failures, notApplicable };
}

export interface ConcurrentCheckOptions {
  readonly configs?: readonly string[];
  readonly arch?: 'x86' | 'arm64' | 'all';
  readonly strategy?: StrategyName;
  /** generated scenarios per configuration (exhaustive: each one's schedules are enumerated) */
  readonly runs?: number;
  readonly seed?: number;
  /** differential (`kfmd check --against`): only the failures this implementation does not share on the same run */
  readonly against?: Implementation;
}

/** The concurrent checks on simulated CPUs, as `kfmd check --schedule …` runs them. */
export function checkConcurrent(impl: Implementation, opts: ConcurrentCheckOptions = {}): CheckReport {
  const configs = pickConfigs(opts.configs, opts.arch);
  const strategy = opts.strategy ?? 'pct';
  const seed = opts.seed ?? DEFAULT_SEED;
  const { rcu, norcu } = impl.declares.readers;
  const notApplicable: string[] = [
    ...(rcu && norcu ? [] : [`readers ${rcu ? 'without' : 'with'} rcu_read_lock: the implementation offers none`]),
    ...inapplicableChecks('concurrent', impl.declares, arches(configs)).map((c) => `check ${c.check}: ${c.why}`),
  ];
  const failures = configs.flatMap((config): Failure[] => {
    // the search narrows 'both' to the readers the implementation declares
    const gen = { ...DEFAULT_GEN, config, pokeByteOrder: ASCENDING, readers: 'both' } as const;
    const r = searchConcurrent(impl, {
      gen,
      strategy,
      seed: propertySeed(seed, config.name, `concurrent-${strategy}`),
      numRuns: opts.runs ?? (strategy === 'exhaustive' ? 10 : 200),
      ...(opts.against ? { reference: opts.against } : {}),
    });
    if (r.notApplicable !== null) notApplicable.push(`${config.name}: ${r.notApplicable}`);
    const v = r.run?.violation;
    if (!r.run || !v) return [];
    const against = concurrentNote(r.against);
    const report = formatConcReport(r.run, {
      impl: impl.name,
      strategy,
      seed: r.seed,
      path: r.path,
      ...(against ? { against } : {}),
    });
    return [
      {
        config: config.name,
        suite: `concurrent-${strategy}`,
        finding: r.finding?.id ?? null,
        check: v.check,
        message: v.message,
        report,
      },
    ];
  });
  return { impl: impl.name, seed, properties: configs.length, failures, notApplicable };
}

/** The architectures of the configurations a run covers. */
function arches(configs: readonly Configuration[]): ('x86' | 'arm64')[] {
  return [...new Set(configs.map((c) => c.options.arch))];
}

function pickConfigs(names: readonly string[] | undefined, arch: 'x86' | 'arm64' | 'all' = 'all'): Configuration[] {
  if (names) return names.map((n) => configurationByName(n));
  return allConfigurations().filter((c) => arch === 'all' || c.arch === arch);
}
