import fc from 'fast-check';
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Finding } from '../core/findings.ts';
import { modelInputOf } from '../core/world.ts';
import { concScenarioArbitrary } from './arbitraries.ts';
import type { ConcGenOptions } from './arbitraries.ts';
import { explore } from './explore.ts';
import type { ExploreResult } from './explore.ts';
import { classifyConcurrent } from './classify.ts';
import { minimizeFailure } from './minimize.ts';
import { ModelSpecs } from './lin-model.ts';
import type { ConcurrentScenario, StrategyName } from '../core/scenario.ts';
import { simulate } from './simulate.ts';
import type { ConcRun } from './simulate.ts';
import { differsFrom, referenceViolation } from './differential.ts';
import type { Violation } from '../core/violation.ts';

export interface ConcSearchOptions {
  readonly gen: ConcGenOptions;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly numRuns: number;
  /** stop generating after this long (the property then holds for the runs made) */
  readonly timeLimitMs?: number;
  /** which violations count; others are ignored (tests use it to look for one finding) */
  readonly accept?: (run: ConcRun) => boolean;
  /** exhaustive: per generated scenario */
  readonly preemptionBound?: number;
  readonly maxExecutions?: number;
  /** differential: a violation counts only if this implementation, on the same run, does not fail the same way */
  readonly reference?: Implementation;
}

export interface ConcSearchResult {
  readonly config: string;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly numRuns: number;
  readonly holds: boolean;
  /** set (and holds false, run null) when the readers asked for are not ones the implementation offers */
  readonly notApplicable: string | null;
  /** the shrunk counterexample, run once more with a timeline */
  readonly run: ConcRun | null;
  readonly finding: Finding | null;
  readonly path: string | null;
  readonly runsUntilFailure: number | null;
  readonly shrinks: number | null;
  /** wall time until the first failing scenario, before shrinking */
  readonly timeToFindMs: number | null;
  readonly totalMs: number;
  /** scenarios whose linearizability check ran out of budget */
  readonly unknown: number;
  /** exhaustive: schedules explored over all scenarios, and the last scenario's figures */
  readonly explored: {
    readonly executions: number;
    readonly states: number;
    readonly last: ExploreResult | null;
  } | null;
  /** differential: the reference, and what it does on the counterexample's run (null: it holds) */
  readonly against: { readonly name: string; readonly violation: Violation | null } | null;
}

/**
 * One concurrent property: fast-check generates programs and schedule together, runs each
 * (or, for exhaustive, enumerates its schedules), shrinks a failure as a whole, and the
 * minimal case is run again with a timeline for the report.
 */
/** The fields of a search that found no counterexample. */
const NOTHING_FOUND = {
  run: null,
  finding: null,
  path: null,
  runsUntilFailure: null,
  shrinks: null,
  timeToFindMs: null,
  totalMs: 0,
} as const;

export function searchConcurrent(impl: Implementation, wanted: ConcSearchOptions): ConcSearchResult {
  const started = performance.now();
  const ref = wanted.reference ?? null;
  const against = ref ? { name: ref.name, violation: null } : null;
  // a differential run is only comparable on readers both implementations offer
  const readers = [impl, ...(ref ? [ref] : [])].reduce<ConcGenOptions['readers'] | null>(
    (asked, i) => (asked === null ? null : offeredReaders(asked, i.declares.readers)),
    wanted.gen.readers,
  );
  if (readers === null) {
    const { config, strategy, seed, numRuns } = { ...wanted, config: wanted.gen.config.name };
    const who = ref ? `${impl.name} and ${ref.name} declare` : `${impl.name} declares`;
    const why = `readers '${wanted.gen.readers}': ${who} no such trampoline reader${ref ? ' in common' : ''}`;
    return {
      config,
      strategy,
      seed,
      numRuns,
      unknown: 0,
      explored: null,
      against,
      ...NOTHING_FOUND,
      holds: false,
      notApplicable: why,
    };
  }
  // 'both' narrows to the reader the implementation offers
  const opts: ConcSearchOptions = { ...wanted, gen: { ...wanted.gen, readers } };
  const own = opts.accept ?? (() => true);
  // the cheap filter first: the reference runs only for violations the search would keep
  const differs = ref ? differsFrom(ref) : null;
  const accept = differs ? (run: ConcRun) => own(run) && differs(run) : own;
  let firstFailure: number | null = null;
  let unknown = 0;
  let executions = 0;
  let states = 0;
  let last: ExploreResult | null = null;
  /** the last violating run per scenario (exhaustive: its schedule is the trace found) */
  let lastFound: { key: string; run: ConcRun } | null = null;
  const exhaustive = opts.strategy === 'exhaustive';

  const specs = new ModelSpecs();
  const predicate = (scenario: ConcurrentScenario): boolean => {
    let bad: ConcRun | null = null;
    if (exhaustive) {
      last = exploreFor(scenario, impl, opts, accept);
      executions += last.executions;
      states += last.states;
      bad = last.found;
      if (bad) lastFound = { key: JSON.stringify(scenario), run: bad };
    } else {
      const run = simulate(scenario, impl, { spec: specs.get(modelInputOf(scenario, impl)) });
      if (run.lin?.verdict === 'unknown') unknown++;
      if (run.violation && accept(run)) bad = run;
    }
    if (bad && firstFailure === null) firstFailure = performance.now() - started;
    return bad === null;
  };

  const arb = concScenarioArbitrary(opts.gen, exhaustive ? 'none' : opts.strategy);
  const details = fc.check(fc.property(arb, predicate), {
    seed: opts.seed,
    numRuns: opts.numRuns,
    ...(opts.timeLimitMs !== undefined ? { interruptAfterTimeLimit: opts.timeLimitMs } : {}),
  });
  const base = {
    config: opts.gen.config.name,
    strategy: opts.strategy,
    seed: opts.seed,
    numRuns: opts.numRuns,
    unknown,
    explored: exhaustive ? { executions, states, last } : null,
    against,
  };
  if (!details.failed || !details.counterexample) {
    return { ...base, ...NOTHING_FOUND, holds: true, notApplicable: null, totalMs: performance.now() - started };
  }
  const minimal = details.counterexample[0];
  const shrunk = exhaustive ? traceFor(minimal, lastFound, impl, opts, accept) : minimal;
  const scenario = minimizeFailure(shrunk, impl, accept);
  const run = simulate(scenario, impl, { record: true });
  return {
    ...base,
    against: ref ? { name: ref.name, violation: referenceViolation(run, ref) } : null,
    holds: false,
    notApplicable: null,
    run,
    finding: classifyConcurrent(run.violation),
    path: details.counterexamplePath,
    runsUntilFailure: details.numRuns,
    shrinks: details.numShrinks,
    timeToFindMs: firstFailure,
    totalMs: performance.now() - started,
  };
}

/** The violating schedule of an exhaustive counterexample (searched again if it was not the last one found). */
function traceFor(
  minimal: ConcurrentScenario,
  lastFound: { key: string; run: ConcRun } | null,
  impl: Implementation,
  opts: ConcSearchOptions,
  accept: (run: ConcRun) => boolean,
): ConcurrentScenario {
  if (lastFound?.key === JSON.stringify(minimal)) return lastFound.run.scenario;
  return exploreFor(minimal, impl, opts, accept).found?.scenario ?? minimal;
}

function exploreFor(
  scenario: ConcurrentScenario,
  impl: Implementation,
  opts: ConcSearchOptions,
  accept: (run: ConcRun) => boolean,
): ExploreResult {
  return explore(scenario, impl, {
    accept,
    ...(opts.preemptionBound !== undefined ? { preemptionBound: opts.preemptionBound } : {}),
    ...(opts.maxExecutions !== undefined ? { maxExecutions: opts.maxExecutions } : {}),
  });
}

/** The readers to generate: those asked for that the implementation declares; null if none is left. */
function offeredReaders(
  asked: ConcGenOptions['readers'],
  offered: { readonly rcu: boolean; readonly norcu: boolean },
): ConcGenOptions['readers'] | null {
  const rcu = asked !== 'norcu' && offered.rcu;
  const norcu = asked !== 'rcu' && offered.norcu;
  return rcu && norcu ? 'both' : rcu ? 'rcu' : norcu ? 'norcu' : null;
}
