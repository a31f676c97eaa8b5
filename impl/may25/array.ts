import type { Kernel } from '../kernel/kernel.ts';
import { toI32, u64le } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { PercpuRefRelease } from '../kernel/percpu-ref.ts';
import type { RcuCallback } from '../kernel/rcu-flavours.ts';
import { GFP_KERNEL, __GFP_ZERO } from '../kernel/gfp.ts';
import type { Addr, Op } from '../kernel/types.ts';
import {
  ARRAY_COUNT,
  ARRAY_FLAGS,
  ARRAY_MDS,
  ARRAY_RCU,
  ARRAY_SIZE,
  ARRAY_USED,
  ARRAY_WORK,
  KFUNC_MD_ARRAY_FL_DEAD,
  KFUNC_MD_FL_DEAD,
  may25EntriesPerPage,
} from './layout.ts';
import type { MdFields } from './md.ts';
import { Workqueue } from './workqueue.ts';
import type { WorkFunc } from './workqueue.ts';

/** A slot kfunc_md_fast_next handed out. */
export interface May25Slot {
  readonly md: Addr;
  readonly index: number;
}

/**
 * The metadata arrays of the May series (01/25): `kfunc_mds` points to a struct kfunc_md_array
 * (initially the static, empty `empty_array`), whose mds are kvmalloc'ed and zeroed. Growth
 * publishes a doubled copy, marks the old array DEAD and releases it in steps:
 * call_rcu_tasks -> kfunc_md_array_release -> work -> kill every md with users -> each md's
 * release decrements the old array's used -> at zero call_rcu_tasks again -> the work frees it.
 *
 * Hazards kept as posted (spec §8.1): (iii) a put md whose array turns DEAD before its release
 * ran is decremented twice; (iv) DEAD slots are copied with users == 0, so no ref is set up for
 * them in the new array and nothing ever clears their DEAD flag; (vi) kfunc_md_release writes
 * md->flags without kfunc_md_mutex.
 */
export class May25Arrays {
  /** &empty_array: static struct kfunc_md_array, mds NULL, count 0 */
  readonly emptyArray: Addr;
  /** &kfunc_mds: struct kfunc_md_array __rcu * */
  readonly kfuncMds: Addr;
  /** ENTRIES_PER_PAGE */
  readonly perPage: number;
  /** every array ever published, oldest first: bookkeeping for inspect() only, never read by the simulated code */
  readonly published: Addr[] = [];
  /** kfunc_md_release, the percpu_ref release callback of padding-mode mds */
  readonly release: PercpuRefRelease;
  private readonly arrayRelease: RcuCallback;
  private readonly releaseDeferred: WorkFunc;
  private readonly wq: Workqueue;
  private readonly mem: Memory;

  constructor(
    private readonly kernel: Kernel,
    private readonly f: MdFields,
  ) {
    this.mem = kernel.mem;
    this.perPage = may25EntriesPerPage(kernel.pageSize, f.l);
    this.emptyArray = kernel.defineStatic('empty_array', new Array<number>(ARRAY_SIZE).fill(0));
    this.kfuncMds = kernel.defineStatic('kfunc_mds', u64le(this.emptyArray));
    this.wq = new Workqueue(this.mem);
    this.release = (ref) => this.kfuncMdRelease(ref);
    this.arrayRelease = (head) => this.kfuncMdArrayRelease(head);
    this.releaseDeferred = (work) => this.kfuncMdArrayReleaseDeferred(work);
  }

  /** kfunc_mds, a plain load (the code never uses rcu_dereference on it) */
  *current(): Op<Addr> {
    return yield* this.mem.load64(this.kfuncMds);
  }

  /**
   * kfunc_md_fast_next(&index), kfunc_md_mutex held: the lowest slot with users == 0 and not
   * DEAD, scanned only while atomic_read(used) < count (int against u32: a negative used reads
   * as huge); else a bigger array, published, the old one DEAD and call_rcu_tasks'd, and retry.
   */
  *fastNext(): Op<May25Slot | null> {
    const mem = this.mem;
    let arr = yield* this.current();
    for (;;) {
      const used = yield* mem.loadAs('atomic_read', arr + ARRAY_USED, 4);
      const count = yield* mem.load32(arr + ARRAY_COUNT);
      if (used < count) {
        const mds = yield* mem.load64(arr + ARRAY_MDS);
        for (let i = 0; i < count; i++) {
          const md = mds + i * this.f.l.size;
          if ((yield* this.f.users(md)) !== 0) continue;
          if (((yield* this.f.flags(md)) & KFUNC_MD_FL_DEAD) !== 0) continue;
          yield* mem.atomicAdd('atomic_inc', arr + ARRAY_USED, 1);
          return { md, index: i };
        }
      }
      const fresh = yield* this.arrayAlloc(arr);
      if (!fresh) return null;
      yield* mem.storeAs('rcu_assign_pointer', this.kfuncMds, fresh);
      this.published.push(fresh);
      yield* mem.setBit(arr + ARRAY_FLAGS, KFUNC_MD_ARRAY_FL_DEAD);
      yield* this.kernel.rcu.call('rcu_tasks', arr + ARRAY_RCU, this.arrayRelease);
      arr = fresh;
    }
  }

  /**
   * kfunc_md_array_alloc(old): a zeroed array object, count = 2 * old count or ENTRIES_PER_PAGE,
   * kvmalloc_array'ed zeroed mds, the old entries memcpy'd and used copied; every copied entry
   * with users gets a fresh percpu_ref and md->array = new. A DEAD one (users 0) gets neither.
   */
  *arrayAlloc(old: Addr): Op<Addr> {
    const { mem, f } = this;
    const slab = this.kernel.slab;
    const size = f.l.size;
    const fresh = yield* slab.kmalloc(ARRAY_SIZE, __GFP_ZERO | GFP_KERNEL);
    if (!fresh) return 0;
    const len = yield* mem.load32(old + ARRAY_COUNT);
    const count = len * 2 || this.perPage;
    yield* mem.store32(fresh + ARRAY_COUNT, count);
    const mds = yield* slab.kvmallocArray(count, size, __GFP_ZERO | GFP_KERNEL);
    yield* mem.store64(fresh + ARRAY_MDS, mds);
    if (!mds) {
      yield* slab.kfree(fresh);
      return 0;
    }
    if (len) {
      const src = yield* mem.load64(old + ARRAY_MDS);
      // memcpy in 4-byte words: exact for any bit pattern; the array is not published yet
      for (let off = 0; off < size * len; off += 4) yield* mem.store32(mds + off, yield* mem.load32(src + off));
      yield* mem.store32(fresh + ARRAY_USED, yield* mem.load32(old + ARRAY_USED));
    }
    for (let i = 0; i < count; i++) {
      const md = mds + i * size;
      if ((yield* f.users(md)) === 0) continue;
      if ((yield* this.kernel.percpuRef.init(f.pcref(md), this.release, 0)) !== 0) {
        // pcref_fail: exit the refs set up so far, free both
        for (let j = 0; j < i; j++) {
          const done = mds + j * size;
          if ((yield* f.users(done)) !== 0) yield* this.kernel.percpuRef.exit(f.pcref(done));
        }
        yield* slab.kvfree(mds);
        yield* slab.kfree(fresh);
        return 0;
      }
      yield* mem.store64(md + f.arrayOff, fresh);
    }
    return fresh;
  }

  /**
   * kfunc_md_release(pcref), the percpu_ref release: if md->array is DEAD, atomic_dec_and_test
   * its used and at zero call_rcu_tasks(kfunc_md_array_release) and return; otherwise
   * percpu_ref_exit and md->flags = 0 so the slot can be reused. Runs on whichever CPU dropped the
   * last ref (a trampoline's kfunc_md_exit, say): it takes no lock, so (vi) the flags store races
   * kfunc_md_mutex holders.
   */
  private *kfuncMdRelease(ref: Addr): Op<void> {
    const mem = this.mem;
    const md = this.f.ofPcref(ref);
    const arr = yield* mem.load64(md + this.f.arrayOff);
    if (yield* mem.testBit(arr + ARRAY_FLAGS, KFUNC_MD_ARRAY_FL_DEAD)) {
      // (iii): a put md already did its atomic_dec; if its array turned DEAD since, this is a second one
      const old = yield* mem.atomicAdd('atomic_dec_and_test', arr + ARRAY_USED, -1);
      if (old - 1 === 0) {
        yield* this.kernel.rcu.call('rcu_tasks', arr + ARRAY_RCU, this.arrayRelease);
        return;
      }
    }
    yield* this.kernel.percpuRef.exit(ref);
    yield* this.f.storeFlags(md, 0);
  }

  /** kfunc_md_array_release(rcu), the RCU Tasks callback: nothing for empty_array; else INIT_WORK + schedule_work */
  private *kfuncMdArrayRelease(head: Addr): Op<void> {
    const arr = head - ARRAY_RCU;
    if (arr === this.emptyArray) return;
    yield* this.wq.initWork(arr + ARRAY_WORK, this.releaseDeferred);
    yield* this.wq.scheduleWork(arr + ARRAY_WORK);
  }

  /**
   * kfunc_md_array_release_deferred(work): if used is 0, percpu_ref_exit every md with users,
   * kvfree the mds and kfree_rcu the array; else percpu_ref_kill every md with users.
   */
  private *kfuncMdArrayReleaseDeferred(work: Addr): Op<void> {
    const { mem, f } = this;
    const pcpu = this.kernel.percpuRef;
    const arr = work - ARRAY_WORK;
    const used = toI32(yield* mem.loadAs('atomic_read', arr + ARRAY_USED, 4));
    const count = yield* mem.load32(arr + ARRAY_COUNT);
    const mds = yield* mem.load64(arr + ARRAY_MDS);
    if (used === 0) {
      for (let i = 0; i < count; i++) {
        const md = mds + i * f.l.size;
        if ((yield* f.users(md)) !== 0) yield* pcpu.exit(f.pcref(md));
      }
      yield* this.kernel.slab.kvfree(mds);
      yield* this.kernel.slab.kfreeRcu(arr, ARRAY_RCU);
      return;
    }
    for (let i = 0; i < count; i++) {
      const md = mds + i * f.l.size;
      if ((yield* f.users(md)) !== 0) yield* pcpu.kill(f.pcref(md));
    }
  }
}
