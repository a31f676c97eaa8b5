import { FunctionTable } from '../kernel/functions.ts';
import { hex } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { Addr, Op } from '../kernel/types.ts';

/** work_func_t: called with the work_struct's address */
export type WorkFunc = (work: Addr) => Op<void>;

/** struct work_struct: atomic_long_t data; struct list_head entry; work_func_t func (32 bytes) */
export const WORK_DATA = 0;
export const WORK_ENTRY = 8;
export const WORK_FUNC = 24;
/** WORK_STRUCT_PENDING: bit 0 of work->data */
const WORK_STRUCT_PENDING = 1;
/** where work functions "live" (never mapped; below the text, after the RCU/percpu callback ranges) */
const WORK_FUNC_TEXT = 0xffff_8080_0000;

/**
 * INIT_WORK and schedule_work on simulated memory, for kfunc_md_array's release work.
 *
 * Simplification, and why: the simulation has no kworkers, so schedule_work runs the work at
 * once on the calling CPU (process_one_work: clear PENDING, load work->func, call it). The order
 * that matters to kfunc_md, RCU callback -> work -> percpu_ref kills, is kept; only the delay a
 * kworker would add is not.
 */
export class Workqueue {
  private readonly fns = new FunctionTable<WorkFunc>(WORK_FUNC_TEXT);

  constructor(private readonly mem: Memory) {}

  /** INIT_WORK(work, fn): data = WORK_DATA_INIT (not pending), INIT_LIST_HEAD(&work->entry), func = fn */
  *initWork(work: Addr, fn: WorkFunc): Op<void> {
    const call = 'INIT_WORK';
    yield* this.mem.storeAs(call, work + WORK_DATA, 0);
    yield* this.mem.storeAs(call, work + WORK_ENTRY, work + WORK_ENTRY);
    yield* this.mem.storeAs(call, work + WORK_ENTRY + 8, work + WORK_ENTRY);
    yield* this.mem.storeAs(call, work + WORK_FUNC, this.fns.pointer(fn));
  }

  /** schedule_work(work): false if already pending; else the work runs (see the class comment) */
  *scheduleWork(work: Addr): Op<boolean> {
    const old = yield* this.mem.atomic64('schedule_work', work + WORK_DATA, WORK_STRUCT_PENDING, (v) =>
      v % 2 === 1 ? undefined : v + WORK_STRUCT_PENDING,
    );
    if (old % 2 === 1) return false;
    yield* this.mem.storeAs('process_one_work', work + WORK_DATA, 0);
    const ptr = yield* this.mem.loadAs('process_one_work', work + WORK_FUNC);
    const fn = this.fns.lookup(ptr);
    if (fn) yield* fn(work);
    else this.mem.report('bad-callback', work, `process_one_work: work_struct::func of ${hex(work)} is ${hex(ptr)}`);
    return true;
  }
}
