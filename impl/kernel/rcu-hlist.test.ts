import { describe, expect, it } from 'vitest';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import type { Kernel } from './kernel.ts';
import {
  HLIST_HEAD_SIZE,
  HLIST_NODE_NEXT,
  HLIST_NODE_PPREV,
  LIST_POISON2,
  WILD_LINK,
  hlistAddHeadRcu,
  hlistAddTailRcu,
  hlistDelInitRcu,
  hlistDelRcu,
  hlistForEachRcu,
  hlistHeadInit,
  hlistNodeInit,
  hlistNodesRcu,
  hlistPeek,
  hlistUnhashed,
} from './rcu-hlist.ts';
import type { Addr, Op, Step } from './types.ts';

/** an entry: u32 key at 0, the hlist_node at 8, an rcu_head at 24 */
const KEY = 0;
const NODE = 8;
const RHF = 24;
const ENTRY_SIZE = 40;

interface World {
  readonly k: Kernel;
  /** a bucket array of four hlist_heads, kvcalloc'ed */
  readonly buckets: Addr;
  readonly head: Addr;
  /** entry (kmalloc'ed) with `key`; returns its hlist_node */
  entry(key: number): Addr;
}

function world(): World {
  const k = kernelWith(x86(), 1, { pageSize: 256 });
  const buckets = run(k, k.slab.kvcalloc(4, HLIST_HEAD_SIZE));
  const entry = (key: number): Addr => {
    const e = run(k, k.slab.kmalloc(ENTRY_SIZE));
    run(k, k.mem.store32(e + KEY, key));
    return e + NODE;
  };
  return { k, buckets, head: buckets + HLIST_HEAD_SIZE, entry };
}

function stepsOf(k: Kernel, op: Op<unknown>, cpu = 0): Step[] {
  const steps: Step[] = [];
  k.mem.currentCpu = cpu;
  for (let r = op.next(); !r.done; r = op.next()) {
    steps.push(r.value);
    k.mem.currentCpu = cpu;
  }
  return steps;
}

/** The keys a reader finds walking the list inside rcu_read_lock(). */
function* readKeys(k: Kernel, head: Addr): Op<number[]> {
  const keys: number[] = [];
  yield* k.rcu.readLock();
  yield* hlistForEachRcu(k.mem, head, function* (node: Addr): Op<void> {
    keys.push(yield* k.mem.load32(node - NODE + KEY));
  });
  yield* k.rcu.readUnlock();
  return keys;
}

function keysOf(w: World): number[] {
  return hlistPeek(w.k.mem, w.head).map((n) => w.k.mem.peek32(n - NODE + KEY));
}

describe('RCU hlist: the write side, sequentially', () => {
  it('hlist_add_head_rcu: a load of h->first, then four stores, the publication third', () => {
    const w = world();
    const { k, head } = w;
    const a = w.entry(1);
    const b = w.entry(2);
    expect(stepsOf(k, hlistAddHeadRcu(k.mem, a, head))).toEqual([
      { kind: 'load64', addr: head, size: 8, call: 'hlist_add_head_rcu' },
      { kind: 'store64', addr: a + HLIST_NODE_NEXT, size: 8, value: 0, call: 'hlist_add_head_rcu' },
      { kind: 'store64', addr: a + HLIST_NODE_PPREV, size: 8, value: head, call: 'hlist_add_head_rcu' },
      { kind: 'store64', addr: head, size: 8, value: a, call: 'hlist_add_head_rcu' },
    ]);
    const steps = stepsOf(k, hlistAddHeadRcu(k.mem, b, head));
    expect(steps.map((s) => [s.kind, s.addr, s.value])).toEqual([
      ['load64', head, undefined],
      ['store64', b + HLIST_NODE_NEXT, a],
      ['store64', b + HLIST_NODE_PPREV, head],
      ['store64', head, b],
      ['store64', a + HLIST_NODE_PPREV, b + HLIST_NODE_NEXT],
    ]);
    expect(keysOf(w)).toEqual([2, 1]);
    expect(run(k, hlistNodesRcu(k.mem, head))).toEqual([b, a]);
  });

  it('hlist_add_tail_rcu walks to the end and publishes through last->next; on an empty list it adds at the head', () => {
    const w = world();
    const { k, head } = w;
    const a = w.entry(1);
    const b = w.entry(2);
    const c = w.entry(3);
    const first = stepsOf(k, hlistAddTailRcu(k.mem, a, head));
    expect(first.map((s) => s.call)).toEqual([
      'hlist_add_tail_rcu',
      'hlist_add_head_rcu',
      'hlist_add_head_rcu',
      'hlist_add_head_rcu',
      'hlist_add_head_rcu',
    ]);
    run(k, hlistAddTailRcu(k.mem, b, head));
    const steps = stepsOf(k, hlistAddTailRcu(k.mem, c, head));
    expect(steps.map((s) => [s.kind, s.addr, s.value, s.call])).toEqual([
      ['load64', head, undefined, 'hlist_add_tail_rcu'],
      ['load64', a + HLIST_NODE_NEXT, undefined, 'hlist_add_tail_rcu'],
      ['load64', b + HLIST_NODE_NEXT, undefined, 'hlist_add_tail_rcu'],
      ['load64', b + HLIST_NODE_NEXT, undefined, 'hlist_add_tail_rcu'],
      ['store64', c + HLIST_NODE_NEXT, 0, 'hlist_add_tail_rcu'],
      ['store64', c + HLIST_NODE_PPREV, b + HLIST_NODE_NEXT, 'hlist_add_tail_rcu'],
      ['store64', b + HLIST_NODE_NEXT, c, 'hlist_add_tail_rcu'],
    ]);
    expect(keysOf(w)).toEqual([1, 2, 3]);
    expect(k.mem.peek64(c + HLIST_NODE_PPREV)).toBe(b + HLIST_NODE_NEXT);
  });

  it('hlist_del_rcu unlinks the head, a middle and the last node, poisons pprev and keeps next', () => {
    const w = world();
    const { k, head } = w;
    const n = [1, 2, 3, 4].map((key) => w.entry(key));
    for (const x of n) run(k, hlistAddTailRcu(k.mem, x, head));
    const mid = stepsOf(k, hlistDelRcu(k.mem, n[1]));
    expect(mid.map((s) => [s.kind, s.addr, s.value])).toEqual([
      ['load64', n[1] + HLIST_NODE_NEXT, undefined],
      ['load64', n[1] + HLIST_NODE_PPREV, undefined],
      ['store64', n[0] + HLIST_NODE_NEXT, n[2]],
      ['store64', n[2] + HLIST_NODE_PPREV, n[0] + HLIST_NODE_NEXT],
      ['store64', n[1] + HLIST_NODE_PPREV, LIST_POISON2],
    ]);
    expect(mid.every((s) => s.call === 'hlist_del_rcu')).toBe(true);
    expect(keysOf(w)).toEqual([1, 3, 4]);
    expect(k.mem.peek64(n[1] + HLIST_NODE_NEXT)).toBe(n[2]); // a reader on n[1] walks on to n[2]
    run(k, hlistDelRcu(k.mem, n[3]));
    expect(keysOf(w)).toEqual([1, 3]);
    expect(stepsOf(k, hlistDelRcu(k.mem, n[0])).map((s) => s.addr)).toEqual([
      n[0] + HLIST_NODE_NEXT,
      n[0] + HLIST_NODE_PPREV,
      head,
      n[2] + HLIST_NODE_PPREV,
      n[0] + HLIST_NODE_PPREV,
    ]);
    expect(keysOf(w)).toEqual([3]);
    expect(k.mem.peek64(n[2] + HLIST_NODE_PPREV)).toBe(head);
    expect(k.violations).toEqual([]);
  });

  it('a second hlist_del_rcu stores through LIST_POISON2 and is caught', () => {
    const w = world();
    const { k, head } = w;
    const a = w.entry(1);
    run(k, hlistAddHeadRcu(k.mem, a, head));
    run(k, hlistDelRcu(k.mem, a));
    run(k, hlistDelRcu(k.mem, a), 1);
    expect(k.violations.map((v) => [v.kind, v.addr, v.cpu])).toEqual([['write-unmapped', LIST_POISON2, 1]]);
  });

  it('INIT_HLIST_HEAD / INIT_HLIST_NODE clear, hlist_del_init_rcu leaves the node unhashed and is idempotent', () => {
    const w = world();
    const { k, head } = w;
    const garbage = run(k, k.slab.kmalloc(HLIST_HEAD_SIZE));
    expect(k.mem.peek64(garbage)).not.toBe(0);
    expect(stepsOf(k, hlistHeadInit(k.mem, garbage))).toEqual([
      { kind: 'store64', addr: garbage, size: 8, value: 0, call: 'INIT_HLIST_HEAD' },
    ]);
    expect(hlistPeek(k.mem, garbage)).toEqual([]);
    const a = w.entry(1);
    const b = w.entry(2);
    expect(stepsOf(k, hlistNodeInit(k.mem, a)).map((s) => [s.addr, s.value, s.call])).toEqual([
      [a + HLIST_NODE_NEXT, 0, 'INIT_HLIST_NODE'],
      [a + HLIST_NODE_PPREV, 0, 'INIT_HLIST_NODE'],
    ]);
    expect(run(k, hlistUnhashed(k.mem, a))).toBe(true);
    run(k, hlistAddHeadRcu(k.mem, a, head));
    run(k, hlistAddHeadRcu(k.mem, b, head));
    expect(run(k, hlistUnhashed(k.mem, a))).toBe(false);
    const steps = stepsOf(k, hlistDelInitRcu(k.mem, a));
    expect(steps.map((s) => [s.kind, s.call])).toEqual([
      ['load64', 'hlist_unhashed'],
      ['load64', 'hlist_del_init_rcu'],
      ['load64', 'hlist_del_init_rcu'],
      ['store64', 'hlist_del_init_rcu'],
      ['store64', 'hlist_del_init_rcu'],
    ]);
    expect(steps[4]).toMatchObject({ addr: a + HLIST_NODE_PPREV, value: 0 });
    expect(keysOf(w)).toEqual([2]);
    expect(run(k, hlistUnhashed(k.mem, a))).toBe(true);
    expect(stepsOf(k, hlistDelInitRcu(k.mem, a))).toHaveLength(1); // unhashed: nothing to do
    expect(keysOf(w)).toEqual([2]);
    expect(k.violations).toEqual([]);
  });
});

describe('RCU hlist: the reader’s walk', () => {
  it('is one load64 per link, calls visit on each node and stops when it returns true', () => {
    const w = world();
    const { k, head } = w;
    const n = [1, 2, 3].map((key) => w.entry(key));
    for (const x of n) run(k, hlistAddTailRcu(k.mem, x, head));
    const seen: Addr[] = [];
    const walk = hlistForEachRcu(k.mem, head, function* (node: Addr): Op<boolean> {
      seen.push(node);
      return (yield* k.mem.load32(node - NODE + KEY)) === 2;
    });
    const steps = stepsOf(k, walk);
    expect(steps.map((s) => [s.kind, s.addr, s.call])).toEqual([
      ['load64', head, 'hlist_for_each_entry_rcu'],
      ['load32', n[0] - NODE, undefined],
      ['load64', n[0] + HLIST_NODE_NEXT, 'hlist_for_each_entry_rcu'],
      ['load32', n[1] - NODE, undefined],
    ]);
    expect(seen).toEqual([n[0], n[1]]);
    expect(
      run(
        k,
        hlistForEachRcu(k.mem, head, function* () {}),
      ),
    ).toBe(3);
    expect(
      run(
        k,
        hlistForEachRcu(k.mem, head, function* () {
          return true;
        }),
      ),
    ).toBe(1);
    expect(
      run(
        k,
        hlistForEachRcu(k.mem, w.buckets, function* () {}),
      ),
    ).toBe(0); // an empty bucket
  });

  it('hlistPeek stops at an unmapped link and after `limit` nodes', () => {
    const w = world();
    const { k, head } = w;
    const a = w.entry(1);
    run(k, hlistAddHeadRcu(k.mem, a, head));
    run(k, k.mem.store64(a + HLIST_NODE_NEXT, a)); // a cycle
    expect(hlistPeek(k.mem, head, 3)).toEqual([a, a, a]);
    run(k, k.mem.store64(a + HLIST_NODE_NEXT, 0x40));
    expect(hlistPeek(k.mem, head)).toEqual([a, 0x40]);
  });
});

describe('RCU hlist: readers against updates, step by step', () => {
  /**
   * Every schedule with at most two switches: the writer runs `j` steps, the reader `i`, the
   * writer the rest, the reader the rest (on a fresh world each time). Returns every list the
   * reader saw and every violation.
   */
  function interleavings(
    setup: (w: World) => Op<void>,
    mkUpdate: (w: World) => Op<void>,
  ): { seen: number[][]; violations: string[] } {
    const seen: number[][] = [];
    const violations: string[] = [];
    for (let j = 0, writerLeft = true; writerLeft; j++) {
      for (let i = 0, readerLeft = true; readerLeft; i++) {
        const w = world();
        run(w.k, setup(w));
        const writer = new Stepper(w.k, 0, mkUpdate(w));
        for (let n = 0; n < j && !writer.done; n++) writer.resume();
        writerLeft = !writer.done;
        const reader = new Stepper(w.k, 1, readKeys(w.k, w.head));
        for (let n = 0; n < i && !reader.done; n++) reader.resume();
        readerLeft = !reader.done;
        if (!writer.done) writer.finish();
        seen.push(reader.finish());
        violations.push(...w.k.violations.map((v) => v.kind));
      }
    }
    return { seen, violations };
  }

  it('hlist_add_head_rcu: a reader sees the old list or the new one, never a torn one', () => {
    let a = 0;
    const { seen, violations } = interleavings(
      function* (w) {
        for (const key of [1, 2]) yield* hlistAddHeadRcu(w.k.mem, w.entry(key), w.head);
        a = w.entry(9);
      },
      (w) => hlistAddHeadRcu(w.k.mem, a, w.head),
    );
    expect(seen.length).toBeGreaterThan(4);
    expect(new Set(seen.map((s) => s.join()))).toEqual(new Set(['2,1', '9,2,1']));
    expect(violations).toEqual([]);
  });

  it('publishing before initialising n->next (the wrong order) hands a reader a torn list', () => {
    let a = 0;
    function* wrongOrder(w: World): Op<void> {
      const first = yield* w.k.mem.load64(w.head);
      yield* w.k.mem.store64(w.head, a); // rcu_assign_pointer first: n->next is still kmalloc garbage
      yield* w.k.mem.store64(a + HLIST_NODE_NEXT, first);
      yield* w.k.mem.store64(a + HLIST_NODE_PPREV, w.head);
    }
    const { seen, violations } = interleavings(function* (w) {
      for (const key of [1, 2]) yield* hlistAddHeadRcu(w.k.mem, w.entry(key), w.head);
      a = w.entry(9);
    }, wrongOrder);
    // 2 and 1 lost: the reader followed n->next while it still held kmalloc garbage
    expect(new Set(seen.map((s) => s.join()))).toEqual(new Set(['2,1', '9,2,1', '9,0']));
    expect(new Set(violations)).toEqual(new Set(['read-unmapped']));
  });

  it('hlist_del_rcu: a reader standing on the removed node walks on to its successor', () => {
    let victim = 0;
    const { seen, violations } = interleavings(
      function* (w) {
        const n = [1, 2, 3].map((key) => w.entry(key));
        for (const x of n) yield* hlistAddTailRcu(w.k.mem, x, w.head);
        victim = n[1];
      },
      (w) => hlistDelRcu(w.k.mem, victim),
    );
    expect(new Set(seen.map((s) => s.join()))).toEqual(new Set(['1,2,3', '1,3']));
    expect(violations).toEqual([]);
  });

  /** cpu1 walks to node 2 and stops there; cpu0 removes node 2 and frees it with `free` */
  function removeUnderReader(free: 'kfree' | 'kfree_rcu'): { k: Kernel; keys: number[]; node: Addr } {
    const w = world();
    const { k, head } = w;
    const n = [1, 2, 3].map((key) => w.entry(key));
    for (const x of n) run(k, hlistAddTailRcu(k.mem, x, head));
    const reader = new Stepper(k, 1, readKeys(k, head));
    reader.runUntil((s) => s.kind === 'load32' && s.addr === n[1] - NODE + KEY);
    function* remove(): Op<void> {
      yield* hlistDelRcu(k.mem, n[1]);
      if (free === 'kfree') yield* k.slab.kfree(n[1] - NODE);
      else yield* k.slab.kfreeRcu(n[1] - NODE, RHF);
      yield* k.rcu.invokeCallbacks();
    }
    run(k, remove(), 0);
    const keys = reader.finish();
    run(k, k.rcu.invokeCallbacks(), 0);
    return { k, keys, node: n[1] };
  }

  it('kfree_rcu of the removed node waits for the reader on it, which still finds its successor', () => {
    const { k, keys, node } = removeUnderReader('kfree_rcu');
    expect(keys).toEqual([1, 2, 3]);
    expect(k.violations).toEqual([]);
    expect(k.slab.objectAt(node)?.freed).toBe(true);
  });

  it('kfree of the removed node: the reader on it reads freed memory and its walk ends in poison', () => {
    const { k, keys, node } = removeUnderReader('kfree');
    expect(keys).toEqual([1, 0x6b6b6b6b, 0]);
    expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([
      ['read-freed', 1, node - NODE + KEY],
      ['read-freed', 1, node + HLIST_NODE_NEXT],
      ['read-unmapped', 1, WILD_LINK - NODE + KEY],
      ['read-unmapped', 1, WILD_LINK + HLIST_NODE_NEXT],
    ]);
  });

  it('an update through a freed node stores its poison back as WILD_LINK instead of crashing', () => {
    const w = world();
    const { k, head } = w;
    const a = w.entry(1);
    run(k, hlistAddHeadRcu(k.mem, a, head));
    run(k, k.slab.kfree(a - NODE));
    run(k, hlistDelRcu(k.mem, a)); // next and pprev are poison
    const b = w.entry(2);
    run(k, k.mem.store64(head, a)); // and a head that still points at the freed node
    run(k, hlistAddHeadRcu(k.mem, b, head));
    run(k, hlistAddTailRcu(k.mem, w.entry(3), head));
    expect(k.mem.peek64(b + HLIST_NODE_NEXT)).toBe(a);
    expect(k.violations.map((v) => [v.kind, v.addr])).toEqual([
      ['read-freed', a + HLIST_NODE_NEXT], // hlist_del_rcu(a)
      ['read-freed', a + HLIST_NODE_PPREV],
      ['write-unmapped', WILD_LINK],
      ['write-unmapped', WILD_LINK + HLIST_NODE_PPREV],
      ['write-freed', a + HLIST_NODE_PPREV],
      ['write-freed', a + HLIST_NODE_PPREV], // hlist_add_head_rcu(b): first->pprev
      ['read-freed', a + HLIST_NODE_NEXT], // hlist_add_tail_rcu: the walk
      ['read-unmapped', WILD_LINK + HLIST_NODE_NEXT],
      ['read-unmapped', WILD_LINK + HLIST_NODE_NEXT],
      ['write-unmapped', WILD_LINK + HLIST_NODE_NEXT],
    ]);
  });
});
