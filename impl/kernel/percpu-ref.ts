import { FunctionTable, PERCPU_RELEASE_TEXT } from './functions.ts';
import { hex } from './le.ts';
import type { Memory } from './memory.ts';
import { NR_CPUS } from './slab.ts';
import type { Slab } from './slab.ts';
import { ENOMEM } from './types.ts';
import type { Addr, Op } from './types.ts';

/** sizeof(struct percpu_ref): percpu_count_ptr, then data */
export const PERCPU_REF_SIZE = 16;
/** offsetof(struct percpu_ref, percpu_count_ptr): the per-CPU counters' address, low bits the mode */
export const PERCPU_REF_COUNT_PTR = 0;
/** offsetof(struct percpu_ref, data) */
export const PERCPU_REF_DATA = 8;
/** __PERCPU_REF_ATOMIC: counting in data->count, not per CPU */
export const __PERCPU_REF_ATOMIC = 1;
/** __PERCPU_REF_DEAD: killed */
export const __PERCPU_REF_DEAD = 2;
/** __PERCPU_REF_ATOMIC_DEAD */
export const __PERCPU_REF_ATOMIC_DEAD = __PERCPU_REF_ATOMIC | __PERCPU_REF_DEAD;
/** sizeof(struct percpu_ref_data) in the simulation: count, force_atomic, release, ref */
export const PERCPU_REF_DATA_SIZE = 24;
/** offsetof(struct percpu_ref_data, count): the atomic count (32 bits here, atomic_long_t in the kernel) */
export const PERCPU_DATA_COUNT = 0;
/** offsetof(struct percpu_ref_data, force_atomic) */
export const PERCPU_DATA_FORCE_ATOMIC = 4;
/** offsetof(struct percpu_ref_data, release) */
export const PERCPU_DATA_RELEASE = 8;
/** offsetof(struct percpu_ref_data, ref) */
export const PERCPU_DATA_REF = 16;
/** PERCPU_COUNT_BIAS: added to the atomic count while counting per CPU, so it cannot reach zero (1 << 63 in the kernel) */
export const PERCPU_COUNT_BIAS = 2 ** 30;
/** PERCPU_REF_INIT_ATOMIC: start (and stay, until killed) in atomic mode */
export const PERCPU_REF_INIT_ATOMIC = 1;

/** percpu_ref_func_t: the release callback, called with the ref's address when the count drops to zero. */
export type PercpuRefRelease = (ref: Addr) => Op<void>;

/** A percpu_ref as the harness sees it (peeks: no step). */
export interface PercpuRefView {
  /** per-CPU counters, or 0 once percpu_ref_exit freed them */
  readonly percpu: Addr;
  readonly mode: 'percpu' | 'atomic';
  readonly dead: boolean;
  /** struct percpu_ref_data, or 0 after percpu_ref_exit */
  readonly data: Addr;
  /** data->count as stored (it carries PERCPU_COUNT_BIAS in percpu mode) */
  readonly atomic: number;
  /** each CPU's counter */
  readonly perCpu: readonly number[];
  /** what the count is: atomic plus the per-CPU counters, minus the bias in percpu mode */
  readonly count: number;
}

/**
 * percpu_ref (lib/percpu-refcount.c, include/linux/percpu-refcount.h), in simulated memory.
 *
 * `struct percpu_ref` lives where the caller embeds it (16 bytes at `ref`): percpu_count_ptr
 * (the per-CPU counters' address, with __PERCPU_REF_ATOMIC and __PERCPU_REF_DEAD in its low
 * bits) and data (a kzalloc'ed struct percpu_ref_data: the atomic count, force_atomic, the
 * release callback's pointer, the ref). percpu_ref_init starts with one reference. In percpu
 * mode percpu_ref_get/put load percpu_count_ptr (one step) and add to this CPU's counter (one
 * atomic step, this_cpu_add); the atomic count holds 1 + PERCPU_COUNT_BIAS so nothing can take
 * it to zero. percpu_ref_kill marks the ref DEAD, switches it to atomic mode (its own store),
 * folds the per-CPU counters into the atomic count (a load each, then one atomic add of the sum
 * minus the bias), and drops the initial reference; from then on get/put/tryget work on the atomic
 * count, and the put that takes it to zero calls the release callback, on the CPU that made it.
 * tryget_live fails once the ref is DEAD.
 *
 * Simplification, and why: in the kernel the fold runs in a call_rcu_hurry() callback, after a
 * grace period that lets every get/put which read "percpu" finish its per-CPU add first. That
 * grace period is also an RCU grace period for every caller's reader, which the API disclaims:
 * "there are no implied RCU grace periods between kill and release". kfmd does not grant it:
 * kill waits (blocked steps) only for the gets and puts in flight on this ref, those that read
 * percpu mode and have not yet added, and folds at once. So no increment is ever lost, and release
 * can follow kill without any grace period, as the contract allows (and an atomic-mode ref,
 * PERCPU_REF_INIT_ATOMIC, has none in the kernel either). Also: percpu_ref_switch_lock is not
 * modelled (concurrent kills are misuse anyway), the counters are 32 bits (the bias 2^30), and
 * percpu_ref_exit does not keep the count in percpu_count_ptr.
 */
export class PercpuRefs {
  private readonly fns = new FunctionTable<PercpuRefRelease>(PERCPU_RELEASE_TEXT);
  /** get/put/tryget that read percpu mode and have not added to their CPU's counter yet */
  private readonly inflight = new Set<{ readonly ref: Addr; readonly cpu: number }>();
  /** refs whose data->count still carries PERCPU_COUNT_BIAS (percpu mode, not folded yet) */
  private readonly biased = new Set<Addr>();

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    private readonly warn: (site: string, message: string) => void,
  ) {}

  /** The address percpu_ref_init stores in data->release for `fn`. */
  pointerOf(fn: PercpuRefRelease): Addr {
    return this.fns.pointer(fn);
  }

  /**
   * percpu_ref_init(ref, release, flags, gfp): 0, or -ENOMEM when the per-CPU counters or
   * the data cannot be allocated. `flags`: 0 or PERCPU_REF_INIT_ATOMIC.
   */
  *init(ref: Addr, release: PercpuRefRelease, flags = 0): Op<number> {
    const call = 'percpu_ref_init';
    const percpu = yield* this.slab.allocPercpu(4);
    yield* this.mem.storeAs(call, countPtr(ref), percpu);
    if (percpu === 0) return -ENOMEM;
    const data = yield* this.slab.kzalloc(PERCPU_REF_DATA_SIZE);
    if (data === 0) {
      yield* this.slab.freePercpu(percpu);
      yield* this.mem.storeAs(call, countPtr(ref), 0);
      return -ENOMEM;
    }
    const atomic = (flags & PERCPU_REF_INIT_ATOMIC) !== 0;
    if (atomic) {
      yield* this.mem.storeAs(call, countPtr(ref), withFlags(percpu, __PERCPU_REF_ATOMIC));
      yield* this.mem.storeAs(call, data + PERCPU_DATA_FORCE_ATOMIC, 1, 4);
    }
    yield* this.mem.storeAs(call, dataCount(data), atomic ? 1 : 1 + PERCPU_COUNT_BIAS, 4);
    if (atomic) this.biased.delete(ref);
    else this.biased.add(ref);
    yield* this.mem.storeAs(call, data + PERCPU_DATA_RELEASE, this.fns.pointer(release));
    yield* this.mem.storeAs(call, data + PERCPU_DATA_REF, ref);
    yield* this.mem.storeAs(call, ref + PERCPU_REF_DATA, data);
    return 0;
  }

  /** percpu_ref_get(ref): only for a caller that holds a reference (or knows the ref is alive). */
  get(ref: Addr): Op<void> {
    return this.add('percpu_ref_get', ref, 1);
  }

  /** percpu_ref_get_many(ref, nr) */
  getMany(ref: Addr, nr: number): Op<void> {
    return this.add('percpu_ref_get_many', ref, nr);
  }

  /** percpu_ref_put(ref): the put that takes the count to zero calls the release callback. */
  put(ref: Addr): Op<void> {
    return this.add('percpu_ref_put', ref, -1);
  }

  /** percpu_ref_put_many(ref, nr) */
  putMany(ref: Addr, nr: number): Op<void> {
    return this.add('percpu_ref_put_many', ref, -nr);
  }

  /** percpu_ref_tryget_live(ref): false once the ref is DEAD (killed), or when its count is zero. */
  tryGetLive(ref: Addr): Op<boolean> {
    return this.tryGet('percpu_ref_tryget_live', ref, true);
  }

  /** percpu_ref_tryget(ref): false only when the count is zero (a killed ref still has one until released). */
  tryGetAny(ref: Addr): Op<boolean> {
    return this.tryGet('percpu_ref_tryget', ref, false);
  }

  /** percpu_ref_is_dying(ref): killed (or exited). */
  *isDying(ref: Addr): Op<boolean> {
    const p = yield* this.mem.loadAs('percpu_ref_is_dying', countPtr(ref));
    return (p & __PERCPU_REF_DEAD) !== 0;
  }

  /**
   * percpu_ref_kill(ref) = percpu_ref_kill_and_confirm(ref, NULL): must be called exactly once
   * (a second call WARNs and drops another reference, as the kernel does). See the class comment
   * for the switch to atomic mode.
   */
  *kill(ref: Addr): Op<void> {
    const call = 'percpu_ref_kill';
    const cpu = this.mem.currentCpu;
    const p = yield* this.mem.loadAs(call, countPtr(ref));
    if ((p & __PERCPU_REF_DEAD) !== 0)
      this.warn('percpu_ref_kill_and_confirm', `percpu_ref_kill_and_confirm called more than once on ${hex(ref)}!`);
    yield* this.mem.storeAs(call, countPtr(ref), withFlags(p, __PERCPU_REF_DEAD));
    if ((p & __PERCPU_REF_ATOMIC) === 0) {
      // __percpu_ref_switch_to_atomic, then what percpu_ref_switch_to_atomic_rcu does
      yield* this.mem.storeAs(call, countPtr(ref), withFlags(p, __PERCPU_REF_ATOMIC_DEAD));
      const pending = [...this.inflight].filter((o) => o.ref === ref);
      const waiting = (): number[] => pending.filter((o) => this.inflight.has(o)).map((o) => o.cpu);
      yield* this.mem.blockWhile(
        () => waiting().length > 0,
        () => ({
          kind: 'sync_rcu',
          call,
          note: `cpu${cpu} waits in percpu_ref_kill for the per-CPU add of ${waiting()
            .map((c) => `cpu${c}`)
            .join(', ')}`,
        }),
      );
      const percpu = withoutFlags(p);
      let sum = 0;
      for (let c = 0; c < NR_CPUS; c++)
        sum += (yield* this.mem.loadAs('percpu_ref_switch_to_atomic_rcu', percpu + 4 * c, 4)) | 0;
      const data = yield* this.mem.loadAs(call, ref + PERCPU_REF_DATA);
      const delta = sum - PERCPU_COUNT_BIAS;
      const count = (yield* this.mem.atomicAdd('atomic_long_add', dataCount(data), delta)) + delta;
      this.biased.delete(ref);
      if (count <= 0)
        this.warn(
          'percpu_ref_switch_to_atomic_rcu',
          `percpu ref (${hex(ref)}) <= 0 (${count}) after switching to atomic`,
        );
    }
    yield* this.put(ref);
  }

  /**
   * percpu_ref_exit(ref): frees the per-CPU counters and the data; the ref reads
   * __PERCPU_REF_ATOMIC_DEAD with data NULL afterwards, so a later get or put dereferences NULL
   * (a write-unmapped violation).
   */
  *exit(ref: Addr): Op<void> {
    const call = 'percpu_ref_exit';
    const p = yield* this.mem.loadAs(call, countPtr(ref));
    const percpu = withoutFlags(p);
    if (percpu !== 0) {
      yield* this.slab.freePercpu(percpu);
      yield* this.mem.storeAs(call, countPtr(ref), __PERCPU_REF_ATOMIC_DEAD);
    }
    const data = yield* this.mem.loadAs(call, ref + PERCPU_REF_DATA);
    if (data === 0) return;
    yield* this.mem.storeAs(call, ref + PERCPU_REF_DATA, 0);
    yield* this.slab.kfree(data);
  }

  /** The ref's state, read with peeks (no step, no use-after-free report); for tests and the harness. */
  peek(ref: Addr): PercpuRefView {
    const m = this.mem;
    const p = m.peek64(countPtr(ref));
    const percpu = withoutFlags(p);
    const data = m.peek64(ref + PERCPU_REF_DATA);
    const mode = (p & __PERCPU_REF_ATOMIC) !== 0 ? 'atomic' : 'percpu';
    // data and the per-CPU counters are 0 after percpu_ref_exit; freed memory stays mapped (poisoned)
    const atomic = data !== 0 ? m.peek32(dataCount(data)) | 0 : 0;
    const perCpu = percpu !== 0 ? Array.from({ length: NR_CPUS }, (_, c) => m.peek32(percpu + 4 * c) | 0) : [];
    const count = this.biased.has(ref) ? atomic - PERCPU_COUNT_BIAS + perCpu.reduce((a, b) => a + b, 0) : atomic;
    return { percpu, mode, dead: (p & __PERCPU_REF_DEAD) !== 0, data, atomic, perCpu, count };
  }

  // ---- internals -------------------------------------------------------------------------------

  /** get (nr > 0) or put (nr < 0): this_cpu_add in percpu mode; in atomic mode an atomic add, and a put to zero releases. */
  private *add(call: string, ref: Addr, nr: number): Op<void> {
    const p = yield* this.mem.loadAs(call, countPtr(ref));
    if ((p & __PERCPU_REF_ATOMIC_DEAD) === 0) {
      yield* this.perCpuAdd(ref, p, nr);
      return;
    }
    const data = yield* this.mem.loadAs(call, ref + PERCPU_REF_DATA);
    const put = nr < 0;
    const old = yield* this.mem.atomic32(
      put ? 'atomic_long_sub_and_test' : 'atomic_long_add',
      dataCount(data),
      nr,
      (v) => v + nr,
    );
    if (put && old + nr === 0) yield* this.release(call, ref, data);
  }

  private *tryGet(call: string, ref: Addr, live: boolean): Op<boolean> {
    const p = yield* this.mem.loadAs(call, countPtr(ref));
    if ((p & __PERCPU_REF_ATOMIC_DEAD) === 0) {
      yield* this.perCpuAdd(ref, p, 1);
      return true;
    }
    if (live && (p & __PERCPU_REF_DEAD) !== 0) return false;
    const data = yield* this.mem.loadAs(call, ref + PERCPU_REF_DATA);
    const old = yield* this.mem.atomic32('atomic_long_inc_not_zero', dataCount(data), 1, (v) =>
      v === 0 ? undefined : v + 1,
    );
    return old !== 0;
  }

  /** this_cpu_add(*percpu_count, nr), after a load of percpu_count_ptr that read percpu mode. */
  private *perCpuAdd(ref: Addr, p: number, nr: number): Op<void> {
    const cpu = this.mem.currentCpu;
    if (cpu >= NR_CPUS) throw new RangeError(`cpu${cpu} has no per-CPU counter (NR_CPUS = ${NR_CPUS})`);
    const op = { ref, cpu };
    this.inflight.add(op);
    yield* this.mem.atomicAdd('this_cpu_add', p + 4 * cpu, nr);
    this.inflight.delete(op);
  }

  /** ref->data->release(ref) */
  private *release(call: string, ref: Addr, data: Addr): Op<void> {
    const ptr = yield* this.mem.loadAs(call, data + PERCPU_DATA_RELEASE);
    const fn = this.fns.lookup(ptr);
    if (fn) yield* fn(ref);
    else
      this.mem.report(
        'bad-callback',
        data,
        `${call}: percpu_ref_data::release of ${hex(ref)} is ${hex(ptr)}, no function`,
      );
  }
}

/** &ref->percpu_count_ptr */
function countPtr(ref: Addr): Addr {
  // Stryker disable next-line ArithmeticOperator: percpu_count_ptr is at offset 0, so ref - 0 is an equivalent mutant
  return ref + PERCPU_REF_COUNT_PTR;
}

/** &data->count */
function dataCount(data: Addr): Addr {
  // Stryker disable next-line ArithmeticOperator: count is at offset 0, so data - 0 is an equivalent mutant
  return data + PERCPU_DATA_COUNT;
}

/** percpu_count_ptr | flags (the pointer is beyond 32 bits: no bitwise OR) */
function withFlags(p: number, flags: number): number {
  return withoutFlags(p) + ((p % 4) | flags);
}

/** percpu_count_ptr & ~__PERCPU_REF_ATOMIC_DEAD */
function withoutFlags(p: number): number {
  return p - (p % 4);
}
