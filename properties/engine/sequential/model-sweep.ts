import fc from 'fast-check';
import type { Configuration } from '../../../model/config/index.ts';
import { Oracle } from '../../../model/index.ts';
import type { SequentialScenario } from '../core/scenario.ts';
import type { Declarations } from '../../../impl/contract/index.ts';
import { designOf, modelInputFor } from '../core/world.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { SequentialCaller } from './caller.ts';
import { toEvent } from './executor.ts';
import { suiteByName } from './suites.ts';
import type { Suite } from './suites.ts';

/**
 * Step generated scenarios through the model alone, counting transitions.
 * A property stops at its first counterexample, so on a faulty
 * implementation the suites' reach is measured on the scenarios it would
 * have generated next, with the same seed.
 */
export function sweepModel(
  config: Configuration,
  suite: Suite,
  declares: Declarations,
  opts: { readonly seed: number; readonly numRuns: number; readonly coverage: Map<string, number> },
): void {
  for (const scenario of fc.sample(scenarioArbitrary(config, suite), { seed: opts.seed, numRuns: opts.numRuns }))
    runModelOnly(scenario, declares, opts.coverage);
}

export function runModelOnly(
  scenario: SequentialScenario,
  declares: Declarations,
  coverage: Map<string, number>,
): void {
  const oracle = new Oracle(modelInputFor(scenario, 'lowest-free', designOf(declares)), coverage);
  const padded = new Set(scenario.functions.filter((f) => f.padded).map((f) => f.name));
  const caller = new SequentialCaller(suiteByName(scenario.suite), declares.locking);
  const h = caller.holdings;
  for (const cmd of caller.issue(scenario.commands)) {
    if (oracle.stopped) return;
    if (!caller.allows(cmd, (fn) => padded.has(fn), oracle.context.pendingAllocFailures)) continue;
    const out = oracle.step(toEvent(cmd, h)).outcome;
    if (cmd.op === 'get' && out?.op === 'get' && out.md !== null)
      h.gotMd(cmd.fn, { md: out.md + 1, base: 0, index: out.md });
    if (cmd.op === 'put' || cmd.op === 'put_by_ip') h.droppedRef(cmd.fn);
    if (cmd.op === 'lock') h.locked = true;
    if (cmd.op === 'unlock') h.locked = false;
  }
}
