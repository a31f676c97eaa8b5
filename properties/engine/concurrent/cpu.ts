import type { Op, Step } from '../../../impl/kernel/types.ts';
import type { KfuncMdStore, TrampolineView } from '../../../impl/contract/index.ts';
import type { HistoryOp, OpResult } from './history.ts';
import { Holdings } from '../core/holdings.ts';
import type { ConcurrentOperation } from '../core/operations.ts';
import { readerMaySee, slotOf } from '../core/world.ts';
import type { World } from '../core/world.ts';

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
  /** what this CPU's caller holds: its references and the md of its latest get of each function */
  readonly holdings = new Holdings();

  constructor(
    readonly id: number,
    readonly program: readonly ConcurrentOperation[],
  ) {}

  get done(): boolean {
    return this.gen === null && this.pc >= this.program.length;
  }

  /** After an operation returned: what the caller now holds. */
  settle(op: ConcurrentOperation, value: OpValue, index: number | null, base: number): void {
    if (op.op === 'locked_get' && typeof value === 'number' && value !== 0 && index !== null) {
      this.holdings.gotMd(op.fn, { md: value, base, index });
    }
    if (op.op === 'put' || op.op === 'put_by_ip') this.holdings.droppedRef(op.fn);
  }
}

/** The generator for an operation, or null when the caller may not issue it now (put of nothing). */
export function opGenerator(
  store: KfuncMdStore,
  world: World,
  cpu: Cpu,
  op: ConcurrentOperation,
): { gen: Op<OpValue>; putIndex?: number; putBase?: number } | null {
  const ip = world.ip.get(op.fn);
  if (ip === undefined) return null;
  switch (op.op) {
    case 'locked_get':
      // a design whose get takes kfunc_md_mutex itself is called without it
      return { gen: world.declares.locking.get === 'takes' ? store.get(ip) : lockedGet(store, ip) };
    case 'put': {
      // the pointer as get returned it: a CPU does not rebase it across growth (D6)
      const held = cpu.holdings.latest(op.fn);
      if (!cpu.holdings.holds(op.fn) || !held) return null;
      const put = store.put(held.md);
      return {
        gen: world.declares.locking.put === 'caller-holds' ? underLock(store, put) : put,
        putIndex: held.index,
        putBase: held.base,
      };
    }
    case 'put_by_ip': {
      if (!cpu.holdings.holds(op.fn)) return null;
      const put = store.putByIp(ip);
      return { gen: world.declares.locking.put_by_ip === 'caller-holds' ? underLock(store, put) : put };
    }
    case 'tramp':
      return { gen: store.trampoline(ip, { rcu: op.rcu }) };
  }
}

/** kfunc_md_lock(); call; kfunc_md_unlock(); for a verb whose design needs the mutex held (may25's put) */
function* underLock<T>(store: KfuncMdStore, call: Op<T>): Op<T> {
  yield* store.lock();
  const value = yield* call;
  yield* store.unlock();
  return value;
}

function* lockedGet(store: KfuncMdStore, ip: number): Op<number> {
  yield* store.lock();
  const md = yield* store.get(ip);
  yield* store.unlock();
  return md;
}

/** The response as the model can judge it. */
export function resultOf(world: World, op: ConcurrentOperation, value: OpValue, warned: boolean): OpResult {
  const index = (md: number): number | null | 'bogus' => (md === 0 ? null : (slotOf(world, md)?.index ?? 'bogus'));
  switch (op.op) {
    case 'locked_get':
      return { kind: 'get', index: index(typeof value === 'number' ? value : 0) };
    case 'put':
    case 'put_by_ip':
      return { kind: 'put', warned };
    case 'tramp': {
      const view = value as TrampolineView;
      return {
        kind: 'find',
        index: index(view.md),
        consistent: view.md === 0 || readerMaySee(world, op.fn, view),
      };
    }
  }
}
