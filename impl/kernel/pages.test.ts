import { describe, expect, it } from 'vitest';
import { GFP_KERNEL, __GFP_NOWARN } from './gfp.ts';
import { FREED_PAGE_BYTE, FRESH_PAGE_BYTE } from './pages.ts';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';

describe('page allocator', () => {
  it('hands out naturally aligned, unzeroed blocks and never reuses freed ones', () => {
    const k = kernelWith(x86(), 1, { pageSize: 64, maxOrder: 3 });
    const a = run(k, k.mem.allocPages(0));
    const b = run(k, k.mem.allocPages(2));
    expect(a).not.toBe(0);
    expect(b % (64 * 4)).toBe(0);
    expect([...k.mem.peekBytes(b, 256)].every((x) => x === FRESH_PAGE_BYTE)).toBe(true);
    run(k, k.mem.freePages(a, 0));
    expect([...k.mem.peekBytes(a, 64)].every((x) => x === FREED_PAGE_BYTE)).toBe(true);
    const c = run(k, k.mem.allocPages(0));
    expect(c).not.toBe(a);
    expect(k.pages.allocations).toBe(3);
    expect(k.pages.frees).toBe(1);
  });

  it('fails orders above maxOrder with the WARN_ON_ONCE_GFP of __alloc_pages, unless __GFP_NOWARN', () => {
    const k = kernelWith(x86(), 1, { maxOrder: 2 });
    expect(run(k, k.mem.allocPages(2))).not.toBe(0);
    expect(k.warnings).toEqual([]);
    expect(run(k, k.mem.allocPages(3), 1)).toBe(0);
    expect(k.warnings).toMatchObject([
      { site: 'alloc_pages-order', cpu: 1, once: true, message: '__alloc_pages: order 3 > MAX_PAGE_ORDER 2' },
    ]);
    expect(run(k, k.mem.allocPages(4, GFP_KERNEL | __GFP_NOWARN))).toBe(0);
    expect(k.warnings).toHaveLength(1);
    // an injected failure is no order problem: no WARN
    k.failNextAllocations(1);
    expect(run(k, k.mem.allocPages(0))).toBe(0);
    expect(k.warnings).toHaveLength(1);
  });

  it('injects failures into the next allocations', () => {
    const k = kernelWith(x86(), 1);
    k.pages.failNextAllocations(2);
    const got = [0, 0, 0, 0].map(() => run(k, k.mem.allocPages(0)));
    expect(got.map((a) => a !== 0)).toEqual([false, false, true, true]);
    expect(k.pages.attempts).toBe(4);
    expect(k.pages.allocations).toBe(2);
  });

  it('detects loads and stores after free, double free and wrong order', () => {
    const k = kernelWith(x86(), 1);
    const a = run(k, k.mem.allocPages(1));
    run(k, k.mem.freePages(a, 0));
    expect(k.violations.map((v) => v.kind)).toEqual(['free-order-mismatch']);
    expect(run(k, k.mem.load32(a + 4))).toBe(0x6b6b6b6b);
    run(k, k.mem.store8(a, 1));
    run(k, k.mem.freePages(a, 1));
    expect(k.violations.map((v) => v.kind)).toEqual([
      'free-order-mismatch',
      'read-freed',
      'write-freed',
      'double-free',
    ]);
    expect(k.violations[1]).toMatchObject({ addr: a + 4, cpu: 0 });
  });
});
