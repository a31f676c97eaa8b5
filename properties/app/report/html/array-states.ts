/**
 * The metadata array after every step of a concurrent run. The timeline records only the text
 * of each step and the windows it changed, so the run is taken once more under a control that
 * makes the recorded decisions and reads the store (inspect(): peeks only, no scheduling point)
 * at every scheduling point. Steps between two points touch memory private to the CPU running
 * (simulate.ts: not scheduling points), which the published array does not include, so the
 * state after step k is the one read at the next point after k, or at the end.
 */
import type { Implementation, KfuncMdStore } from '../../../../impl/contract/index.ts';
import type { Kernel } from '../../../../impl/kernel/kernel.ts';
import { simulate } from '../../../engine/concurrent/simulate.ts';
import type { ConcRun, Control } from '../../../engine/concurrent/simulate.ts';

export interface SlotState {
  readonly slot: number;
  readonly md: number;
  readonly users: number;
  readonly func: number;
  /** the function whose entry address `func` is, if any */
  readonly fn: string | null;
}

export interface ArrayState {
  /** kfunc_mds (0: no array yet) */
  readonly base: number;
  readonly count: number;
  readonly used: number;
  readonly order: number;
  readonly slots: readonly SlotState[];
  /** page blocks kept besides the current array (retired arrays) */
  readonly retained: number;
}

/** An array state, or why none could be read at that point. */
export type ArrayReading = ArrayState | { readonly unreadable: string };

export interface ArrayStates {
  readonly boot: ArrayReading;
  /** after[k]: after step k */
  readonly after: readonly ArrayReading[];
}

function read(store: KfuncMdStore, names: ReadonlyMap<number, string>): ArrayReading {
  try {
    const v = store.inspect();
    return {
      base: v.arrayBase,
      count: v.count,
      used: v.used,
      order: v.order,
      slots: v.entries.map((e, slot) => ({
        slot,
        md: e.md,
        users: e.users,
        func: e.func,
        fn: names.get(e.func) ?? null,
      })),
      retained: v.retained?.length ?? 0,
    };
  } catch (err) {
    return { unreadable: err instanceof Error ? err.message : String(err) };
  }
}

/** null when the second run did not take the recorded path (then the report says so). */
export function arrayStatesOf(run: ConcRun, impl: Implementation): ArrayStates | null {
  // a holder, not a local: the closure assigns it, and a local would stay narrowed to null
  const seen: { store: KfuncMdStore | null; names: ReadonlyMap<number, string> } = { store: null, names: new Map() };
  const watched: Implementation = {
    name: impl.name,
    description: impl.description,
    contract: impl.contract,
    declares: impl.declares,
    ...(impl.declaresOn ? { declaresOn: impl.declaresOn } : {}),
    create: (kernel: Kernel) => {
      // the last store made is the scenario's (world.ts probes the entry layout on one first)
      const made = impl.create(kernel);
      seen.store = made;
      seen.names = new Map(kernel.functions.map((f) => [f.ip, f.name] as const));
      return made;
    },
  };
  const points: { readonly step: number; readonly state: ArrayReading }[] = [];
  let next = 0;
  const control: Control = {
    decide(runnable, _current, step) {
      if (seen.store) points.push({ step, state: read(seen.store, seen.names) });
      const pick = run.pointDecisions[next++];
      return pick !== undefined && runnable.includes(pick) ? pick : null;
    },
  };
  let again: ConcRun;
  try {
    again = simulate(run.scenario, watched, { control, linearizability: false });
  } catch {
    return null;
  }
  const last = seen.store;
  if (last === null || again.pruned || again.decisions.join() !== run.decisions.join()) return null;
  const end = read(last, seen.names);
  const boot = points[0]?.step === 0 ? points[0].state : end;
  const after: ArrayReading[] = [];
  let p = 0;
  for (let k = 0; k < run.steps; k++) {
    while (p < points.length && (points[p]?.step ?? 0) <= k) p++;
    after.push(points[p]?.state ?? end);
  }
  return { boot, after };
}
