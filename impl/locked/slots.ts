import type { Kernel } from '../kernel/kernel.ts';
import { toI32, u32le } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { EntryLayout } from '../contract/index.ts';
import { orderOf } from '../v4/layout.ts';

/** A claimed or candidate slot. */
export interface LockedSlot {
  readonly md: Addr;
  readonly index: number;
}

/**
 * The metadata array of the locked store. Every method runs under kfunc_md_mutex.
 *
 * Two rules make it safe by construction rather than by care:
 * - a released slot is reused only after a grace period (a counter of releases since the last
 *   synchronize_rcu; any allocation while it is non-zero waits one out first);
 * - a grown-out array is retired, never freed, so an md pointer a caller still holds stays
 *   mapped; put(md) maps such a pointer to its index and acts on the current array. The cost
 *   is bounded: the retired arrays together are smaller than the current one.
 */
export class SlotArray {
  /** ENTRIES_PER_PAGE */
  readonly perPage: number;
  /** &kfunc_md_count */
  readonly countAddr: Addr;
  /** &kfunc_md_used */
  readonly usedAddr: Addr;
  /** &kfunc_mds */
  readonly mdsAddr: Addr;
  /** slots released since the last grace period */
  private readonly releasedAddr: Addr;
  /** every array ever published, oldest first (plain bookkeeping, protected by the mutex) */
  private readonly arrays: { base: Addr; count: number }[] = [];

  constructor(
    private readonly kernel: Kernel,
    readonly layout: EntryLayout,
  ) {
    // ENTRIES_PER_PAGE = PAGE_SIZE / sizeof(struct kfunc_md)
    this.perPage = Math.floor(kernel.pageSize / layout.size);
    this.countAddr = kernel.defineStatic('kfunc_md_count', u32le(this.perPage));
    this.usedAddr = kernel.defineStatic('kfunc_md_used', u32le(0));
    // Stryker disable next-line ArrayDeclaration: the data area starts zeroed and a static takes 16 bytes at least: 8 zeros or none are the same
    this.mdsAddr = kernel.defineStatic('kfunc_mds', new Array<number>(8).fill(0));
    this.releasedAddr = kernel.defineStatic('kfunc_md_released', u32le(0));
  }

  private get mem(): Memory {
    return this.kernel.mem;
  }

  /** Grown-out arrays, still mapped on purpose. */
  retired(): Addr[] {
    return this.arrays.slice(0, -1).map((a) => a.base);
  }

  /** The slot index an md pointer names, in whichever array (current or retired) it points into. */
  indexOf(md: Addr): number | null {
    for (const a of this.arrays) {
      const off = md - a.base;
      if (off >= 0 && off % this.layout.size === 0 && off / this.layout.size < a.count) return off / this.layout.size;
    }
    return null;
  }

  /** md of `index` in the current array, or 0 when there is no array or the index is out of range. */
  *mdOf(index: number): Op<Addr> {
    const mds = yield* this.mem.load64(this.mdsAddr);
    if (!mds) return 0;
    const count = yield* this.mem.load32(this.countAddr);
    return index < count ? mds + index * this.layout.size : 0;
  }

  /**
   * kfunc_md_get_next's counterpart: the lowest free slot, creating or doubling the array if needed;
   * null on allocation failure or at MAX_PAGE_ORDER.
   */
  *allocate(): Op<LockedSlot | null> {
    let mds = yield* this.mem.load64(this.mdsAddr);
    if (!mds) {
      mds = yield* this.firstArray();
      if (!mds) return null;
    }
    yield* this.graceIfReleased();
    const count = yield* this.mem.load32(this.countAddr);
    for (let i = 0; i < count; i++) {
      if (toI32(yield* this.mem.load32(mds + i * this.layout.size + this.layout.users)) === 0)
        return { md: mds + i * this.layout.size, index: i };
    }
    const grown = yield* this.grow(mds, count);
    return grown ? { md: grown + count * this.layout.size, index: count } : null;
  }

  *claim(slot: LockedSlot, ip: Addr): Op<void> {
    // the entry is complete before the instruction can lead anyone to it (unlike v4, D2)
    yield* this.mem.store64(slot.md + this.layout.func, ip);
    yield* this.mem.store32(slot.md + this.layout.users, 1);
  }

  *unclaim(slot: LockedSlot): Op<void> {
    yield* this.mem.store32(slot.md + this.layout.users, 0);
  }

  *addUsed(delta: number): Op<void> {
    const used = yield* this.mem.load32(this.usedAddr);
    yield* this.mem.store32(this.usedAddr, used + delta);
  }

  /** Remember the release: the slot is not handed out again before a grace period. */
  *noteReleased(): Op<void> {
    const n = yield* this.mem.load32(this.releasedAddr);
    yield* this.mem.store32(this.releasedAddr, n + 1);
  }

  /** synchronize_rcu() before handing out a slot released since the last grace period. */
  private *graceIfReleased(): Op<void> {
    if ((yield* this.mem.load32(this.releasedAddr)) === 0) return;
    yield* this.mem.synchronizeRcu();
    yield* this.mem.store32(this.releasedAddr, 0);
  }

  /** __get_free_pages(kfunc_md_page_order()), users = 0, rcu_assign_pointer(kfunc_mds). */
  private *firstArray(): Op<Addr> {
    const count = yield* this.mem.load32(this.countAddr);
    const mds = yield* this.mem.allocPages(orderOf(count, this.perPage));
    if (!mds) return 0;
    yield* this.initEntries(mds, 0, count);
    yield* this.mem.store64(this.mdsAddr, mds);
    this.arrays.push({ base: mds, count });
    return mds;
  }

  /** Double into a new block; the old one is retired (still mapped), not freed. */
  private *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    if (order + 1 > this.kernel.maxOrder) return 0;
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    for (let off = 0; off < count * this.layout.size; off += 4) {
      yield* this.mem.store32(fresh + off, yield* this.mem.load32(mds + off));
    }
    yield* this.initEntries(fresh, count, 2 * count);
    yield* this.mem.store32(this.countAddr, 2 * count);
    yield* this.mem.store64(this.mdsAddr, fresh);
    this.arrays.push({ base: fresh, count: 2 * count });
    return fresh;
  }

  private *initEntries(mds: Addr, from: number, to: number): Op<void> {
    for (let i = from; i < to; i++) {
      yield* this.mem.store32(mds + i * this.layout.size + this.layout.users, 0);
    }
  }
}
