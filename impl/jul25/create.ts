import { hlistAddHeadRcu } from '../kernel/rcu-hlist.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { Jul25Globals } from './context.ts';
import {
  JUL25_MD_FUNC,
  JUL25_MD_HASH,
  JUL25_MD_NR_ARGS,
  JUL25_MD_PCREF,
  JUL25_MD_SIZE,
  JUL25_MD_USERS,
} from './layout.ts';
import { KFUNC_MD_ARRAY_USED } from './layout.ts';
import { kfuncMdHashHead, __kfuncMdGet } from './lookup.ts';
import { usersOf, withUsers } from './users.ts';

/**
 * __kfunc_md_create(mds, ip, nr_args), kfunc_md_mutex held: the md of ip in `mds` gains a user;
 * or a new one is kzalloc'ed, users = 1, func, nr_args, percpu_ref_init (failure: kfree, NULL),
 * hlist_add_head_rcu into ip's bucket, atomic_inc(&mds->used). Returns the md or 0.
 * A resize calls it on the unpublished new array for every md of the old one.
 */
export function* __kfuncMdCreate(g: Jul25Globals, mds: Addr, ip: Addr, nrArgs: number): Op<Addr> {
  const { mem, slab, percpuRef } = g.kernel;
  const found = yield* __kfuncMdGet(mem, mds, ip);
  if (found) {
    // md->users++: a u16, no overflow check
    const word = yield* mem.load32(found + JUL25_MD_USERS);
    yield* mem.store32(found + JUL25_MD_USERS, withUsers(word, usersOf(word) + 1));
    return found;
  }
  const md = yield* slab.kzalloc(JUL25_MD_SIZE);
  if (!md) return 0;
  // kzalloc'ed: the rest of the users word (bpf_origin_call, bpf_prog_cnt) is 0
  yield* mem.store32(md + JUL25_MD_USERS, withUsers(0, 1));
  yield* mem.store64(md + JUL25_MD_FUNC, ip);
  yield* mem.store8(md + JUL25_MD_NR_ARGS, nrArgs);
  if ((yield* percpuRef.init(md + JUL25_MD_PCREF, g.release, 0)) !== 0) {
    yield* slab.kfree(md);
    return 0;
  }
  // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
  yield* hlistAddHeadRcu(mem, md + JUL25_MD_HASH, yield* kfuncMdHashHead(mem, mds, ip));
  // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md_array, used) is 0
  yield* mem.atomicAdd('atomic_inc', mds + KFUNC_MD_ARRAY_USED, 1);
  return md;
}
