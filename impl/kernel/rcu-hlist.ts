import type { Memory } from './memory.ts';
import type { Addr, Op } from './types.ts';

/** sizeof(struct hlist_head): first */
export const HLIST_HEAD_SIZE = 8;
/** offsetof(struct hlist_head, first) */
export const HLIST_HEAD_FIRST = 0;
/** sizeof(struct hlist_node): next, then pprev */
export const HLIST_NODE_SIZE = 16;
/** offsetof(struct hlist_node, next) */
export const HLIST_NODE_NEXT = 0;
/** offsetof(struct hlist_node, pprev): the address of the pointer that points at this node */
export const HLIST_NODE_PPREV = 8;
/**
 * LIST_POISON2 (include/linux/poison.h): what hlist_del_rcu leaves in pprev, 0x122 +
 * POISON_POINTER_DELTA. The kernel's delta on x86-64 (0xdead000000000000) is beyond what a
 * simulated address can hold, so the simulation uses the delta-less value: unmapped either way,
 * so a second hlist_del_rcu of the node stores through it and is caught.
 */
export const LIST_POISON2 = 0x122;
/**
 * What a link loaded from garbage (a freed node's poison, 0x6b6b6b6b6b6b6b6b) is stored back as:
 * the poison cut to 48 bits, which a simulated address can hold and nothing maps. The load that
 * produced it already was a violation; the store must not be one more crash of the simulation.
 */
export const WILD_LINK = 0x6b6b_6b6b_6b6b;

/*
 * RCU-protected hlists (include/linux/rculist.h, include/linux/list.h) on simulated memory:
 * every link update is one store64 step and every link a reader follows one load64 step, so a
 * reader interleaved with an update sees each intermediate state, and a list torn by a wrong
 * update order is observable. The steps carry the kernel function as `call`. Nodes are the
 * struct hlist_node embedded in the caller's objects (kmalloc'ed, say); the walk hands out node
 * addresses, and container_of is the caller's subtraction.
 */

/** INIT_HLIST_HEAD(h) */
export function* hlistHeadInit(mem: Memory, h: Addr): Op<void> {
  yield* mem.storeAs('INIT_HLIST_HEAD', firstOf(h), 0);
}

/** INIT_HLIST_NODE(n): next and pprev NULL (unhashed) */
export function* hlistNodeInit(mem: Memory, n: Addr): Op<void> {
  yield* mem.storeAs('INIT_HLIST_NODE', nextOf(n), 0);
  yield* mem.storeAs('INIT_HLIST_NODE', n + HLIST_NODE_PPREV, 0);
}

/**
 * hlist_add_head_rcu(n, h): first = h->first; n->next = first; WRITE_ONCE(n->pprev, &h->first);
 * rcu_assign_pointer(h->first, n) (the publication: a reader sees n from here on);
 * if (first) WRITE_ONCE(first->pprev, &n->next).
 */
export function* hlistAddHeadRcu(mem: Memory, n: Addr, h: Addr): Op<void> {
  const call = 'hlist_add_head_rcu';
  const first = link(yield* mem.loadAs(call, firstOf(h)));
  yield* mem.storeAs(call, nextOf(n), first);
  yield* mem.storeAs(call, n + HLIST_NODE_PPREV, firstOf(h));
  yield* mem.storeAs(call, firstOf(h), n);
  if (first !== 0) yield* mem.storeAs(call, first + HLIST_NODE_PPREV, nextOf(n));
}

/**
 * hlist_add_tail_rcu(n, h): walks to the last node (write side: plain loads), then
 * n->next = last->next; WRITE_ONCE(n->pprev, &last->next); rcu_assign_pointer(last->next, n);
 * on an empty list it is hlist_add_head_rcu.
 */
export function* hlistAddTailRcu(mem: Memory, n: Addr, h: Addr): Op<void> {
  const call = 'hlist_add_tail_rcu';
  let last = 0;
  for (let i = link(yield* mem.loadAs(call, firstOf(h))); i !== 0;) {
    last = i;
    i = link(yield* mem.loadAs(call, nextOf(i)));
  }
  if (last === 0) return yield* hlistAddHeadRcu(mem, n, h);
  const next = link(yield* mem.loadAs(call, nextOf(last)));
  yield* mem.storeAs(call, nextOf(n), next);
  yield* mem.storeAs(call, n + HLIST_NODE_PPREV, nextOf(last));
  yield* mem.storeAs(call, nextOf(last), n);
}

/**
 * hlist_del_rcu(n): __hlist_del(n) (WRITE_ONCE(*pprev, next); if (next) WRITE_ONCE(next->pprev,
 * pprev)), then WRITE_ONCE(n->pprev, LIST_POISON2). n->next is left alone, so a reader standing
 * on n walks on to its successor; n may be freed only after a grace period (kfree_rcu).
 */
export function* hlistDelRcu(mem: Memory, n: Addr): Op<void> {
  yield* unlink(mem, 'hlist_del_rcu', n);
  yield* mem.storeAs('hlist_del_rcu', n + HLIST_NODE_PPREV, LIST_POISON2);
}

/** hlist_unhashed(n): !n->pprev */
export function* hlistUnhashed(mem: Memory, n: Addr): Op<boolean> {
  return (yield* mem.loadAs('hlist_unhashed', n + HLIST_NODE_PPREV)) === 0;
}

/** hlist_del_init_rcu(n): if hashed, __hlist_del(n) and WRITE_ONCE(n->pprev, NULL). */
export function* hlistDelInitRcu(mem: Memory, n: Addr): Op<void> {
  if (yield* hlistUnhashed(mem, n)) return;
  yield* unlink(mem, 'hlist_del_init_rcu', n);
  yield* mem.storeAs('hlist_del_init_rcu', n + HLIST_NODE_PPREV, 0);
}

/**
 * hlist_for_each_entry_rcu(pos, h, member): the reader's walk, one load64 per link
 * (rcu_dereference_raw of h->first, then of each pos->next). `visit` runs on each node (its own
 * steps: reading the entry's fields); returning true breaks out of the loop. The caller holds
 * rcu_read_lock() (or whatever its design says protects the walk); the walk does not check.
 * Returns the number of nodes visited.
 */
export function* hlistForEachRcu(mem: Memory, h: Addr, visit: (node: Addr) => Op<boolean | void>): Op<number> {
  const call = 'hlist_for_each_entry_rcu';
  let n = 0;
  for (let pos = link(yield* mem.loadAs(call, firstOf(h))); pos !== 0;) {
    n++;
    if ((yield* visit(pos)) === true) return n;
    pos = link(yield* mem.loadAs(call, nextOf(pos)));
  }
  return n;
}

/** The nodes a reader's walk finds, in order (hlist_for_each_entry_rcu collecting every pos). */
export function* hlistNodesRcu(mem: Memory, h: Addr): Op<Addr[]> {
  const nodes: Addr[] = [];
  yield* hlistForEachRcu(mem, h, function* (node: Addr): Op<void> {
    nodes.push(node);
  });
  return nodes;
}

/** The list as it stands, read with peeks (no step): for tests and the harness. Stops after `limit` nodes or at an unmapped link. */
export function hlistPeek(mem: Memory, h: Addr, limit = 1000): Addr[] {
  const nodes: Addr[] = [];
  for (let pos = mem.peek64(firstOf(h)); pos !== 0 && nodes.length < limit;) {
    nodes.push(pos);
    if (!mem.isMapped(nextOf(pos), 8)) break;
    pos = mem.peek64(nextOf(pos));
  }
  return nodes;
}

/** A link as loaded (load64: never negative), made storable: garbage beyond 2^53 becomes WILD_LINK. */
function link(v: number): Addr {
  return Number.isSafeInteger(v) ? v : WILD_LINK;
}

/** &h->first */
function firstOf(h: Addr): Addr {
  // Stryker disable next-line ArithmeticOperator: first is at offset 0, so h - 0 is an equivalent mutant
  return h + HLIST_HEAD_FIRST;
}

/** &n->next */
function nextOf(n: Addr): Addr {
  // Stryker disable next-line ArithmeticOperator: next is at offset 0, so n - 0 is an equivalent mutant
  return n + HLIST_NODE_NEXT;
}

/** __hlist_del(n) */
function* unlink(mem: Memory, call: string, n: Addr): Op<void> {
  const next = link(yield* mem.loadAs(call, nextOf(n)));
  const pprev = link(yield* mem.loadAs(call, n + HLIST_NODE_PPREV));
  yield* mem.storeAs(call, pprev, next);
  if (next !== 0) yield* mem.storeAs(call, next + HLIST_NODE_PPREV, pprev);
}
