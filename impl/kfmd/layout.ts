import type { EntryLayout } from '../contract/index.ts';

/**
 * struct kfunc_md of the kfmd design, 64-bit:
 *
 *   struct kfunc_md {
 *           int users;                  //  0  reference count; > 0 while a function owns the slot
 *           seqcount_t seq;             //  4  odd while a claim rewrites func and users
 *           void *func;                 //  8  the owning function's entry
 *           u32 gp;                     // 16  get_state_synchronize_rcu() cookie of the last release
 *           u32 map;                    // 20  word `index` of the free-slot bitmap (see slots.ts)
 *   };                                  // 24  sizeof(struct kfunc_md)
 *
 * The harness reads users and func through the layout (inspect().layout) and assumes nothing
 * else; seq, gp and map are the design's own. ENTRIES_PER_PAGE = PAGE_SIZE / 24 (170 with
 * 4 KiB pages).
 */
export const KFMD_MD_SIZE = 24;
/** offsetof(struct kfunc_md, users) */
export const KFMD_MD_USERS = 0;
/** offsetof(struct kfunc_md, seq) */
export const KFMD_MD_SEQ = 4;
/** offsetof(struct kfunc_md, func) */
export const KFMD_MD_FUNC = 8;
/** offsetof(struct kfunc_md, gp) */
export const KFMD_MD_GP = 16;
/** offsetof(struct kfunc_md, map) */
export const KFMD_MD_MAP = 20;

/** md->gp of a slot never released: no grace period is owed for it. */
export const KFMD_GP_NEVER = 0xffff_ffff;

/** What the harness reads of struct kfunc_md. */
export const KFMD_LAYOUT: EntryLayout = { size: KFMD_MD_SIZE, users: KFMD_MD_USERS, func: KFMD_MD_FUNC };

/** ENTRIES_PER_PAGE = PAGE_SIZE / sizeof(struct kfunc_md) */
export function kfmdEntriesPerPage(pageSize: number): number {
  return Math.floor(pageSize / KFMD_MD_SIZE);
}

/**
 * The free-slot bitmap of an array of `count` slots, as levels of 32-bit words laid out one
 * after another: level 0 has a bit per slot (set: users == 0), level l+1 a bit per word of
 * level l (set: that word is not 0), up to a level of one word. `offsets[l]` is the position of
 * level l's first word; word p lives in entry p's `map` field (the bitmap has fewer words than
 * the array has entries, so it always fits).
 */
export interface BitmapShape {
  readonly offsets: readonly number[];
  readonly sizes: readonly number[];
}

export function bitmapShape(count: number): BitmapShape {
  const offsets: number[] = [];
  const sizes: number[] = [];
  let n = count;
  let at = 0;
  do {
    const words = Math.ceil(n / 32);
    offsets.push(at);
    sizes.push(words);
    at += words;
    n = words;
  } while (n > 1);
  return { offsets, sizes };
}
