import { CONTRACT_VERSION } from '../contract/index.ts';
import type { Implementation, KfuncMdStore, StoreEntry, StoreView, TrampolineView } from '../contract/index.ts';
import { usersOf, withUsers } from '../jul25/users.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { hex } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import { RHASHTABLE_SIZE, Rhashtable } from '../kernel/rhashtable.ts';
import { runSequential } from '../kernel/run.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { KFUNC_MD_MUTEX } from '../v4/layout.ts';
import { RHT_LAYOUT, rhtParamsFor, RHT_MD_FUNC, RHT_MD_NR_ARGS, RHT_MD_PCREF, RHT_MD_RCU } from './layout.ts';
import { RHT_MD_SIZE, RHT_MD_USERS } from './layout.ts';
import { rhtRelease } from './release.ts';
import type { RhtRelease } from './release.ts';

/**
 * kernel/bpf/kfunc_md.c of the rhashtable variant ([RHT], spec §8.3), kept as posted: the mds
 * live in `struct rhashtable kfunc_md_rht` keyed by func, with automatic_shrinking; the table
 * resizes itself in its deferred worker without moving an md. kfunc_md_create and kfunc_md_put
 * take kfunc_md_mutex themselves.
 *
 * The worker (rht_deferred_worker) runs on a kworker in the kernel; here it runs when someone
 * calls `rht.runDeferredWork()` (a harness's kworker CPU, a test), as RCU callbacks run when
 * someone invokes them.
 */
export class RhtStore implements KfuncMdStore {
  readonly name = 'rht';
  /** kfunc_md_rht */
  readonly rht: Rhashtable;
  private readonly mem: Memory;
  private readonly release: RhtRelease;

  constructor(private readonly kernel: Kernel) {
    this.mem = kernel.mem;
    this.release = rhtRelease(kernel);
    // Stryker disable next-line ArrayDeclaration: RHASHTABLE_SIZE is 16, a static's minimum, and the data area starts zeroed: the same 16 zero bytes
    const ht = kernel.defineStatic('kfunc_md_rht', new Array<number>(RHASHTABLE_SIZE).fill(0));
    this.rht = new Rhashtable(kernel, ht, rhtParamsFor(kernel.pageSize));
    // late_initcall(init_kfunc_md): rhashtable_init at boot, before anyone can call in
    const boot = runSequential(kernel, this.rht.init());
    if (!boot.ok || boot.value !== 0) throw new Error('init_kfunc_md: rhashtable_init failed at boot');
  }

  /** mutex_lock(&kfunc_md_mutex) (the variant exports no kfunc_md_lock: the contract's verb) */
  *lock(): Op<void> {
    yield* this.mem.mutexLock(KFUNC_MD_MUTEX);
  }

  /** mutex_unlock(&kfunc_md_mutex) */
  *unlock(): Op<void> {
    yield* this.mem.mutexUnlock(KFUNC_MD_MUTEX);
  }

  /**
   * kfunc_md_create(ip, 0) = __kfunc_md_create under kfunc_md_mutex: kfunc_md_get(ip) → users++;
   * else kzalloc, users = 1, func, nr_args, percpu_ref_init (failure: kfree, NULL),
   * rhashtable_insert_fast (failure: percpu_ref_exit, kfree, NULL).
   */
  *get(ip: Addr): Op<Addr> {
    yield* this.lock();
    const md = yield* this.create(ip, 0);
    yield* this.unlock();
    return md;
  }

  /**
   * kfunc_md_put(md): NULL is a no-op; WARN_ON_ONCE(md->users <= 0) before locking (a u16: 0);
   * under the mutex users--, and the last put does rhashtable_remove_fast and
   * call_rcu(&md->rcu, kfunc_md_release_rcu) (release.ts).
   */
  *put(md: Addr): Op<void> {
    if (!md) return;
    const seen = usersOf(yield* this.mem.load32(md + RHT_MD_USERS));
    if (seen <= 0) {
      this.kernel.warn('put-users', `kfunc_md_put(${hex(md)}): users ${seen} <= 0`);
      return;
    }
    yield* this.lock();
    const word = yield* this.mem.load32(md + RHT_MD_USERS);
    const users = usersOf(withUsers(word, usersOf(word) - 1));
    yield* this.mem.store32(md + RHT_MD_USERS, withUsers(word, users));
    if (users === 0) {
      yield* this.rht.removeFast(md);
      yield* this.kernel.rcu.callRcu(md + RHT_MD_RCU, this.release.rcu);
    }
    yield* this.unlock();
  }

  /**
   * kfunc_md_put(kfunc_md_get(ip)): the variant's header has no kfunc_md_put_ip; this is the
   * July one's, unchanged (the lookup holds no lock and no reference).
   */
  *putByIp(ip: Addr): Op<void> {
    yield* this.put(yield* this.find(ip));
  }

  /** kfunc_md_get(ip): rcu_read_lock, rhashtable_lookup, rcu_read_unlock; no reference taken. */
  find(ip: Addr): Op<Addr> {
    return this.rht.lookupFast(ip);
  }

  /**
   * The global trampoline's lookup: __kfunc_md_get(ip) = rhashtable_lookup, then md->users and
   * md->func. rcu: inside rcu_read_lock(), which rhashtable_lookup requires (the design offers
   * no other reader: `readers.norcu` is false). Run without it anyway, it is the bare lookup. The
   * trampoline body is an RCU Tasks read side either way (see the jul25 store), marked here too,
   * though this design's release waits for no RCU Tasks grace period.
   */
  *trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView> {
    const rcu = this.kernel.rcu;
    yield* rcu.rcuTasksReadLock();
    if (opts.rcu) yield* this.mem.rcuReadLock();
    const md = yield* this.rht.lookup(ip);
    let view: TrampolineView = { md: 0, users: 0, func: 0 };
    if (md) {
      const users = usersOf(yield* this.mem.load32(md + RHT_MD_USERS));
      view = { md, users, func: yield* this.mem.load64(md + RHT_MD_FUNC) };
    }
    if (opts.rcu) yield* this.mem.rcuReadUnlock();
    yield* rcu.rcuTasksReadUnlock();
    return view;
  }

  /**
   * ht->tbl as the array (its address, its size), nelems as used, and every md linked in any
   * table of the chain (a resize in progress links some in two), read with peeks.
   */
  inspect(): StoreView {
    const mem = this.mem;
    const { nelems, tables } = this.rht.peek();
    const seen = new Set<Addr>();
    const entries: StoreEntry[] = [];
    for (const t of tables) {
      for (const md of t.buckets.flat()) {
        if (seen.has(md) || !mem.isMapped(md + RHT_MD_FUNC, 8)) continue;
        seen.add(md);
        entries.push({ md, users: usersOf(mem.peek32(md + RHT_MD_USERS)), func: mem.peek64(md + RHT_MD_FUNC) });
      }
    }
    return {
      // Stryker disable next-line OptionalChaining: rhashtable_init ran at boot (the constructor throws otherwise), ht->tbl is never NULL
      arrayBase: tables[0]?.addr ?? 0,
      // Stryker disable next-line OptionalChaining: as above, there is always a first table
      count: tables[0]?.size ?? 0,
      used: nelems,
      order: 0,
      entriesPerPage: 0,
      layout: RHT_LAYOUT,
      entries,
    };
  }

  /** __kfunc_md_create(ip, nr_args), kfunc_md_mutex held */
  private *create(ip: Addr, nrArgs: number): Op<Addr> {
    const { slab, percpuRef } = this.kernel;
    const found = yield* this.find(ip);
    if (found) {
      const word = yield* this.mem.load32(found + RHT_MD_USERS);
      yield* this.mem.store32(found + RHT_MD_USERS, withUsers(word, usersOf(word) + 1));
      return found;
    }
    const md = yield* slab.kzalloc(RHT_MD_SIZE);
    if (!md) return 0;
    yield* this.mem.store32(md + RHT_MD_USERS, withUsers(0, 1));
    yield* this.mem.store64(md + RHT_MD_FUNC, ip);
    yield* this.mem.store8(md + RHT_MD_NR_ARGS, nrArgs);
    if ((yield* percpuRef.init(md + RHT_MD_PCREF, this.release.pcref, 0)) !== 0) {
      yield* slab.kfree(md);
      return 0;
    }
    if ((yield* this.rht.insertFast(md)) !== 0) {
      yield* percpuRef.exit(md + RHT_MD_PCREF);
      yield* slab.kfree(md);
      return 0;
    }
    return md;
  }
}

/** The rhashtable variant as posted ([RHT]), hazards kept. */
export const rht: Implementation = {
  name: 'rht',
  description:
    "rhashtable kfunc_md (Alexei's request, July 2025): mds keyed by func in an rhashtable with automatic shrinking; release = call_rcu → percpu_ref_kill → exit + kfree",
  contract: CONTRACT_VERSION,
  declares: {
    index: 'none',
    slotPolicy: 'any-free',
    locking: { get: 'takes', put: 'takes', put_by_ip: 'takes' },
    readers: { rcu: true, norcu: false },
    reuse: 'immediate',
    // kzalloc and percpu_ref_init for every new md, a bucket array (table) now and then
    allocates: 'array-and-md',
  },
  create: (kernel) => new RhtStore(kernel),
};
