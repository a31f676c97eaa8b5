import type { Implementation } from '../../../impl/contract/index.ts';
import type { Op, Step } from '../../../impl/kernel/types.ts';
import type { ConcurrentOperation } from '../core/operations.ts';
import { Cpu, opGenerator, resultOf } from './cpu.ts';
import type { OpValue } from './cpu.ts';
import { Fingerprinter } from './fingerprint.ts';
import type { HistoryOp } from './history.ts';
import { describeResult } from './history.ts';
import { ModelSpec, checkHistory, linViolation } from './lin-model.ts';
import type { LinResult } from './linearizability.ts';
import { Monitor } from './monitor.ts';
import { PrivateBlocks } from './private-blocks.ts';
import { describeOperation } from '../core/operations.ts';
import type { ConcurrentScenario } from '../core/scenario.ts';
import { schedulerFor } from './schedulers.ts';
import { describeStep } from './step-text.ts';
import { seenOn } from '../core/violation.ts';
import type { Violation } from '../core/violation.ts';
import { bootWorld, modelInputOf, staticNames } from '../core/world.ts';
import { hexOf } from './windows.ts';

/** One line of the per-CPU timeline. */
export interface TimelineEntry {
  readonly step: number;
  readonly cpu: number;
  readonly text: string;
  /** the operation this step starts */
  readonly begins?: string;
  /** the operation this step ends, with its result */
  readonly ends?: string;
  /** windows whose bytes this step changed, and their bytes after it */
  readonly windows?: readonly { readonly fn: string; readonly bytes: string }[];
}

/** Replaces the scenario's scheduler (the exhaustive search): a CPU, or null to abandon the run. */
export interface Control {
  decide(runnable: readonly number[], current: number | null, step: number, fingerprint: () => string): number | null;
}

export interface SimOptions {
  /** keep a timeline (for reports) */
  readonly record?: boolean;
  /** check linearizability at the end (default true) */
  readonly linearizability?: boolean;
  readonly linBudget?: number;
  readonly maxSteps?: number;
  readonly control?: Control;
  /** the model as a sequential spec, shared across runs of the same setup (its memo is reused) */
  readonly spec?: ModelSpec;
}

export interface ConcRun {
  readonly scenario: ConcurrentScenario;
  readonly violation: Violation | null;
  readonly lin: LinResult | null;
  readonly history: readonly HistoryOp[];
  /** the CPU that performed each step */
  readonly decisions: readonly number[];
  /** the CPU chosen at each scheduling point (steps on private memory are not ones) */
  readonly pointDecisions: readonly number[];
  /** the history operation that CPU was running at each scheduling point */
  readonly pointOps: readonly number[];
  readonly preemptions: number;
  readonly steps: number;
  readonly timeline: readonly TimelineEntry[];
  /** the control abandoned the run (a state already explored) */
  readonly pruned: boolean;
  /** md window bytes at boot, per padded function */
  readonly bootWindows: readonly { readonly fn: string; readonly bytes: string }[];
}

export const DEFAULT_MAX_STEPS = 200_000;

/**
 * Run a concurrent scenario: every CPU's operations as generators, one shared access per step,
 * the scheduler choosing who goes next among the runnable CPUs; the monitor checks after every
 * step, the linearizability checker at the end.
 */
export function simulate(scenario: ConcurrentScenario, impl: Implementation, opts: SimOptions = {}): ConcRun {
  const world = bootWorld(scenario, impl);
  const { kernel, store } = world;
  const mem = kernel.mem;
  const cpus = scenario.programs.map((p, i) => new Cpu(i, p));
  const monitor = new Monitor(world, cpus);
  /** the exhaustive search's control, with the state fingerprints it decides by */
  const explorer = opts.control ? { control: opts.control, fp: new Fingerprinter(kernel) } : null;
  const fp = explorer?.fp ?? null;
  const scheduler = schedulerFor(scenario.schedule, scenario.programs);
  const statics = opts.record ? staticNames(kernel) : new Map<number, string>();
  const history: HistoryOp[] = [];
  const decisions: number[] = [];
  const timeline: TimelineEntry[] = [];
  const bootWindows = [...world.windows].map(([fn, [s, e]]) => ({ fn, bytes: hexOf(mem.peekBytes(s, e - s)) }));
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  let violation: Violation | null = null;
  let current: number | null = null;
  let preemptions = 0;
  let pruned = false;
  let step = 0;
  const pointDecisions: number[] = [];
  const pointOps: number[] = [];
  const priv = new PrivateBlocks(kernel);
  /** WARNs each CPU had hit when its current operation started */
  const warnMark = new Map<number, number>();
  const warnsBy = (cpu: number): number => kernel.warnings.filter((w) => w.cpu === cpu).length;
  const pendingBegin = new Map<number, string>();

  /** The operation's next step; an exception the implementation throws ends the run as a crash. */
  const resume = (cpu: Cpu, gen: Op<OpValue>, op: ConcurrentOperation): IteratorResult<Step, OpValue> | null => {
    try {
      return gen.next();
    } catch (err) {
      const what = err instanceof Error ? err.message : String(err);
      violation = {
        check: 'crash',
        at: step,
        cpu: cpu.id,
        message: `cpu${cpu.id} \`${describeOperation(op)}\`: the implementation threw ${what}`,
        detail: { op: op.op, fn: op.fn },
      };
      return null;
    }
  };

  /** Start operations on `cpu` until one has a step to perform (or the program ends). */
  const advance = (cpu: Cpu): void => {
    while (!violation && cpu.gen === null && cpu.pc < cpu.program.length) {
      const op = cpu.program[cpu.pc];
      const made = opGenerator(store, world, cpu, op);
      if (!made) {
        cpu.pc++;
        continue;
      }
      violation = monitor.opStarting(cpu, op, step);
      if (violation) return;
      const h: HistoryOp = {
        id: history.length,
        cpu: cpu.id,
        index: cpu.pc,
        op,
        call: 2 * step,
        ret: null,
        ...(made.putIndex !== undefined ? { putIndex: made.putIndex } : {}),
        ...(made.putBase !== undefined ? { putBase: made.putBase } : {}),
      };
      history.push(h);
      cpu.current = h;
      cpu.started = false;
      warnMark.set(cpu.id, warnsBy(cpu.id));
      cpu.gen = made.gen;
      fp?.opStarted(cpu);
      if (opts.record) pendingBegin.set(cpu.id, describeOperation(op));
      mem.currentCpu = cpu.id;
      const r = resume(cpu, made.gen, op);
      if (r === null) return;
      if (r.done) finish(cpu, h, r.value, 2 * step);
      else cpu.pending = r.value;
    }
  };

  /** `h` is the operation `cpu` was running, which returned `value`. */
  const finish = (cpu: Cpu, h: HistoryOp, value: OpValue, time: number): void => {
    const warned = warnsBy(cpu.id) > (warnMark.get(cpu.id) ?? 0);
    h.ret = time;
    h.result = resultOf(world, h.op, value, warned);
    const index = h.result.kind === 'get' && typeof h.result.index === 'number' ? h.result.index : null;
    const base = world.store.inspect().arrayBase;
    // judged when the put returns, not when it was generated: a put that waited for kfunc_md_mutex
    // behind a growth ran on the grown array (arrays are only ever replaced, so a pointer stale at
    // the start is stale here too); mid-step, another CPU's half-done growth is no state to inspect
    if (h.putBase !== undefined && h.putBase !== base) h.staleMd = true;
    cpu.settle(h.op, value, index, base);
    fp?.opReturned(cpu, describeResult(h.result));
    violation ??= monitor.opReturned(cpu, h.op, value, step);
    cpu.gen = null;
    cpu.pending = null;
    cpu.current = null;
    cpu.pc++;
  };

  for (const c of cpus) advance(c);
  while (!violation) {
    if (step >= maxSteps) throw new Error(`concurrent run exceeded ${maxSteps} steps`);
    const mine = current === null ? null : cpus[current];
    // a step on memory only this CPU can reach is no scheduling point: keep going, skip the bookkeeping
    const forced =
      mine !== null && mine.pending !== null && !mine.pending.blocked && priv.isPrivate(mine.id, mine.pending);
    let pick: number | null;
    const runnable: number[] = [];
    if (forced) pick = current;
    else {
      let live = 0;
      for (const c of cpus) {
        if (c.done) continue;
        live++;
        violation ??= monitor.selfDeadlock(c, step);
        // advance() starts a CPU's next operation as its last one returns: one not done has a step pending
        const next = c.pending;
        if (next === null) throw new Error(`cpu${c.id} is not done but has no step pending`);
        if (!(next.blocked && mem.stillBlocked(c.id, next))) runnable.push(c.id);
      }
      if (live === 0 || violation) break;
      if (runnable.length === 0) {
        violation = monitor.deadlock(step);
        break;
      }
      if (explorer)
        pick = explorer.control.decide(runnable, current, step, () => explorer.fp.digest(cpus, current, monitor.watch));
      else pick = scheduler.pick(runnable, current, pointDecisions.length, step);
    }
    if (pick === null) {
      pruned = true;
      break;
    }
    const cpu = cpus[pick];
    // the scheduler picks only CPUs not done (forced: the current one, which has a private step pending)
    const { gen, pending: performed, current: h } = cpu;
    if (gen === null || performed === null || h === null)
      throw new Error(`cpu${pick} was scheduled with no operation in progress`);
    if (!forced) {
      pointDecisions.push(pick);
      pointOps.push(h.id);
    }
    if (!forced && current !== null && pick !== current && runnable.includes(current)) preemptions++;
    current = pick;
    decisions.push(pick);
    const blocksBefore = performed.kind === 'alloc_pages' ? kernel.pages.list().length : 0;
    fp?.beforeStep(performed);
    if (!cpu.started) h.call = 2 * step + 1;
    cpu.started = true;
    mem.currentCpu = pick;
    const r = resume(cpu, gen, h.op);
    if (r === null) break;
    fp?.afterStep(cpu, performed);
    priv.performed(pick, performed, blocksBefore);
    const checked = monitor.afterStep(cpu, performed, step);
    violation = checked.violation;
    if (opts.record) {
      const begins = pendingBegin.get(pick);
      pendingBegin.delete(pick);
      // the monitor's window watch covers world.windows, so every touched function has its range
      const windows = checked.touched.flatMap((fn) => {
        const range = world.windows.get(fn);
        return range ? [{ fn, bytes: hexOf(mem.peekBytes(range[0], range[1] - range[0])) }] : [];
      });
      const entry: TimelineEntry = {
        step,
        cpu: pick,
        text: describeStep(world, statics, pick, performed, blocksBefore),
        ...(begins ? { begins } : {}),
        ...(windows.length ? { windows } : {}),
      };
      timeline.push(entry);
    }
    if (r.done) {
      finish(cpu, h, r.value, 2 * step + 1);
      if (opts.record)
        timeline[timeline.length - 1] = {
          ...timeline[timeline.length - 1],
          ends: `${describeOperation(h.op)} → ${describeResult(h.result)}`,
        };
    } else {
      cpu.pending = r.value;
    }
    step++;
    if (r.done && !violation) advance(cpu);
  }

  let lin: LinResult | null = null;
  if (!violation && !pruned && opts.linearizability !== false) {
    const slotPolicy = world.declares.slotPolicy;
    const spec = opts.spec ?? new ModelSpec(modelInputOf(scenario, impl));
    lin = checkHistory(history, spec, slotPolicy, opts.linBudget);
    if (lin.verdict === 'violation') violation = linViolation(history, lin, step);
  }
  return {
    scenario,
    violation: seenOn(violation, impl.name),
    lin,
    history,
    decisions,
    pointDecisions,
    pointOps,
    preemptions,
    steps: step,
    timeline,
    pruned,
    bootWindows,
  };
}
