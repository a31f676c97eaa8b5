import type { EntryLayout } from '../contract/index.ts';
import { PERCPU_REF_SIZE } from '../kernel/percpu-ref.ts';
import { RCU_HEAD_SIZE } from '../kernel/rcu-flavours.ts';
import { HLIST_HEAD_SIZE } from '../kernel/rcu-hlist.ts';
import type { RhashtableParams } from '../kernel/rhashtable.ts';
import { BPF_TRAMP_MAX } from '../jul25/layout.ts';

/**
 * struct kfunc_md of the rhashtable variant (include/linux/kfunc_md.h of [RHT]), 64-bit:
 *
 *   struct kfunc_md {
 *           struct rhash_head hlist;                         //  0  one next pointer
 *           struct rcu_head rcu;                             //  8  call_rcu in kfunc_md_put
 *           unsigned long func;                              // 24  the key (key_len 8)
 *           struct hlist_head __rcu bpf_progs[BPF_TRAMP_MAX]; // 32
 *           struct percpu_ref pcref;                         // 56
 *           u16 users;                                       // 72
 *           bool bpf_origin_call;                            // 74
 *           u8 bpf_prog_cnt;                                 // 75
 *           u8 nr_args;                                      // 76
 *   };                                                       // 80  sizeof, 8-aligned
 */
export const RHT_MD_HLIST = 0;
/** sizeof(struct rhash_head) */
export const RHASH_HEAD_SIZE = 8;
/** offsetof(struct kfunc_md, rcu) */
export const RHT_MD_RCU = RHT_MD_HLIST + RHASH_HEAD_SIZE;
/** offsetof(struct kfunc_md, func) */
export const RHT_MD_FUNC = RHT_MD_RCU + RCU_HEAD_SIZE;
/** offsetof(struct kfunc_md, bpf_progs) */
export const RHT_MD_BPF_PROGS = RHT_MD_FUNC + 8;
/** offsetof(struct kfunc_md, pcref) */
export const RHT_MD_PCREF = RHT_MD_BPF_PROGS + HLIST_HEAD_SIZE * BPF_TRAMP_MAX;
/** offsetof(struct kfunc_md, users): u16 */
export const RHT_MD_USERS = RHT_MD_PCREF + PERCPU_REF_SIZE;
/** offsetof(struct kfunc_md, nr_args) (after bpf_origin_call and bpf_prog_cnt) */
export const RHT_MD_NR_ARGS = RHT_MD_USERS + 4;
/** sizeof(struct kfunc_md) */
// Stryker disable next-line ArithmeticOperator: nr_args sits at 76, not a multiple of 8: 77 and 75 both round up to 80
export const RHT_MD_SIZE = Math.ceil((RHT_MD_NR_ARGS + 1) / 8) * 8;

/**
 * kfunc_md_rht_params: head_offset, key_offset (func, key_len 8), automatic_shrinking. The
 * posted hashfn is hash_ptr(key, 32); the simulated rhashtable hashes with its own function and
 * hash_rnd (impl/kernel/rhashtable.ts), which changes bucket placement only.
 */
export const KFUNC_MD_RHT_PARAMS: RhashtableParams = {
  headOffset: RHT_MD_HLIST,
  keyOffset: RHT_MD_FUNC,
  automaticShrinking: true,
};

/**
 * The params on a kernel with this PAGE_SIZE: the real ones (64 buckets at first) at 4 KiB pages
 * and above. The suites shrink PAGE_SIZE so that a handful of functions reaches v4's growth; the
 * first table shrinks with it (nelem_hint, at least HASH_MIN_SIZE buckets) so that the same
 * handful reaches the rhashtable's resizes.
 */
export function rhtParamsFor(pageSize: number): RhashtableParams {
  if (pageSize >= 4096) return KFUNC_MD_RHT_PARAMS;
  // nelem_hint n gives roundup_pow_of_two(n * 4 / 3) buckets: 3 per 4 buckets wanted
  const buckets = Math.max(4, Math.floor((64 * pageSize) / 4096));
  return { ...KFUNC_MD_RHT_PARAMS, nelemHint: (buckets * 3) / 4 };
}

/** What the harness reads of struct kfunc_md (users is a u16 here: inspect() decodes it). */
export const RHT_LAYOUT: EntryLayout = { size: RHT_MD_SIZE, users: RHT_MD_USERS, func: RHT_MD_FUNC };
