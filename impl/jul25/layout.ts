import type { EntryLayout } from '../contract/index.ts';
import { PERCPU_REF_SIZE } from '../kernel/percpu-ref.ts';
import { RCU_HEAD_SIZE } from '../kernel/rcu-flavours.ts';
import { HLIST_HEAD_SIZE, HLIST_NODE_SIZE } from '../kernel/rcu-hlist.ts';

/**
 * struct kfunc_md of the July 2025 hash table (include/linux/kfunc_md.h of [J2-1]), 64-bit:
 *
 *   struct kfunc_md {
 *           struct hlist_node hash;                              //  0  bucket chain
 *           struct rcu_head rcu;                                 // 16  the release chain's head
 *           unsigned long func;                                  // 32  the key
 *           struct kfunc_md_tramp_prog *bpf_progs[BPF_TRAMP_MAX]; // 40  per-type prog lists
 *           struct percpu_ref pcref;                             // 64  held across an origin call
 *           u16 users;                                           // 80
 *           bool bpf_origin_call;                                // 82
 *           u8 bpf_prog_cnt;                                     // 83
 *           u8 nr_args;                                          // 84
 *   };                                                           // 88  sizeof, 8-aligned
 */
export const JUL25_MD_HASH = 0;
/** offsetof(struct kfunc_md, rcu) */
export const JUL25_MD_RCU = JUL25_MD_HASH + HLIST_NODE_SIZE;
/** offsetof(struct kfunc_md, func) */
export const JUL25_MD_FUNC = JUL25_MD_RCU + RCU_HEAD_SIZE;
/** BPF_TRAMP_MAX (enum bpf_tramp_prog_type: FENTRY, FEXIT, MODIFY_RETURN) */
export const BPF_TRAMP_MAX = 3;
/** offsetof(struct kfunc_md, bpf_progs) */
export const JUL25_MD_BPF_PROGS = JUL25_MD_FUNC + 8;
/** offsetof(struct kfunc_md, pcref) */
export const JUL25_MD_PCREF = JUL25_MD_BPF_PROGS + 8 * BPF_TRAMP_MAX;
/** offsetof(struct kfunc_md, users): u16 */
export const JUL25_MD_USERS = JUL25_MD_PCREF + PERCPU_REF_SIZE;
/** offsetof(struct kfunc_md, bpf_origin_call) */
export const JUL25_MD_BPF_ORIGIN_CALL = JUL25_MD_USERS + 2;
/** offsetof(struct kfunc_md, bpf_prog_cnt) */
export const JUL25_MD_BPF_PROG_CNT = JUL25_MD_BPF_ORIGIN_CALL + 1;
/** offsetof(struct kfunc_md, nr_args) */
export const JUL25_MD_NR_ARGS = JUL25_MD_BPF_PROG_CNT + 1;
/** sizeof(struct kfunc_md): 85 bytes of fields, padded to the 8-byte alignment of func */
// Stryker disable next-line ArithmeticOperator: nr_args sits at 84, not a multiple of 8: 85 and 83 both round up to 88
export const JUL25_MD_SIZE = Math.ceil((JUL25_MD_NR_ARGS + 1) / 8) * 8;

/**
 *   struct kfunc_md_array {
 *           atomic_t used;              //  0  mds linked in this array
 *           struct rcu_head rcu;        //  8  kfree_rcu of a replaced array
 *           int hash_bits;              // 24
 *           struct hlist_head mds[];    // 32  1 << hash_bits buckets
 *   };
 */
export const KFUNC_MD_ARRAY_USED = 0;
/** offsetof(struct kfunc_md_array, rcu) */
export const KFUNC_MD_ARRAY_RCU = 8;
/** offsetof(struct kfunc_md_array, hash_bits) */
export const KFUNC_MD_ARRAY_HASH_BITS = KFUNC_MD_ARRAY_RCU + RCU_HEAD_SIZE;
/** offsetof(struct kfunc_md_array, mds) */
export const KFUNC_MD_ARRAY_MDS = KFUNC_MD_ARRAY_HASH_BITS + 8;
/** MIN_KFUNC_MD_ARRAY_BITS: default_mds has 16 buckets, and the table never shrinks below them */
export const MIN_KFUNC_MD_ARRAY_BITS = 4;

/**
 * MIN_KFUNC_MD_ARRAY_BITS on a kernel with this PAGE_SIZE: 4 (the real value) at 4 KiB pages and
 * above. The suites shrink PAGE_SIZE so that a handful of functions reaches v4's growth; the
 * smallest table shrinks with it (one bit per halving, at least 2 buckets) so that the same
 * handful reaches this design's resize and shrink too.
 */
export function minArrayBits(pageSize: number): number {
  return Math.max(
    1,
    Math.min(MIN_KFUNC_MD_ARRAY_BITS, MIN_KFUNC_MD_ARRAY_BITS - Math.round(Math.log2(4096 / pageSize))),
  );
}

/** sizeof(*new_mds) + sizeof(struct hlist_head) * (1 << hash_bits) */
export function kfuncMdArraySize(hashBits: number): number {
  return KFUNC_MD_ARRAY_MDS + HLIST_HEAD_SIZE * 2 ** hashBits;
}

/** &mds->mds[i] */
export function bucketOf(mds: number, i: number): number {
  return mds + KFUNC_MD_ARRAY_MDS + HLIST_HEAD_SIZE * i;
}

/** What the harness reads of struct kfunc_md (users is a u16 here: inspect() decodes it). */
export const JUL25_LAYOUT: EntryLayout = { size: JUL25_MD_SIZE, users: JUL25_MD_USERS, func: JUL25_MD_FUNC };
