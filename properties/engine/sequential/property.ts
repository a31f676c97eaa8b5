import fc from 'fast-check';
import type { StoreFactory } from '../../../impl/contract/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import type { SlotPolicy } from '../../../model/index.ts';
import { execute } from './executor.ts';
import type { Execution } from './executor.ts';
import { classify } from '../core/findings.ts';
import type { KnownDefect } from '../core/findings.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { sweepModel } from './model-sweep.ts';
import type { Suite } from './suites.ts';

export interface PropertyResult {
  readonly config: string;
  readonly suite: string;
  readonly seed: number;
  readonly numRuns: number;
  readonly holds: boolean;
  /** the shrunk counterexample, executed once more for its report */
  readonly counterexample: Execution | null;
  readonly finding: KnownDefect | null;
  /** fast-check's replay path for `--seed` + path reproduction */
  readonly path: string | null;
  readonly runsUntilFailure: number | null;
  readonly shrinks: number | null;
}

export interface PropertyOptions {
  readonly seed: number;
  readonly numRuns: number;
  readonly coverage?: Map<string, number>;
  readonly slotPolicy?: SlotPolicy;
}

/** Check one suite on one configuration: generate, run, shrink, and re-run the minimal case. */
export function checkProperty(
  config: Configuration,
  suite: Suite,
  factory: StoreFactory,
  opts: PropertyOptions,
): PropertyResult {
  const seed = propertySeed(opts.seed, config.name, suite.name);
  const exOpts = {
    ...(opts.coverage ? { coverage: opts.coverage } : {}),
    ...(opts.slotPolicy ? { slotPolicy: opts.slotPolicy } : {}),
  };
  const details = fc.check(
    fc.property(scenarioArbitrary(config, suite), (scenario) => execute(scenario, factory, exOpts).violation === null),
    { seed, numRuns: opts.numRuns },
  );
  const base = { config: config.name, suite: suite.name, seed, numRuns: opts.numRuns };
  if (!details.failed || !details.counterexample) {
    return {
      ...base,
      holds: true,
      counterexample: null,
      finding: null,
      path: null,
      runsUntilFailure: null,
      shrinks: null,
    };
  }
  const counterexample = execute(
    details.counterexample[0],
    factory,
    opts.slotPolicy ? { slotPolicy: opts.slotPolicy } : {},
  );
  if (opts.coverage) sweepModel(config, suite, seed, opts.numRuns, opts.coverage);
  return {
    ...base,
    holds: false,
    counterexample,
    finding: classify(counterexample),
    path: details.counterexamplePath,
    runsUntilFailure: details.numRuns,
    shrinks: details.numShrinks,
  };
}

/** Each (configuration, suite) pair gets its own stream, derived from the run's seed. */
export function propertySeed(seed: number, config: string, suite: string): number {
  let h = seed | 0;
  for (const ch of `${config}/${suite}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}
