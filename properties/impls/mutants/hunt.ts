import type { Configuration } from '../../../model/config/index.ts';
import type { CheckName } from '../../engine/core/checks.ts';
import { execute } from '../../engine/sequential/executor.ts';
import type { Execution } from '../../engine/sequential/executor.ts';
import { checkProperty } from '../../engine/sequential/property.ts';
import type { PropertyResult } from '../../engine/sequential/property.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import type { Implementation } from '../../../impl/contract/index.ts';

/**
 * Where and how a mutant was caught: the first (configuration, suite) pair, in hunt order, on
 * which the suites tell it apart from the reference: the reference holds and the mutant does
 * not, or both fail but the mutant's shrunk counterexample passes on the reference or fails a
 * different check there.
 */
export interface Catch {
  readonly config: string;
  readonly suite: string;
  readonly check: CheckName;
  readonly message: string;
  /** commands in the shrunk counterexample */
  readonly shrunk: number;
  /** how the suites told the mutant apart */
  readonly how: 'reference holds' | 'reference passes this counterexample' | 'reference fails another check';
}

export interface HuntResult {
  readonly mutant: string;
  readonly caught: Catch | null;
  /** pairs the mutant was run on */
  readonly tried: number;
  /** of those, pairs where the reference itself fails (only a distinct failure counts there) */
  readonly referenceFails: number;
}

export interface HuntOptions {
  readonly seed: number;
  readonly numRuns: number;
}

/**
 * Runs mutants over (configuration, suite) pairs in a fixed order: suite by suite, each over
 * every configuration. Where v4 has a finding of its own, a mutant only counts as caught if its
 * counterexample is its own (v4 passes it, or fails it with another check), so a known v4
 * finding is never mistaken for catching the mutant. Reference verdicts are cached.
 */
export class Hunter {
  private readonly verdicts = new Map<string, PropertyResult>();

  constructor(
    private readonly reference: Implementation,
    private readonly opts: HuntOptions,
  ) {}

  referenceResult(config: Configuration, suite: Suite): PropertyResult {
    const key = `${config.name}/${suite.name}`;
    let r = this.verdicts.get(key);
    if (r === undefined) {
      r = checkProperty(config, suite, this.reference, this.opts);
      this.verdicts.set(key, r);
    }
    return r;
  }

  referenceHolds(config: Configuration, suite: Suite): boolean {
    return this.referenceResult(config, suite).holds;
  }

  hunt(impl: Implementation, configs: readonly Configuration[], suites: readonly Suite[]): HuntResult {
    let tried = 0;
    let referenceFails = 0;
    for (const suite of suites) {
      for (const config of configs) {
        const ref = this.referenceResult(config, suite);
        if (!ref.holds) referenceFails++;
        tried++;
        const r = checkProperty(config, suite, impl, this.opts);
        const v = r.counterexample?.violation;
        if (r.holds || !r.counterexample || !v) continue;
        const how = this.distinguish(ref, r.counterexample);
        if (how)
          return {
            mutant: impl.name,
            caught: {
              config: config.name,
              suite: suite.name,
              check: v.check,
              message: v.message,
              shrunk: r.counterexample.executed.length,
              how,
            },
            tried,
            referenceFails,
          };
      }
    }
    return { mutant: impl.name, caught: null, tried, referenceFails };
  }

  private distinguish(ref: PropertyResult, ex: Execution): Catch['how'] | null {
    if (ref.holds) return 'reference holds';
    const again = execute({ ...ex.scenario, commands: ex.executed }, this.reference);
    if (!again.violation) return 'reference passes this counterexample';
    return again.violation.check !== ex.violation?.check ? 'reference fails another check' : null;
  }
}
