import { describe, expect, it } from 'vitest';
import type { StoreEntry } from '../contract/index.ts';
import { FREED_PAGE_BYTE, FRESH_PAGE_BYTE } from '../kernel/pages.ts';
import { bytesAt, kernelWith, lockedGet, run, x86 } from '../testing/fixtures.ts';
import { MD_PAD0, MD_SIZE } from './layout.ts';
import { v4 } from './store.ts';

// pageSize 64 -> 4 entries per page; maxOrder 3 -> at most 32 entries
function setup() {
  const k = kernelWith(x86(), 40, { pageSize: 64, maxOrder: 3 });
  const s = v4.create(k);
  const ip = (i: number) => k.fn(`f${i}`).ip;
  return { k, s, ip };
}

describe('v4 array growth', () => {
  it('first array: order 0, only users initialised', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    const v = s.inspect();
    expect(v).toMatchObject({ count: 4, used: 1, order: 0 });
    expect(k.pages.list()).toEqual([{ addr: v.arrayBase, order: 0, freed: false }]);
    // no grace period for the first publication
    expect(k.mem.rcu.gracePeriods).toBe(0);
    for (let i = 1; i < 4; i++) {
      expect(v.entries[i].users).toBe(0);
      expect(k.mem.peek32(v.arrayBase + i * MD_SIZE + MD_PAD0)).toBe(0xa5a5a5a5);
      expect(bytesAt(k, v.arrayBase + i * MD_SIZE + 8, 8)).toEqual(new Array<number>(8).fill(FRESH_PAGE_BYTE));
    }
    expect(md).toBe(v.arrayBase);
  });

  it('grows 4 -> 8 -> 16 -> 32, copying entries and freeing old blocks with the old order', () => {
    const { k, s, ip } = setup();
    const bases: number[] = [];
    const snapshots = [];
    for (let i = 0; i < 32; i++) {
      const before = s.inspect();
      const md = run(k, lockedGet(s, ip(i)));
      const after = s.inspect();
      if (after.arrayBase !== before.arrayBase) {
        bases.push(after.arrayBase);
        if (before.arrayBase) {
          // the new slot is the first of the new upper half
          expect(md).toBe(after.arrayBase + before.count * MD_SIZE);
          expect(after.count).toBe(before.count * 2);
          // old entries copied exactly (at their new addresses); the rest of the new upper half has users 0
          const fields = (es: readonly StoreEntry[]) => es.map(({ users, func }) => ({ users, func }));
          expect(fields(after.entries.slice(0, before.count))).toEqual(fields(before.entries));
          expect(after.entries.slice(before.count + 1).every((e) => e.users === 0)).toBe(true);
          snapshots.push(before.count);
        }
      }
      expect(bytesAt(k, ip(i) - 16, 5)).toEqual([0xb8, i, 0, 0, 0]);
    }
    expect(snapshots).toEqual([4, 8, 16]);
    const v = s.inspect();
    expect(v).toMatchObject({ count: 32, used: 32, order: 3 });
    expect(v.entries.map((e) => e.func)).toEqual(Array.from({ length: 32 }, (_, i) => ip(i)));
    expect(v.entries.every((e) => e.users === 1)).toBe(true);
    expect(k.pages.list()).toEqual([
      { addr: bases[0], order: 0, freed: true },
      { addr: bases[1], order: 1, freed: true },
      { addr: bases[2], order: 2, freed: true },
      { addr: bases[3], order: 3, freed: false },
    ]);
    expect([...k.mem.peekBytes(bases[2], 64 * 4)].every((b) => b === FREED_PAGE_BYTE)).toBe(true);
    expect(k.mem.rcu.gracePeriods).toBe(3);
    expect(k.violations).toHaveLength(0);
  });

  it('growth past MAX_PAGE_ORDER: NULL, state and text unchanged, but the page allocator WARNs (v4 asks for the order)', () => {
    const { k, s, ip } = setup();
    for (let i = 0; i < 32; i++) run(k, lockedGet(s, ip(i)));
    const before = s.inspect();
    const writes = k.textWrites.length;
    const allocs = k.pages.allocations;
    expect(run(k, lockedGet(s, ip(32)))).toBe(0);
    expect(s.inspect()).toEqual(before);
    expect(k.textWrites.length).toBe(writes);
    expect(k.pages.allocations).toBe(allocs);
    expect(k.pages.attempts).toBe(allocs + 1);
    // __get_free_pages(GFP_KERNEL, 4) with MAX_PAGE_ORDER 3: WARN_ON_ONCE_GFP in __alloc_pages
    expect(k.warnings.map((w) => w.site)).toEqual(['alloc_pages-order']);
    // capacity is still usable once a slot frees up
    run(k, s.putByIp(ip(5)));
    expect(run(k, lockedGet(s, ip(32)))).toBe(before.arrayBase + 5 * MD_SIZE);
  });

  it('a caller-held md from before growth points into freed pages (D6)', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    for (let i = 1; i < 5; i++) run(k, lockedGet(s, ip(i)));
    expect(s.inspect().count).toBe(8);
    run(k, s.put(md));
    const kinds = k.violations.map((v) => v.kind);
    expect(kinds[0]).toBe('read-freed');
    expect(k.violations[0].addr).toBe(md);
    // users read back as poison, so the stale put "succeeds" silently on the freed copy
    expect(kinds).toContain('write-freed');
    // the live copy is untouched
    expect(s.inspect().entries[0].users).toBe(1);
  });

  it('put_by_ip after growth uses the live array (no use-after-free)', () => {
    const { k, s, ip } = setup();
    for (let i = 0; i < 5; i++) run(k, lockedGet(s, ip(i)));
    run(k, s.putByIp(ip(0)));
    expect(k.violations).toHaveLength(0);
    expect(s.inspect().entries[0].users).toBe(0);
  });
});
