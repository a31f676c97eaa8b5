/**
 * A loaded counterexample made ready for the page: run again exactly as `kfmd replay` runs it
 * (sequential: execute; concurrent: simulate with a timeline), plus, for a concurrent one, the
 * windows and the array after every step.
 */
import type { Implementation } from '../../../../impl/contract/index.ts';
import { configurationByName } from '../../../../model/config/index.ts';
import type { Arch } from '../../../../model/encoding/window.ts';
import { encodeDecisions } from '../../../engine/core/counterexample.ts';
import type {
  ConcurrentCounterexample,
  CounterexampleFile,
  SequentialCounterexample,
} from '../../../engine/core/counterexample.ts';
import { simulate } from '../../../engine/concurrent/simulate.ts';
import type { ConcRun } from '../../../engine/concurrent/simulate.ts';
import { execute } from '../../../engine/sequential/executor.ts';
import type { Execution } from '../../../engine/sequential/executor.ts';
import { implementationByName } from '../../../impls/registry.ts';
import { arrayStatesOf } from './array-states.ts';
import type { ArrayStates } from './array-states.ts';
import { windowHistory } from './windows-at.ts';
import type { WindowHistory } from './windows-at.ts';

interface Common {
  /** the section's element id */
  readonly id: string;
  readonly arch: Arch;
  /** the finding, or the check for an unnamed violation: what a verdict cell says */
  readonly label: string;
  /** why the page shows less than a full re-run (null: it shows all of it) */
  readonly notes: readonly string[];
}

export interface PreparedSequential extends Common {
  readonly kind: 'sequential';
  readonly saved: SequentialCounterexample;
  readonly execution: Execution | null;
}

export interface PreparedConcurrent extends Common {
  readonly kind: 'concurrent';
  readonly saved: ConcurrentCounterexample;
  readonly run: ConcRun | null;
  readonly windows: WindowHistory | null;
  readonly arrays: ArrayStates | null;
}

export type Prepared = PreparedSequential | PreparedConcurrent;

export function labelOfFile(saved: CounterexampleFile): string {
  return saved.finding ?? saved.check;
}

function archOf(config: string): Arch {
  try {
    return configurationByName(config).arch;
  } catch {
    return config.startsWith('arm64') ? 'arm64' : 'x86';
  }
}

function what(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `implementations`: looked up by name before the built-in ones (a plugin the caller loaded). */
export function prepare(saved: CounterexampleFile, id: string, implementations: readonly Implementation[]): Prepared {
  const common = { id, arch: archOf(saved.scenario.config), label: labelOfFile(saved) };
  const impl = implementations.find((i) => i.name === saved.impl) ?? implementationByName(saved.impl);
  const notRun = `implementation ${saved.impl} is not a built-in one: shown as saved, not run again`;
  if (saved.kind === 'sequential') {
    if (!impl) return { ...common, kind: 'sequential', saved, execution: null, notes: [notRun] };
    try {
      const ex = execute(saved.scenario, impl);
      const notes = ex.violation ? [] : [`it no longer fails on ${impl.name} (${ex.executed.length} commands ran)`];
      return { ...common, kind: 'sequential', saved, execution: ex, notes };
    } catch (err) {
      return { ...common, kind: 'sequential', saved, execution: null, notes: [`running it again threw ${what(err)}`] };
    }
  }
  const none = { run: null, windows: null, arrays: null };
  if (!impl) return { ...common, kind: 'concurrent', saved, ...none, notes: [notRun] };
  let run: ConcRun;
  try {
    run = simulate(saved.scenario, impl, { record: true });
  } catch (err) {
    return { ...common, kind: 'concurrent', saved, ...none, notes: [`running it again threw ${what(err)}`] };
  }
  const notes: string[] = [];
  if (!run.violation) notes.push(`it no longer fails on ${impl.name} (${run.steps} steps)`);
  if (encodeDecisions(run.decisions) !== saved.decisions)
    notes.push('the schedule took a different path than the one saved');
  const arrays = arrayStatesOf(run, impl);
  if (!arrays) notes.push('the array states could not be read: a second run did not take the same path');
  return { ...common, kind: 'concurrent', saved, run, windows: windowHistory(run), arrays, notes };
}
