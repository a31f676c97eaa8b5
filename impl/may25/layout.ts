import type { EntryLayout } from '../contract/index.ts';
import { HLIST_NODE_SIZE } from '../kernel/rcu-hlist.ts';
import { RCU_HEAD_SIZE } from '../kernel/rcu-flavours.ts';
import { PERCPU_REF_SIZE } from '../kernel/percpu-ref.ts';
import type { May25Kconfig } from './config.ts';

/**
 * struct kfunc_md of the May 2025 series (include/linux/kfunc_md.h after 04/25), 64-bit:
 *
 *   struct kfunc_md {
 *   #ifndef CONFIG_FUNCTION_METADATA_PADDING
 *           struct hlist_node hash;                   // hash table mode
 *           struct rcu_head rcu;                      // kfree_rcu in hash table mode
 *   #endif
 *           unsigned long func;
 *           struct kfunc_md_tramp_prog *bpf_progs[BPF_TRAMP_MAX];
 *   #ifdef CONFIG_FUNCTION_METADATA
 *           struct kfunc_md_array *array;             // padding mode
 *   #endif
 *           struct percpu_ref pcref;
 *           u32 flags;
 *           u16 users;
 *           u8 bpf_prog_cnt;
 *           u8 nr_args;
 *   };
 *
 * The fields follow the Kconfig, not the runtime mode: with FUNCTION_METADATA_PADDING=n the
 * hash fields stay even when the boot probe picks padding mode. 64 bytes with
 * FUNCTION_METADATA_PADDING (ENTRIES_PER_PAGE 64 with 4 KiB pages), 96 without it on x86, 88 on
 * arm64 with CFI_CLANG (no FUNCTION_METADATA, so no `array`).
 */
export interface May25Layout {
  /** offsetof(struct kfunc_md, hash), null when FUNCTION_METADATA_PADDING */
  readonly hash: number | null;
  /** offsetof(struct kfunc_md, rcu) */
  readonly rcu: number | null;
  /** offsetof(struct kfunc_md, func) */
  readonly func: number;
  /** offsetof(struct kfunc_md, bpf_progs) */
  readonly bpfProgs: number;
  /** offsetof(struct kfunc_md, array), null without FUNCTION_METADATA */
  readonly array: number | null;
  /** offsetof(struct kfunc_md, pcref) */
  readonly pcref: number;
  /** offsetof(struct kfunc_md, flags): u32 */
  readonly flags: number;
  /** offsetof(struct kfunc_md, users): u16, shares its 32-bit word with bpf_prog_cnt and nr_args */
  readonly users: number;
  /** offsetof(struct kfunc_md, bpf_prog_cnt): u8 */
  readonly bpfProgCnt: number;
  /** offsetof(struct kfunc_md, nr_args): u8 */
  readonly nrArgs: number;
  /** sizeof(struct kfunc_md) */
  readonly size: number;
  /** what the harness reads: size, users, func */
  readonly entry: EntryLayout;
}

/** BPF_TRAMP_MAX: FENTRY, FEXIT, MODIFY_RETURN (enum bpf_tramp_prog_type) */
export const BPF_TRAMP_MAX = 3;
export const BPF_TRAMP_FENTRY = 0;
export const BPF_TRAMP_FEXIT = 1;
export const BPF_TRAMP_MODIFY_RETURN = 2;

/** KFUNC_MD_FL_DEAD: the md must not be reused until kfunc_md_release ran */
export const KFUNC_MD_FL_DEAD = 1 << 0;
/** KFUNC_MD_FL_TRACING_ORIGIN: fexit/fmod_ret progs, so the trampoline calls the origin and takes a ref */
export const KFUNC_MD_FL_TRACING_ORIGIN = 1 << 1;
/** KFUNC_MD_FL_BPF_REMOVING */
export const KFUNC_MD_FL_BPF_REMOVING = 1 << 2;

export function may25Layout(k: May25Kconfig): May25Layout {
  let at = 0;
  const field = (size: number): number => {
    const off = at;
    at += size;
    return off;
  };
  const hash = k.padding ? null : field(HLIST_NODE_SIZE);
  const rcu = k.padding ? null : field(RCU_HEAD_SIZE);
  const func = field(8);
  const bpfProgs = field(8 * BPF_TRAMP_MAX);
  const array = k.metadata ? field(8) : null;
  const pcref = field(PERCPU_REF_SIZE);
  const flags = field(4);
  const users = field(2);
  const bpfProgCnt = field(1);
  const nrArgs = field(1);
  // every field above ends 8-byte aligned after nr_args: no tail padding
  const size = at;
  return {
    hash,
    rcu,
    func,
    bpfProgs,
    array,
    pcref,
    flags,
    users,
    bpfProgCnt,
    nrArgs,
    size,
    entry: { size, users, func },
  };
}

/** ENTRIES_PER_PAGE = PAGE_SIZE / sizeof(struct kfunc_md) */
export function may25EntriesPerPage(pageSize: number, l: May25Layout): number {
  return Math.floor(pageSize / l.size);
}

/**
 * struct kfunc_md_array (kernel/trace/kfunc_md.c, 01/25), 64-bit:
 *
 *   struct kfunc_md_array {
 *           struct kfunc_md *mds;          //  0
 *           u32 kfunc_md_count;            //  8
 *           unsigned long flags;           // 16  bit KFUNC_MD_ARRAY_FL_DEAD
 *           atomic_t kfunc_md_used;        // 24
 *           union {                        // 32
 *                   struct work_struct work;
 *                   struct rcu_head rcu;
 *           };
 *   };                                     // 64
 */
export const ARRAY_MDS = 0;
export const ARRAY_COUNT = 8;
export const ARRAY_FLAGS = 16;
export const ARRAY_USED = 24;
/** the union: work and rcu share these bytes */
export const ARRAY_WORK = 32;
export const ARRAY_RCU = 32;
export const ARRAY_SIZE = 64;
/** KFUNC_MD_ARRAY_FL_DEAD: the bit number in kfunc_md_array.flags */
export const KFUNC_MD_ARRAY_FL_DEAD = 0;

/** struct kfunc_md_tramp_prog (04/25): next, prog, cookie, rcu */
export const TRAMP_PROG_NEXT = 0;
export const TRAMP_PROG_PROG = 8;
export const TRAMP_PROG_COOKIE = 16;
export const TRAMP_PROG_RCU = 24;
export const TRAMP_PROG_SIZE = 40;

/** KFUNC_MD_HASH_BITS: 1 << 10 hlist heads in kfunc_md_table */
export const KFUNC_MD_HASH_BITS = 10;
