import { describe, expect, it } from 'vitest';
import type { Kernel } from '../kernel/kernel.ts';
import { u32le } from '../kernel/le.ts';
import type { Addr } from '../kernel/types.ts';
import { bytesAt, run } from '../testing/fixtures.ts';
import { lockedGet, lockedPut, setup } from './kit.ts';
import { ARRAY_FLAGS, ARRAY_MDS, ARRAY_USED, BPF_TRAMP_FENTRY } from './layout.ts';

// struct kfunc_md_array (01/25): slot allocation, growth and its failures, the stepwise release of old arrays

const NOPS = [0x90, 0x90, 0x90, 0x90, 0x90];
const percpuLive = (k: Kernel): number => k.slab.list().filter((b) => b.kind === 'percpu' && !b.freed).length;

/** f0 and f1 fill the first array (two 64-byte entries per 128-byte page) */
function full() {
  const t = setup();
  run(t.k, lockedGet(t.s, t.ip(0)));
  run(t.k, lockedGet(t.s, t.ip(1)));
  return t;
}

describe('may25: kfunc_md_fast_next', () => {
  it('scans only while atomic_read(used) < count: used == count grows although a slot is free', () => {
    const { k, s, ip, array, slot } = full();
    run(k, lockedPut(s, slot(1)));
    expect(s.inspect().used).toBe(1);
    const first = array();
    k.mem.writeDirect(first + ARRAY_USED, u32le(2), false);
    const md = run(k, lockedGet(s, ip(2)));
    expect(array()).not.toBe(first);
    // the scan of the doubled copy (used 2 < 4) takes the free slot 1 there
    expect(md).toBe(slot(1));
    expect(s.inspect()).toMatchObject({ count: 4, used: 3 });
  });

  it('compares the int used as the u32 count does: a negative used reads as huge, so create grows until allocation fails', () => {
    const { k, s, ip, array, slot } = full();
    run(k, lockedPut(s, slot(1)));
    k.mem.writeDirect(array() + ARRAY_USED, u32le(0xffffffff), false);
    // each growth allocates the array, the mds and f0's ref (counters, data); every copy keeps used -1
    k.failNextAllocations(1, 3 * 4);
    expect(run(k, lockedGet(s, ip(2)))).toBe(0);
    expect(s.inspect()).toMatchObject({ count: 16, used: -1 });
    expect(s.arrays.published).toHaveLength(4);
  });

  it('a growth whose kfunc_md_array kmalloc fails: create returns NULL, nothing is published or patched', () => {
    const { k, s, ip, array } = full();
    const before = { array: array(), live: k.slab.live, callbacks: k.rcu.pendingCallbacks('rcu_tasks') };
    k.failNextAllocations(1);
    expect(run(k, lockedGet(s, ip(2)))).toBe(0);
    expect(array()).toBe(before.array);
    expect(k.mem.peek64(before.array + ARRAY_FLAGS)).toBe(0);
    expect(k.rcu.pendingCallbacks('rcu_tasks')).toBe(before.callbacks);
    expect(k.slab.live).toBe(before.live);
    expect(bytesAt(k, ip(2) - 16, 5)).toEqual(NOPS);
    expect(s.inspect()).toMatchObject({ count: 2, used: 2 });
    // the next create grows normally
    expect(run(k, lockedGet(s, ip(2)))).not.toBe(0);
    expect(s.inspect().count).toBe(4);
  });

  it('a growth whose kvmalloc_array of the mds fails frees the new kfunc_md_array', () => {
    const { k, s, ip, array } = full();
    const before = { array: array(), live: k.slab.live };
    k.failNextAllocations(1, 1);
    expect(run(k, lockedGet(s, ip(2)))).toBe(0);
    expect(array()).toBe(before.array);
    expect(k.slab.live).toBe(before.live);
    expect(k.violations).toEqual([]);
  });

  it('a percpu_ref_init failing for a copied md exits the refs set up so far and frees both allocations', () => {
    // allocations of a growth: the array (1), the mds (2), per live md its counters (3, 5) and data (4, 6)
    for (const after of [2, 3, 4]) {
      const { k, s, ip, array, slot } = full();
      const before = { array: array(), live: k.slab.live, percpu: percpuLive(k) };
      k.failNextAllocations(1, after);
      expect(run(k, lockedGet(s, ip(2)))).toBe(0);
      expect(array()).toBe(before.array);
      expect(k.slab.live).toBe(before.live);
      expect(percpuLive(k)).toBe(before.percpu);
      // the old array's refs are untouched: f0 and f1 can still be put cleanly
      run(k, lockedPut(s, slot(0)));
      run(k, lockedPut(s, slot(1)));
      expect(k.violations).toEqual([]);
      expect(k.warnings).toEqual([]);
    }
  });

  it('a growth gives every copied md with users its own ref and md->array = new; free slots get neither', () => {
    const { k, s, ip, array, slot } = full();
    run(k, lockedGet(s, ip(2)));
    const ref = (md: Addr) => k.percpuRef.peek(md + s.layout.pcref);
    for (const i of [0, 1, 2]) {
      expect(k.mem.peek64(slot(i) + (s.layout.array ?? NaN))).toBe(array());
      expect(ref(slot(i)).percpu).not.toBe(0);
    }
    expect(k.mem.peek64(slot(3) + (s.layout.array ?? NaN))).toBe(0);
    expect(ref(slot(3)).percpu).toBe(0);
    expect(percpuLive(k)).toBe(3 + 2);
  });
});

describe('may25: releasing a grown-out array', () => {
  it('one RCU Tasks period kills the live mds; their releases queue a second; its work frees the mds, kfree_rcu the array', () => {
    const { k, s, ip, array } = full();
    const old = array();
    const oldMds = k.mem.peek64(old + ARRAY_MDS);
    const oldRef = (i: number) => k.percpuRef.peek(oldMds + i * s.layout.size + s.layout.pcref);
    run(k, lockedGet(s, ip(2)));
    // empty_array's callback and the old array's
    expect(k.rcu.pendingCallbacks('rcu_tasks')).toBe(2);
    run(k, k.rcu.barrier('rcu_tasks'));
    // used was 2: kill, not free; each kill released at once and decremented used, the second to 0
    expect(oldRef(0).dead).toBe(true);
    expect(oldRef(1).dead).toBe(true);
    expect(k.mem.peek32(old + ARRAY_USED)).toBe(0);
    expect(k.slab.objectAt(oldMds)?.freed).toBe(false);
    expect(k.rcu.pendingCallbacks('rcu_tasks')).toBe(1);
    expect(s.inspect().retained).toEqual([oldMds]);
    run(k, k.rcu.barrier('rcu_tasks'));
    // used 0: every md with users has its ref exited, the mds are kvfree'd, the array waits for kfree_rcu
    expect(k.slab.objectAt(oldMds)?.freed).toBe(true);
    expect(k.slab.objectAt(old)?.freed).toBe(false);
    expect(s.inspect().retained).toEqual([]);
    expect(percpuLive(k)).toBe(3);
    run(k, k.rcu.barrier('rcu'));
    expect(k.slab.objectAt(old)?.freed).toBe(true);
    expect(k.violations).toEqual([]);
    expect(k.warnings).toEqual([]);
  });

  it('a reused slot starts zeroed: kfunc_md_fast_create memsets away the previous md (its stale prog list)', () => {
    const { k, s, ip, slot } = setup(undefined, 6, { pageSize: 256 });
    const md = run(k, lockedGet(s, ip(0)));
    k.mem.writeDirect(md + s.layout.nrArgs, [7], false);
    run(k, s.bpfLink(md, 0xffff_c000_1000, BPF_TRAMP_FENTRY));
    // put without unlinking: bpf_progs[FENTRY] and bpf_prog_cnt stay in the slot
    run(k, lockedPut(s, md));
    expect(k.mem.peek64(md + s.layout.bpfProgs)).not.toBe(0);
    expect(run(k, lockedGet(s, ip(1)))).toBe(slot(0));
    expect(k.mem.peek64(md + s.layout.bpfProgs)).toBe(0);
    expect(k.mem.peek8(md + s.layout.bpfProgCnt)).toBe(0);
    expect(k.mem.peek8(md + s.layout.nrArgs)).toBe(0);
    expect(s.inspect().entries[0]).toEqual({ md, users: 1, func: ip(1) });
  });
});
