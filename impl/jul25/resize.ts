import { GFP_KERNEL, __GFP_ZERO } from '../kernel/gfp.ts';
import { hlistForEachRcu, hlistHeadInit } from '../kernel/rcu-hlist.ts';
import { ENOMEM } from '../kernel/types.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { Jul25Globals } from './context.ts';
import { __kfuncMdCreate } from './create.ts';
import { hlistDel, hlistForEachSafe } from './hlist.ts';
import {
  BPF_TRAMP_MAX,
  JUL25_MD_BPF_PROGS,
  JUL25_MD_FUNC,
  JUL25_MD_HASH,
  JUL25_MD_NR_ARGS,
  JUL25_MD_PCREF,
  JUL25_MD_USERS,
  KFUNC_MD_ARRAY_HASH_BITS,
  KFUNC_MD_ARRAY_RCU,
  KFUNC_MD_ARRAY_USED,
  minArrayBits,
  bucketOf,
  kfuncMdArraySize,
} from './layout.ts';

/** What the grow and shrink tests read of the current array. */
interface Load {
  readonly used: number;
  readonly hashBits: number;
}

/** kfunc_mds->used (atomic_read) and kfunc_mds->hash_bits, kfunc_md_mutex held */
function* currentLoad(g: Jul25Globals): Op<Load> {
  const mem = g.kernel.mem;
  const mds = yield* mem.load64(g.kfuncMds);
  // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md_array, used) is 0
  const used = yield* mem.loadAs('atomic_read', mds + KFUNC_MD_ARRAY_USED, 4);
  const hashBits = yield* mem.load32(mds + KFUNC_MD_ARRAY_HASH_BITS);
  return { used, hashBits };
}

/** kfunc_md_array_inc(): double the table when used * 10 >= buckets * 9 (90 %); 0 or -ENOMEM. */
export function* kfuncMdArrayInc(g: Jul25Globals): Op<number> {
  const { used, hashBits } = yield* currentLoad(g);
  // Stryker disable next-line EqualityOperator: buckets * 9 is no multiple of 10 for a power of two, so used * 10 never equals it
  if (used * 10 < 2 ** hashBits * 9) return 0;
  return yield* kfuncMdArrayAdjust(g, true);
}

/** kfunc_md_array_dec(): halve the table when used * 10 <= buckets * 3 (30 %) and above the minimum. */
export function* kfuncMdArrayDec(g: Jul25Globals): Op<number> {
  const { used, hashBits } = yield* currentLoad(g);
  // Stryker disable next-line EqualityOperator: buckets * 3 is no multiple of 10 for a power of two, so used * 10 never equals it
  if (used * 10 > 2 ** hashBits * 3) return 0;
  if (hashBits <= minArrayBits(g.kernel.pageSize)) return 0;
  return yield* kfuncMdArrayAdjust(g, false);
}

/**
 * kfunc_md_array_adjust(inc), kfunc_md_mutex held: a new array of twice (half) the buckets, in
 * which every md of the current one is RE-CREATED (a new object: new address, new percpu_ref;
 * counts and prog lists copied); publish it; synchronize_rcu(); then percpu_ref_kill and hlist_del
 * every old md (their release chain frees them, see release.ts), and kfree_rcu the old array
 * unless it is default_mds. On a failed allocation the new mds are exited and freed and -ENOMEM
 * returned; the new array itself is not freed (a leak, as in [J2-1]).
 *
 * Kept as posted, hazards included: an md pointer held across a resize names the old, killed
 * copy; a reader without rcu_read_lock can still be walking the old chains when hlist_del poisons
 * them, or the old array when kfree_rcu frees it.
 */
export function* kfuncMdArrayAdjust(g: Jul25Globals, inc: boolean): Op<number> {
  const { mem, slab, percpuRef } = g.kernel;
  const oldMds = yield* mem.load64(g.kfuncMds);
  const oldBits = yield* mem.load32(oldMds + KFUNC_MD_ARRAY_HASH_BITS);
  const hashBits = oldBits + (inc ? 1 : -1);
  const newMds = yield* slab.kmalloc(kfuncMdArraySize(hashBits), GFP_KERNEL | __GFP_ZERO);
  if (!newMds) return -ENOMEM;
  yield* mem.store32(newMds + KFUNC_MD_ARRAY_HASH_BITS, hashBits);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the array is kmalloc'ed with __GFP_ZERO, INIT_HLIST_HEAD writes the NULLs it already holds
  for (let i = 0; i < 2 ** hashBits; i++) yield* hlistHeadInit(mem, bucketOf(newMds, i));

  // copy all the mds from kfunc_mds to new_mds
  let failed = false;
  for (let i = 0; i < 2 ** oldBits && !failed; i++) {
    yield* hlistForEachRcu(mem, bucketOf(oldMds, i), function* (node: Addr): Op<boolean> {
      // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
      const md = node - JUL25_MD_HASH;
      const func = yield* mem.load64(md + JUL25_MD_FUNC);
      const nrArgs = yield* mem.load8(md + JUL25_MD_NR_ARGS);
      const newMd = yield* __kfuncMdCreate(g, newMds, func, nrArgs);
      if (!newMd) {
        failed = true;
        return true;
      }
      // bpf_prog_cnt, bpf_origin_call and users share one word: the three copies are one here
      // (the new md is visible to nobody yet)
      yield* mem.store32(newMd + JUL25_MD_USERS, yield* mem.load32(md + JUL25_MD_USERS));
      // memcpy(new_md->bpf_progs, md->bpf_progs, sizeof(md->bpf_progs))
      for (let t = 0; t < BPF_TRAMP_MAX; t++) {
        const at = JUL25_MD_BPF_PROGS + 8 * t;
        yield* mem.store64(newMd + at, yield* mem.load64(md + at));
      }
      return false;
    });
  }
  if (failed) {
    for (let i = 0; i < 2 ** hashBits; i++) {
      yield* hlistForEachSafe(mem, bucketOf(newMds, i), function* (node: Addr): Op<void> {
        // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
        const md = node - JUL25_MD_HASH;
        yield* percpuRef.exit(md + JUL25_MD_PCREF);
        yield* hlistDel(mem, node);
        yield* slab.kfree(md);
      });
    }
    return -ENOMEM;
  }

  yield* mem.storeAs('rcu_assign_pointer', g.kfuncMds, newMds);
  yield* mem.synchronizeRcu();
  // free all the mds in the old array: kill (release chain, step 1), unlink
  for (let i = 0; i < 2 ** oldBits; i++) {
    yield* hlistForEachSafe(mem, bucketOf(oldMds, i), function* (node: Addr): Op<void> {
      // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
      yield* percpuRef.kill(node - JUL25_MD_HASH + JUL25_MD_PCREF);
      yield* hlistDel(mem, node);
    });
  }
  if (oldMds !== g.defaultMds) yield* slab.kfreeRcu(oldMds, KFUNC_MD_ARRAY_RCU);
  return 0;
}
