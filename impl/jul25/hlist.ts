import type { Memory } from '../kernel/memory.ts';
import { HLIST_HEAD_FIRST, HLIST_NODE_NEXT, WILD_LINK, hlistDelRcu } from '../kernel/rcu-hlist.ts';
import type { Addr, Op } from '../kernel/types.ts';

/*
 * The two non-RCU hlist operations kfunc_md_array_adjust uses and impl/kernel/rcu-hlist.ts does
 * not provide, built on it: hlist_del and hlist_for_each_entry_safe.
 */

/**
 * LIST_POISON1 (include/linux/poison.h): what hlist_del leaves in n->next, 0x100 +
 * POISON_POINTER_DELTA; delta-less like the primitive's LIST_POISON2, and as unmapped. A walker
 * still standing on a deleted node follows it into unmapped memory.
 */
export const LIST_POISON1 = 0x100;

/**
 * hlist_del(n): __hlist_del(n); n->next = LIST_POISON1; n->pprev = LIST_POISON2. Built as
 * hlist_del_rcu (which is __hlist_del plus the pprev poison) followed by the next poison: the
 * same three results, the two poison stores in the other order (no reader reads pprev).
 */
export function* hlistDel(mem: Memory, n: Addr): Op<void> {
  yield* hlistDelRcu(mem, n);
  // Stryker disable next-line ArithmeticOperator: offsetof(struct hlist_node, next) is 0
  yield* mem.storeAs('hlist_del', n + HLIST_NODE_NEXT, LIST_POISON1);
}

/**
 * hlist_for_each_entry_safe(pos, n, head, member): the write side's walk that may delete `pos`,
 * loading pos->next before the body runs. Plain loads, one step per link.
 */
export function* hlistForEachSafe(mem: Memory, head: Addr, body: (node: Addr) => Op<void>): Op<void> {
  const call = 'hlist_for_each_entry_safe';
  // Stryker disable next-line ArithmeticOperator: offsetof(struct hlist_head, first) is 0
  for (let pos = link(yield* mem.loadAs(call, head + HLIST_HEAD_FIRST)); pos !== 0;) {
    // Stryker disable next-line ArithmeticOperator: offsetof(struct hlist_node, next) is 0
    const next = link(yield* mem.loadAs(call, pos + HLIST_NODE_NEXT));
    yield* body(pos);
    pos = next;
  }
}

/** a link as loaded, storable (garbage beyond 2^53 becomes WILD_LINK, as in rcu-hlist.ts) */
function link(v: number): Addr {
  return Number.isSafeInteger(v) ? v : WILD_LINK;
}
