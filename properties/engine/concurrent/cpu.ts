import type { Op, Step } from '../../../impl/kernel/types.ts';
import type { KfuncMdStore, TrampolineView } from '../../../impl/contract/index.ts';
import type { HistoryOp, OpResult } from './history.ts';
import type { ConcOp } from './scenario.ts';
import { slotOf } from './world.ts';
import type { ConcWorld } from './world.ts';

export type OpValue = number | TrampolineView | void;

/**
 * One simulated CPU: its program, the operation in flight (a suspended generator and the Step
 * it will perform when resumed), and what its caller holds: md pointers from get, per function.
 */
export class Cpu {
  pc = 0;
  gen: Op<OpValue> | null = null;
  pending: Step | null = null;
  current: HistoryOp | null = null;
  /** the current operation has performed at least one step */
  started = false;
  readonly refs = new Map<string, number>();
  readonly latest = new Map<string, { readonly md: number; readonly index: number }>();

  constructor(
    readonly id: number,
    readonly program: readonly ConcOp[],
  ) {}

  get done(): boolean {
    return this.gen === null && this.pc >= this.program.length;
  }

  holds(fn: string): boolean {
    return (this.refs.get(fn) ?? 0) > 0;
  }

  /** After an operation returned: what the caller now holds. */
  settle(op: ConcOp, value: OpValue, index: number | null): void {
    if (op.op === 'get' && typeof value === 'number' && value !== 0 && index !== null) {
      this.refs.set(op.fn, (this.refs.get(op.fn) ?? 0) + 1);
      this.latest.set(op.fn, { md: value, index });
    }
    if ((op.op === 'put' || op.op === 'put_by_ip') && this.holds(op.fn))
      this.refs.set(op.fn, this.refs.get(op.fn)! - 1);
  }
}

/** The generator for an operation, or null when the caller may not issue it now (put of nothing). */
export function opGenerator(
  store: KfuncMdStore,
  world: ConcWorld,
  cpu: Cpu,
  op: ConcOp,
): { gen: Op<OpValue>; putIndex?: number } | null {
  const ip = world.ip.get(op.fn);
  if (ip === undefined) return null;
  switch (op.op) {
    case 'get':
      return { gen: lockedGet(store, ip) };
    case 'put': {
      const held = cpu.latest.get(op.fn);
      if (!cpu.holds(op.fn) || !held) return null;
      return { gen: store.put(held.md), putIndex: held.index };
    }
    case 'put_by_ip':
      return cpu.holds(op.fn) ? { gen: store.putByIp(ip) } : null;
    case 'tramp':
      return { gen: store.trampoline(ip, { rcu: op.rcu }) };
  }
}

function* lockedGet(store: KfuncMdStore, ip: number): Op<number> {
  yield* store.lock();
  const md = yield* store.get(ip);
  yield* store.unlock();
  return md;
}

/** The response as the model can judge it. */
export function resultOf(world: ConcWorld, op: ConcOp, value: OpValue, warned: boolean): OpResult {
  const index = (md: number): number | null | 'bogus' =>
    md === 0 ? null : (slotOf(world.kernel, md)?.index ?? 'bogus');
  switch (op.op) {
    case 'get':
      return { kind: 'get', index: index(typeof value === 'number' ? value : 0) };
    case 'put':
    case 'put_by_ip':
      return { kind: 'put', warned };
    case 'tramp': {
      const view = value as TrampolineView;
      return {
        kind: 'find',
        index: index(view.md),
        consistent: view.md === 0 || (view.func === world.ip.get(op.fn) && view.users >= 1),
      };
    }
  }
}
