import fc from 'fast-check';
import { configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { Oracle } from '../../../model/index.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { modelInputFor } from '../core/boot.ts';
import { Caller } from '../core/holdings.ts';
import { toEvent } from './executor.ts';
import type { Scenario } from '../core/scenario.ts';
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
  seed: number,
  numRuns: number,
  coverage: Map<string, number>,
): void {
  for (const scenario of fc.sample(scenarioArbitrary(config, suite), { seed, numRuns }))
    runModelOnly(scenario, coverage);
}

export function runModelOnly(scenario: Scenario, coverage: Map<string, number>): void {
  const config = configurationByName(scenario.config);
  const oracle = new Oracle(modelInputFor(config, scenario, 'lowest-free'), coverage);
  const padded = new Set(scenario.functions.filter((f) => f.padded).map((f) => f.name));
  const caller = new Caller(suiteByName(scenario.suite));
  for (const cmd of scenario.commands) {
    if (oracle.stopped) return;
    if (!caller.allows(cmd, (fn) => padded.has(fn), oracle.context.pendingAllocFailures)) continue;
    const event = toEvent(cmd, caller);
    const out = oracle.step(event).outcome;
    if (cmd.op === 'get' && out?.op === 'get' && out.md !== null) caller.gotMd(cmd.fn, out.md + 1, 0, out.md);
    if (cmd.op === 'put' || cmd.op === 'put_by_ip') caller.droppedRef(cmd.fn);
    if (cmd.op === 'lock') caller.locked = true;
    if (cmd.op === 'unlock') caller.locked = false;
  }
}
