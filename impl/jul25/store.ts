import { CONTRACT_VERSION } from '../contract/index.ts';
import type { Implementation, KfuncMdStore, StoreEntry, StoreView, TrampolineView } from '../contract/index.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { hex } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import { hlistDelRcu, hlistPeek } from '../kernel/rcu-hlist.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { KFUNC_MD_MUTEX } from '../v4/layout.ts';
import { defineGlobals } from './context.ts';
import type { Jul25Globals } from './context.ts';
import { __kfuncMdCreate } from './create.ts';
import {
  JUL25_LAYOUT,
  JUL25_MD_FUNC,
  JUL25_MD_HASH,
  JUL25_MD_PCREF,
  JUL25_MD_USERS,
  KFUNC_MD_ARRAY_HASH_BITS,
  KFUNC_MD_ARRAY_USED,
  bucketOf,
} from './layout.ts';
import { __kfuncMdGet } from './lookup.ts';
import { kfuncMdArrayDec, kfuncMdArrayInc } from './resize.ts';
import { usersOf, withUsers } from './users.ts';

/**
 * kernel/bpf/kfunc_md.c of the July 2025 series v2 ([J2-1], spec §8.2), kept as posted: a
 * resizable RCU hash table of kzalloc'ed mds keyed by ip, the static 16-bucket default_mds first,
 * doubled at 90 % and halved at 30 % by re-creating every md, each md freed through percpu_ref_kill
 * → call_rcu_tasks_trace → call_rcu_tasks → kfree. kfunc_md_create and kfunc_md_put take
 * kfunc_md_mutex themselves.
 */
export class Jul25Store implements KfuncMdStore {
  readonly name = 'jul25';
  private readonly mem: Memory;
  private readonly g: Jul25Globals;

  constructor(private readonly kernel: Kernel) {
    this.mem = kernel.mem;
    this.g = defineGlobals(kernel);
  }

  /** mutex_lock(&kfunc_md_mutex) (the July file exports no kfunc_md_lock: the contract's verb) */
  *lock(): Op<void> {
    yield* this.mem.mutexLock(KFUNC_MD_MUTEX);
  }

  /** mutex_unlock(&kfunc_md_mutex) */
  *unlock(): Op<void> {
    yield* this.mem.mutexUnlock(KFUNC_MD_MUTEX);
  }

  /**
   * kfunc_md_create(ip, 0): under kfunc_md_mutex, grow first (kfunc_md_array_inc: a failure is
   * NULL even for an ip that has an md, and a growth moves every md to a new address), then
   * __kfunc_md_create on the current array.
   */
  *get(ip: Addr): Op<Addr> {
    yield* this.lock();
    let md = 0;
    if ((yield* kfuncMdArrayInc(this.g)) === 0) {
      md = yield* __kfuncMdCreate(this.g, yield* this.mem.load64(this.g.kfuncMds), ip, 0);
    }
    yield* this.unlock();
    return md;
  }

  /**
   * kfunc_md_put(md): NULL is a no-op; WARN_ON_ONCE(md->users <= 0) before locking (users is a
   * u16: 0); under the mutex users--, and the last put does hlist_del_rcu, atomic_dec(&kfunc_mds->used)
   * (the current array's, whichever array md is in), percpu_ref_kill (release.ts) and
   * kfunc_md_array_dec.
   */
  *put(md: Addr): Op<void> {
    if (!md) return;
    const seen = usersOf(yield* this.mem.load32(md + JUL25_MD_USERS));
    if (seen <= 0) {
      this.kernel.warn('put-users', `kfunc_md_put(${hex(md)}): users ${seen} <= 0`);
      return;
    }
    yield* this.lock();
    const word = yield* this.mem.load32(md + JUL25_MD_USERS);
    const users = usersOf(withUsers(word, usersOf(word) - 1));
    yield* this.mem.store32(md + JUL25_MD_USERS, withUsers(word, users));
    if (users === 0) {
      // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
      yield* hlistDelRcu(this.mem, md + JUL25_MD_HASH);
      const mds = yield* this.mem.load64(this.g.kfuncMds);
      // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md_array, used) is 0
      yield* this.mem.atomicAdd('atomic_dec', mds + KFUNC_MD_ARRAY_USED, -1);
      yield* this.kernel.percpuRef.kill(md + JUL25_MD_PCREF);
      yield* kfuncMdArrayDec(this.g);
    }
    yield* this.unlock();
  }

  /** kfunc_md_put_ip(ip) = kfunc_md_put(kfunc_md_get(ip)): the lookup holds no lock and no reference. */
  *putByIp(ip: Addr): Op<void> {
    yield* this.put(yield* this.find(ip));
  }

  /** kfunc_md_get(ip): rcu_read_lock, rcu_dereference(kfunc_mds), __kfunc_md_get, rcu_read_unlock; no reference taken. */
  *find(ip: Addr): Op<Addr> {
    yield* this.mem.rcuReadLock();
    const mds = yield* this.mem.loadAs('rcu_dereference', this.g.kfuncMds);
    const md = yield* __kfuncMdGet(this.mem, mds, ip);
    yield* this.mem.rcuReadUnlock();
    return md;
  }

  /**
   * bpf_global_caller_run's lookup ([J2-2]): kfunc_md_get_rcu(ip) =
   * __kfunc_md_get(rcu_dereference_raw(kfunc_mds), ip), then md->users and md->func.
   * rcu: inside rcu_read_lock() as posted. norcu: the bare kfunc_md_get_rcu, which nothing but the
   * trampoline's own context protects. Either way the trampoline body is an RCU Tasks read side
   * (a task in trampoline text has not scheduled voluntarily): that is what step 3 of the release
   * chain waits for, so it is marked in both.
   */
  *trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView> {
    const rcu = this.kernel.rcu;
    yield* rcu.rcuTasksReadLock();
    if (opts.rcu) yield* this.mem.rcuReadLock();
    const mds = yield* this.mem.loadAs('rcu_dereference_raw', this.g.kfuncMds);
    const md = yield* __kfuncMdGet(this.mem, mds, ip);
    let view: TrampolineView = { md: 0, users: 0, func: 0 };
    if (md) {
      const users = usersOf(yield* this.mem.load32(md + JUL25_MD_USERS));
      view = { md, users, func: yield* this.mem.load64(md + JUL25_MD_FUNC) };
    }
    if (opts.rcu) yield* this.mem.rcuReadUnlock();
    yield* rcu.rcuTasksReadUnlock();
    return view;
  }

  /** The current array and every md linked in it, read with peeks (see CONTRACT.md, designs with no index in the text). */
  inspect(): StoreView {
    const mem = this.mem;
    const arrayBase = mem.peek64(this.g.kfuncMds);
    const bits = mem.peek32(arrayBase + KFUNC_MD_ARRAY_HASH_BITS);
    // Stryker disable next-line EqualityOperator: a sanity bound on a garbage hash_bits (no array has 2^20 buckets); 20 or 21 is no kernel limit
    const count = bits <= 20 ? 2 ** bits : 0;
    const entries: StoreEntry[] = [];
    for (let i = 0; i < count; i++) {
      for (const node of hlistPeek(mem, bucketOf(arrayBase, i))) {
        // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
        const md = node - JUL25_MD_HASH;
        if (!mem.isMapped(md + JUL25_MD_FUNC, 8)) continue;
        entries.push({ md, users: usersOf(mem.peek32(md + JUL25_MD_USERS)), func: mem.peek64(md + JUL25_MD_FUNC) });
      }
    }
    return {
      arrayBase,
      count,
      // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md_array, used) is 0
      used: mem.peek32(arrayBase + KFUNC_MD_ARRAY_USED),
      order: 0,
      entriesPerPage: 0,
      layout: JUL25_LAYOUT,
      entries,
    };
  }
}

/** The July 2025 hash table as posted ([J2-1]), hazards kept. */
export const jul25: Implementation = {
  name: 'jul25',
  description:
    'July 2025 v2 kfunc_md: a resizable RCU hash table (16 buckets at first, x2 at 90 %, /2 at 30 %) whose resize re-creates every md; percpu_ref + RCU Tasks Trace + RCU Tasks release',
  contract: CONTRACT_VERSION,
  declares: {
    index: 'none',
    slotPolicy: 'any-free',
    locking: { get: 'takes', put: 'takes', put_by_ip: 'takes' },
    readers: { rcu: true, norcu: true },
    reuse: 'immediate',
    // kzalloc and percpu_ref_init for every new md, a bucket array (table) now and then
    allocates: 'array-and-md',
  },
  create: (kernel) => new Jul25Store(kernel),
};
