import fc from 'fast-check';
import { runSequential } from '../../../impl/kernel/run.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { scenarioArbitrary } from '../../engine/sequential/arbitraries.ts';
import { bootWorld, quiesce } from '../../engine/core/world.ts';
import { execute } from '../../engine/sequential/executor.ts';
import type { SequentialScenario } from '../../engine/core/scenario.ts';
import { suiteByName } from '../../engine/sequential/suites.ts';

export interface SequentialFigures {
  readonly scenarios: number;
  readonly commands: number;
  /** model step + implementation operation + every byte and invariant check */
  readonly checkedPerSecond: number;
  /** the same commands on the implementation alone */
  readonly implOnlyPerSecond: number;
  /** how many times slower checking is than running */
  readonly ratio: number;
}

/** Model-checked commands per second beside the implementation alone, on the contract suite. */
export function benchSequential(
  configNames: readonly string[] = ['x86-A16', 'x86-B-kcfi', 'arm64-callops-6,4'],
  perConfig = 300,
): SequentialFigures {
  const scenarios: SequentialScenario[] = configNames.flatMap((name) =>
    fc.sample(scenarioArbitrary(configurationByName(name), suiteByName('contract')), { seed: 1, numRuns: perConfig }),
  );
  // the commands that actually run, so both sides do the same work
  const executed = scenarios.map((s) => ({ ...s, commands: execute(s, v4).executed }));
  const commands = executed.reduce((n, s) => n + s.commands.length, 0);
  const checked = time(() => executed.forEach((s) => execute(s, v4)));
  const alone = time(() => executed.forEach((s) => runImplOnly(s, v4)));
  return {
    scenarios: executed.length,
    commands,
    checkedPerSecond: commands / checked,
    implOnlyPerSecond: commands / alone,
    ratio: alone > 0 ? checked / alone : Number.NaN,
  };
}

/** Boot a kernel and run the commands with no model and no checks. */
export function runImplOnly(scenario: SequentialScenario, impl: Implementation): void {
  const { kernel, store } = bootWorld(scenario, impl);
  const held = new Map<string, number>();
  for (const cmd of scenario.commands) {
    const ip = 'fn' in cmd ? kernel.fn(cmd.fn).ip : 0;
    switch (cmd.op) {
      case 'lock':
        runSequential(kernel, store.lock());
        break;
      case 'unlock':
        runSequential(kernel, store.unlock());
        break;
      case 'get': {
        const r = runSequential(kernel, store.get(ip));
        if (r.ok && r.value) held.set(cmd.fn, r.value);
        break;
      }
      case 'put':
        runSequential(kernel, store.put(held.get(cmd.fn) ?? 0));
        break;
      case 'put_by_ip':
        runSequential(kernel, store.putByIp(ip));
        break;
      case 'find':
        runSequential(kernel, store.find(ip));
        break;
      case 'quiesce':
        runSequential(kernel, quiesce(kernel));
        break;
      // nothing to run: the contract suite injects no faults, and locked_get and tramp are concurrent operations
      case 'fail_alloc':
      case 'foreign_write':
      case 'locked_get':
      case 'tramp':
        break;
    }
  }
}

function time(f: () => void): number {
  const start = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
