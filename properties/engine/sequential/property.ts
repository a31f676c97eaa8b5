import fc from 'fast-check';
import { declarationsOf } from '../../../impl/contract/index.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { propertySeed } from '../core/defaults.ts';
import { classify } from '../core/findings.ts';
import type { Finding } from '../core/findings.ts';
import { operationFn } from '../core/operations.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { execute } from './executor.ts';
import type { Execution } from './executor.ts';
import { sweepModel } from './model-sweep.ts';
import { suiteInapplicable } from './suites.ts';
import type { Suite } from './suites.ts';

export interface PropertyResult {
  readonly config: string;
  readonly suite: string;
  readonly seed: number;
  readonly numRuns: number;
  /** not-applicable: the suite's premise does not hold for what the implementation declares (`notApplicable` says why) */
  readonly status: 'holds' | 'violated' | 'not-applicable';
  readonly holds: boolean;
  readonly notApplicable: string | null;
  /** the shrunk counterexample, executed once more for its report */
  readonly counterexample: Execution | null;
  readonly finding: Finding | null;
  /** fast-check's replay path for `--seed` + path reproduction */
  readonly path: string | null;
  readonly runsUntilFailure: number | null;
  readonly shrinks: number | null;
}

export interface PropertyOptions {
  readonly seed: number;
  readonly numRuns: number;
  readonly coverage?: Map<string, number>;
  /** which violations count (default: all); `kfmd check --against` passes those the reference shares */
  readonly accept?: (ex: Execution) => boolean;
}

/** Check one suite on one configuration: generate, run, shrink, and re-run the minimal case. */
export function checkProperty(
  config: Configuration,
  suite: Suite,
  impl: Implementation,
  opts: PropertyOptions,
): PropertyResult {
  const seed = propertySeed(opts.seed, config.name, suite.name);
  const base = { config: config.name, suite: suite.name, seed, numRuns: opts.numRuns };
  const none = { counterexample: null, finding: null, path: null, runsUntilFailure: null, shrinks: null };
  const declares = declarationsOf(impl, config.options);
  const why = suiteInapplicable(suite, declares);
  if (why !== null) return { ...base, ...none, status: 'not-applicable', holds: false, notApplicable: why };
  const exOpts = opts.coverage ? { coverage: opts.coverage } : {};
  const details = fc.check(
    fc.property(scenarioArbitrary(config, suite), (scenario) => {
      const ex = execute(scenario, impl, exOpts);
      return ex.violation === null || !(opts.accept?.(ex) ?? true);
    }),
    { seed, numRuns: opts.numRuns },
  );
  if (!details.failed || !details.counterexample) {
    return { ...base, ...none, status: 'holds', holds: true, notApplicable: null };
  }
  const counterexample = execute(details.counterexample[0], impl);
  if (opts.coverage) sweepModel(config, suite, declares, { seed, numRuns: opts.numRuns, coverage: opts.coverage });
  return {
    ...base,
    status: 'violated',
    holds: false,
    notApplicable: null,
    counterexample,
    finding: classifyExecution(counterexample),
    path: details.counterexamplePath,
    runsUntilFailure: details.numRuns,
    shrinks: details.numShrinks,
  };
}

/** The known defect a sequential execution's violation is, if any. */
export function classifyExecution(ex: Execution): Finding | null {
  const v = ex.violation;
  if (!v) return null;
  const cmd = ex.executed[v.at];
  return classify(v, {
    mode: 'sequential',
    suite: ex.scenario.suite,
    fnAt: cmd ? operationFn(cmd) : null,
    unpadded: new Set(ex.scenario.functions.filter((f) => !f.padded).map((f) => f.name)),
  });
}
