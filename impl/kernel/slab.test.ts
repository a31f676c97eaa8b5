import { describe, expect, it } from 'vitest';
import { GFP_KERNEL, __GFP_ZERO } from './gfp.ts';
import { bytesAt, kernelWith, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import type { Kernel } from './kernel.ts';
import { RCU_HEAD_FUNC } from './rcu-flavours.ts';
import { KMALLOC_BASE, KMALLOC_REDZONE, NR_CPUS, POISON_FREE, VMALLOC_BASE, ZERO_SIZE_PTR } from './slab.ts';
import type { Addr, Op, Step } from './types.ts';

/** 64-byte pages: KMALLOC_MAX_CACHE_SIZE is 128, KMALLOC_MAX_SIZE 64 << 3 = 512 */
function kernel(): Kernel {
  return kernelWith(x86(), 1, { pageSize: 64, maxOrder: 3 });
}

function firstStep(k: Kernel, op: Op<unknown>, cpu = 0): Step {
  k.mem.currentCpu = cpu;
  const r = op.next();
  if (r.done) throw new Error('no step');
  return r.value;
}

describe('kmalloc and kzalloc', () => {
  it('hand out objects of exactly the size asked for, holding garbage, in one alloc_pages step named kmalloc', () => {
    const k = kernel();
    expect(firstStep(k, k.slab.kmalloc(24))).toEqual({ kind: 'alloc_pages', call: 'kmalloc', size: 24 });
    const t = k.mem.tick;
    const a = run(k, k.slab.kmalloc(24));
    expect(k.mem.tick).toBe(t + 1);
    expect(a).toBe(KMALLOC_BASE); // the first op above was started, never resumed: it took nothing
    expect(bytesAt(k, a, 24)).toEqual(new Array<number>(24).fill(0xa5));
    expect(k.mem.isMapped(a, 24)).toBe(true);
    expect(k.mem.isMapped(a + 24, 1)).toBe(false); // redzone
    run(k, k.mem.load8(a + 24));
    expect(k.violations.map((v) => [v.kind, v.addr])).toEqual([['read-unmapped', a + 24]]);
    expect(k.slab.list()).toEqual([{ addr: a, size: 24, kind: 'kmalloc', freed: false }]);
    expect(k.slab.attempts).toBe(1);
  });

  it('kzalloc zeroes, and so does __GFP_ZERO on kmalloc', () => {
    const k = kernel();
    expect(firstStep(k, k.slab.kzalloc(8))).toEqual({ kind: 'alloc_pages', call: 'kzalloc', size: 8 });
    const z = run(k, k.slab.kzalloc(12));
    expect(bytesAt(k, z, 12)).toEqual(new Array<number>(12).fill(0));
    const g = run(k, k.slab.kmalloc(12, GFP_KERNEL | __GFP_ZERO));
    expect(bytesAt(k, g, 12)).toEqual(new Array<number>(12).fill(0));
    expect(bytesAt(k, run(k, k.slab.kmalloc(12, GFP_KERNEL)), 12)[0]).toBe(0xa5);
  });

  it('aligns each object to its power-of-two size class (8 at least, PAGE_SIZE at most) and keeps a redzone between them', () => {
    const k = kernel();
    const sizes = [3, 8, 9, 24, 64, 100, 200];
    const addrs = sizes.map((n) => run(k, k.slab.kmalloc(n)));
    const aligns = [8, 8, 16, 32, 64, 64, 64];
    addrs.forEach((a, i) => expect(a % aligns[i]).toBe(0));
    for (let i = 1; i < addrs.length; i++)
      expect(addrs[i] - (addrs[i - 1] + sizes[i - 1])).toBeGreaterThanOrEqual(KMALLOC_REDZONE);
    expect(addrs[0]).toBe(KMALLOC_BASE);
    expect(addrs[1]).toBe(KMALLOC_BASE + 3 + KMALLOC_REDZONE + 5); // 19 rounded up to 24
    expect(k.slab.list().map((o) => o.kind)).toEqual(new Array<string>(7).fill('kmalloc'));
  });

  it('kmalloc(0) is ZERO_SIZE_PTR, no object, and unmapped', () => {
    const k = kernel();
    expect(run(k, k.slab.kmalloc(0))).toBe(ZERO_SIZE_PTR);
    expect(k.slab.list()).toEqual([]);
    run(k, k.slab.kfree(ZERO_SIZE_PTR));
    expect(k.violations).toEqual([]);
    run(k, k.mem.load32(ZERO_SIZE_PTR));
    expect(k.violations.map((v) => v.kind)).toEqual(['read-unmapped']);
  });

  it('kmalloc fails above KMALLOC_MAX_SIZE (PAGE_SIZE << MAX_PAGE_ORDER) and a bad size is a programming error', () => {
    const k = kernel();
    expect(k.slab.kmallocMaxSize).toBe(512);
    expect(run(k, k.slab.kmalloc(513))).toBe(0);
    expect(run(k, k.slab.kmalloc(512))).not.toBe(0);
    expect(k.slab.attempts).toBe(2);
    expect(() => run(k, k.slab.kmalloc(-1))).toThrow('kmalloc: size -1');
    expect(() => run(k, k.slab.kvmalloc(1.5))).toThrow(RangeError);
  });
});

describe('kvmalloc and friends', () => {
  it('is kmalloc up to KMALLOC_MAX_CACHE_SIZE (two pages) and vmalloc above, page-granular with a guard page', () => {
    const k = kernel();
    expect(k.slab.kmallocMaxCacheSize).toBe(128);
    const small = run(k, k.slab.kvmalloc(128));
    const big = run(k, k.slab.kvmalloc(129));
    const next = run(k, k.slab.kvzalloc(1000));
    expect(small).toBeLessThan(VMALLOC_BASE);
    expect(big).toBe(VMALLOC_BASE);
    expect(k.mem.isMapped(big, 192)).toBe(true); // 129 rounded up to three pages
    expect(k.mem.isMapped(big + 192, 1)).toBe(false); // the guard page
    expect(next).toBe(VMALLOC_BASE + 192 + 64);
    expect(bytesAt(k, next, 1000).every((b) => b === 0)).toBe(true);
    expect(bytesAt(k, big, 192).every((b) => b === 0xa5)).toBe(true);
    expect(k.slab.list().map((o) => [o.kind, o.size])).toEqual([
      ['kmalloc', 128],
      ['vmalloc', 129],
      ['vmalloc', 1000],
    ]);
  });

  it('kvmalloc_array and kvcalloc multiply, and return NULL when the product overflows', () => {
    const k = kernel();
    expect(firstStep(k, k.slab.kvmallocArray(3, 8))).toEqual({ kind: 'alloc_pages', call: 'kvmalloc_array', size: 24 });
    expect(firstStep(k, k.slab.kvcalloc(2, 8))).toEqual({ kind: 'alloc_pages', call: 'kvcalloc', size: 16 });
    const a = run(k, k.slab.kvmallocArray(3, 8));
    expect(k.slab.objectAt(a)).toEqual({ addr: a, size: 24, kind: 'kmalloc', freed: false });
    expect(k.slab.objectAt(a + 23)?.addr).toBe(a);
    expect(k.slab.objectAt(a + 24)).toBeUndefined();
    expect(k.slab.objectAt(a - 1)).toBeUndefined();
    expect(bytesAt(k, a, 24)[0]).toBe(0xa5);
    const c = run(k, k.slab.kvcalloc(5, 40));
    expect(k.slab.objectAt(c + 199)).toMatchObject({ addr: c, size: 200, kind: 'vmalloc' });
    expect(bytesAt(k, c, 200).every((b) => b === 0)).toBe(true);
    expect(run(k, k.slab.kvmallocArray(2 ** 40, 2 ** 20))).toBe(0);
    expect(run(k, k.slab.kvmalloc(0))).toBe(ZERO_SIZE_PTR);
    expect(k.slab.live).toBe(2);
  });

  it('injects failures into the next allocations, whichever function makes them', () => {
    const k = kernel();
    k.slab.failNextAllocations(3);
    const got = [
      run(k, k.slab.kmalloc(8)),
      run(k, k.slab.kvmalloc(500)),
      run(k, k.slab.kzalloc(0)),
      run(k, k.slab.kvzalloc(8)),
      run(k, k.slab.kmalloc(8)),
    ];
    expect(got.map((a) => a !== 0)).toEqual([false, false, false, true, true]);
    expect(k.slab.attempts).toBe(5);
    expect(k.slab.live).toBe(2);
    expect(k.pages.attempts).toBe(0); // the page allocator is another allocator
  });
});

describe('kfree and kvfree', () => {
  it('poison the object in one free_pages step; any later access is a use-after-free', () => {
    const k = kernel();
    const a = run(k, k.slab.kmalloc(24));
    expect(firstStep(k, k.slab.kfree(a))).toEqual({ kind: 'free_pages', call: 'kfree', addr: a, size: 24 });
    run(k, k.mem.store32(a, 7));
    const t = k.mem.tick;
    run(k, k.slab.kfree(a), 1);
    expect(k.mem.tick).toBe(t + 1);
    expect(bytesAt(k, a, 24)).toEqual(new Array<number>(24).fill(POISON_FREE));
    expect(run(k, k.mem.load32(a + 4), 2)).toBe(0x6b6b6b6b);
    run(k, k.mem.store64(a + 8, 0));
    expect(k.violations.map((v) => [v.kind, v.addr, v.cpu, v.note])).toEqual([
      ['read-freed', a + 4, 2, `load32 from freed kmalloc-24 at 0x${(a + 4).toString(16)}`],
      ['write-freed', a + 8, 0, `store64 to freed kmalloc-24 at 0x${(a + 8).toString(16)}`],
    ]);
    expect(k.slab.list()).toEqual([{ addr: a, size: 24, kind: 'kmalloc', freed: true }]);
    expect(k.slab.live).toBe(0);
    // never handed out again
    expect(run(k, k.slab.kmalloc(24))).not.toBe(a);
  });

  it('kfree(NULL) is a step that does nothing', () => {
    const k = kernel();
    expect(firstStep(k, k.slab.kfree(0))).toEqual({ kind: 'free_pages', call: 'kfree', addr: 0 });
    run(k, k.slab.kfree(0));
    run(k, k.slab.kvfree(0));
    expect(k.violations).toEqual([]);
  });

  it('a double free, a pointer into an object and a pointer kmalloc never returned are violations', () => {
    const k = kernel();
    const a = run(k, k.slab.kmalloc(32));
    const page = run(k, k.mem.allocPages(0));
    run(k, k.slab.kfree(a + 8));
    run(k, k.slab.kfree(page));
    run(k, k.slab.kvfree(a));
    run(k, k.slab.kvfree(a));
    const h = (x: Addr): string => `0x${x.toString(16)}`;
    expect(k.violations.map((v) => [v.kind, v.addr, v.note])).toEqual([
      ['free-unknown', a + 8, `kfree(${h(a + 8)}) points inside the kmalloc object at ${h(a)}, not at its start`],
      ['free-unknown', page, `kfree(${h(page)}) of something kmalloc/kvmalloc/alloc_percpu never returned`],
      ['double-free', a, `kvfree(${h(a)}) of an already freed kmalloc object`],
    ]);
    expect(bytesAt(k, page, 4)).toEqual([0xa5, 0xa5, 0xa5, 0xa5]);
  });

  it('kfree of a vmalloc’ed kvmalloc block is a mismatch and frees nothing; kvfree frees it', () => {
    const k = kernel();
    const v = run(k, k.slab.kvmalloc(300));
    run(k, k.slab.kfree(v));
    expect(k.violations.map((x) => [x.kind, x.note])).toEqual([
      ['free-mismatch', `kfree(0x${v.toString(16)}) of vmalloc'ed memory (kvmalloc fell back to vmalloc: use kvfree)`],
    ]);
    expect(k.slab.objectAt(v)?.freed).toBe(false);
    expect(firstStep(k, k.slab.kvfree(v))).toEqual({ kind: 'free_pages', call: 'kvfree', addr: v, size: 320 });
    run(k, k.slab.kvfree(v));
    expect(k.slab.objectAt(v)?.freed).toBe(true);
    expect(bytesAt(k, v + 310, 10)).toEqual(new Array<number>(10).fill(POISON_FREE));
    expect(k.violations).toHaveLength(1);
  });
});

describe('alloc_percpu and free_percpu', () => {
  it('hand out NR_CPUS zeroed copies side by side, freed only by free_percpu', () => {
    const k = kernel();
    expect(NR_CPUS).toBe(8);
    expect(firstStep(k, k.slab.allocPercpu(4))).toEqual({ kind: 'alloc_pages', call: '__alloc_percpu_gfp', size: 32 });
    const p = run(k, k.slab.allocPercpu(4));
    expect(k.slab.objectAt(p)).toEqual({ addr: p, size: 32, kind: 'percpu', freed: false });
    expect(p % 32).toBe(0);
    expect(bytesAt(k, p, 32)).toEqual(new Array<number>(32).fill(0));
    expect(k.mem.isMapped(p + 32, 1)).toBe(false);
    const o = run(k, k.slab.kmalloc(8));
    run(k, k.slab.kvfree(p));
    run(k, k.slab.freePercpu(o));
    expect(k.violations.map((v) => [v.kind, v.note])).toEqual([
      ['free-mismatch', `kvfree(0x${p.toString(16)}) of per-CPU memory (use free_percpu)`],
      ['free-mismatch', `free_percpu(0x${o.toString(16)}) of a kmalloc object (use kvfree)`],
    ]);
    expect(firstStep(k, k.slab.freePercpu(p))).toEqual({ kind: 'free_pages', call: 'free_percpu', addr: p, size: 32 });
    run(k, k.slab.freePercpu(p));
    run(k, k.slab.freePercpu(0));
    expect(k.slab.objectAt(p)?.freed).toBe(true);
    expect(k.violations).toHaveLength(2);
  });

  it('fails like kmalloc: injected failures and sizes above KMALLOC_MAX_SIZE', () => {
    const k = kernel();
    k.slab.failNextAllocations(1);
    expect(run(k, k.slab.allocPercpu(4))).toBe(0);
    expect(run(k, k.slab.allocPercpu(64))).not.toBe(0); // 8 x 64 = KMALLOC_MAX_SIZE
    expect(run(k, k.slab.allocPercpu(65))).toBe(0);
    expect(run(k, k.slab.allocPercpu(0))).toBe(ZERO_SIZE_PTR);
    expect(k.slab.attempts).toBe(4);
  });
});

describe('kfree_rcu', () => {
  /** an object with an rcu_head at offset 16 */
  const RHF = 16;

  it('queues the free on the rcu_head inside the object: one store64 named kfree_rcu', () => {
    const k = kernel();
    const a = run(k, k.slab.kzalloc(32));
    expect(firstStep(k, k.slab.kfreeRcu(a, RHF))).toMatchObject({
      kind: 'store64',
      addr: a + RHF + RCU_HEAD_FUNC,
      size: 8,
      call: 'kfree_rcu',
    });
    run(k, k.slab.kfreeRcu(a, RHF));
    expect(k.slab.objectAt(a)?.freed).toBe(false);
    expect(k.rcu.pendingCallbacks('rcu')).toBe(1);
    run(k, k.rcu.rcuBarrier());
    expect(k.slab.objectAt(a)?.freed).toBe(true);
    expect(k.violations).toEqual([]);
  });

  it('kfree_rcu(NULL) does nothing, without a step; one callback pointer per rcu_head offset', () => {
    const k = kernel();
    expect(k.slab.kfreeRcu(0, RHF).next().done).toBe(true);
    const a = run(k, k.slab.kzalloc(32));
    const b = run(k, k.slab.kzalloc(32));
    const c = run(k, k.slab.kzalloc(32));
    run(k, k.slab.kfreeRcu(a, RHF));
    run(k, k.slab.kfreeRcu(b, RHF));
    run(k, k.slab.kfreeRcu(c, 0));
    expect(k.mem.peek64(a + RHF + RCU_HEAD_FUNC)).toBe(k.mem.peek64(b + RHF + RCU_HEAD_FUNC));
    expect(k.mem.peek64(c + RCU_HEAD_FUNC)).not.toBe(k.mem.peek64(a + RHF + RCU_HEAD_FUNC));
    expect(run(k, k.rcu.invokeCallbacks())).toBe(3);
    expect(k.slab.live).toBe(0);
    expect(k.violations).toEqual([]);
  });

  /** A reader that looks at the object inside rcu_read_lock(), paused before its load. */
  function* reader(k: Kernel, obj: Addr): Op<number> {
    yield* k.rcu.readLock();
    const v = yield* k.mem.load32(obj);
    yield* k.rcu.readUnlock();
    return v;
  }

  it('a reader inside rcu_read_lock() keeps a kfree_rcu’ed object alive until it leaves', () => {
    const k = kernel();
    const obj = run(k, k.slab.kzalloc(32));
    run(k, k.mem.store32(obj, 42));
    const r = new Stepper(k, 1, reader(k, obj));
    r.resume(); // inside the section, about to load
    run(k, k.slab.kfreeRcu(obj, RHF), 0);
    expect(run(k, k.rcu.invokeCallbacks(), 0)).toBe(0);
    expect(r.finish()).toBe(42);
    expect(run(k, k.rcu.invokeCallbacks(), 0)).toBe(1);
    expect(k.slab.objectAt(obj)?.freed).toBe(true);
    expect(k.violations).toEqual([]);
  });

  it('kfree() instead: the same reader reads freed memory', () => {
    const k = kernel();
    const obj = run(k, k.slab.kzalloc(32));
    const r = new Stepper(k, 1, reader(k, obj));
    r.resume();
    run(k, k.slab.kfree(obj), 0);
    expect(r.finish()).toBe(0x6b6b6b6b);
    expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([['read-freed', 1, obj]]);
  });

  it('kfree_rcu after a plain kfree is caught when the callback reads the poisoned rcu_head', () => {
    const k = kernel();
    const obj = run(k, k.slab.kzalloc(32));
    run(k, k.slab.kfreeRcu(obj, RHF));
    run(k, k.slab.kfree(obj));
    run(k, k.rcu.rcuBarrier());
    expect(k.violations.map((v) => v.kind)).toEqual(['read-freed', 'rcu-head-corrupt']);
  });
});
