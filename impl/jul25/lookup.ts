import type { Memory } from '../kernel/memory.ts';
import { hlistForEachRcu } from '../kernel/rcu-hlist.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { hashPtr } from './hash.ts';
import { JUL25_MD_FUNC, JUL25_MD_HASH, KFUNC_MD_ARRAY_HASH_BITS, bucketOf } from './layout.ts';

/** kfunc_md_hash_head(mds, ip): &mds->mds[hash_ptr(ip, mds->hash_bits)] */
export function* kfuncMdHashHead(mem: Memory, mds: Addr, ip: Addr): Op<Addr> {
  const bits = yield* mem.loadAs('kfunc_md_hash_head', mds + KFUNC_MD_ARRAY_HASH_BITS, 4);
  return bucketOf(mds, hashPtr(ip, bits));
}

/**
 * __kfunc_md_get(mds, ip): hlist_for_each_entry_rcu_notrace over ip's bucket, the first md whose
 * func is ip, or NULL. Readers and the write side (under kfunc_md_mutex) share it; what protects
 * the walk is the caller's business.
 */
export function* __kfuncMdGet(mem: Memory, mds: Addr, ip: Addr): Op<Addr> {
  const head = yield* kfuncMdHashHead(mem, mds, ip);
  let found = 0;
  yield* hlistForEachRcu(mem, head, function* (node: Addr): Op<boolean> {
    // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
    if ((yield* mem.load64(node - JUL25_MD_HASH + JUL25_MD_FUNC)) !== ip) return false;
    // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, hash) is 0
    found = node - JUL25_MD_HASH;
    return true;
  });
  return found;
}
