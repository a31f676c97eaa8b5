import type { AddressSpace } from './address-space.ts';
import { AllocFaults } from './alloc-faults.ts';
import type { Segment } from './address-space.ts';
import type { Addr } from './types.ts';

/**
 * A buddy-allocator stand-in for __get_free_pages/free_pages.
 *
 * Deliberately hostile so bugs show up: fresh pages hold garbage (the kernel does not zero
 * them), freed pages are poisoned and their frames are never handed out again (bump
 * allocation), so any later access is attributable to the freed block.
 */
export const FRESH_PAGE_BYTE = 0xa5;
export const FREED_PAGE_BYTE = 0x6b;

export interface PageBlock {
  readonly addr: Addr;
  readonly order: number;
  readonly freed: boolean;
}

export type FreeResult = 'ok' | 'double-free' | 'order-mismatch' | 'unknown';

export class PageAllocator {
  /** alloc_pages calls, including failed ones */
  attempts = 0;
  private next: Addr;
  private readonly blocks = new Map<Addr, Segment>();

  constructor(
    private readonly space: AddressSpace,
    /** PAGE_SIZE */
    readonly pageSize: number,
    /** MAX_PAGE_ORDER: a larger order fails like the buddy allocator does */
    readonly maxOrder: number,
    base: Addr,
    /** injected failures, shared with the slab */
    private readonly faults: AllocFaults = new AllocFaults(),
  ) {
    this.next = base;
  }

  /** The next n allocation attempts fail. */
  failNextAllocations(n: number): void {
    this.faults.failNext(n);
  }

  /** __get_free_pages(): returns the block address, or 0 (NULL) on failure. */
  alloc(order: number): Addr {
    this.attempts++;
    if (this.faults.take()) return 0;
    if (!Number.isInteger(order) || order < 0 || order > this.maxOrder) return 0;
    const size = this.pageSize * 2 ** order;
    // buddy blocks are naturally aligned to their size
    const addr = Math.ceil(this.next / size) * size;
    this.next = addr + size;
    const seg = this.space.add(`pages@order${order}`, 'pages', addr, new Uint8Array(size).fill(FRESH_PAGE_BYTE), order);
    this.blocks.set(addr, seg);
    return addr;
  }

  /** free_pages(addr, order) */
  free(addr: Addr, order: number): FreeResult {
    const seg = this.blocks.get(addr);
    if (!seg) return 'unknown';
    if (seg.freed) return 'double-free';
    seg.freed = true;
    seg.bytes.fill(FREED_PAGE_BYTE);
    return seg.order === order ? 'ok' : 'order-mismatch';
  }

  /** successful allocations */
  get allocations(): number {
    return this.blocks.size;
  }

  get frees(): number {
    return this.list().filter((b) => b.freed).length;
  }

  /** Every block ever allocated, in allocation order. */
  list(): PageBlock[] {
    return [...this.blocks.values()].map((s) => ({ addr: s.base, order: s.order, freed: s.freed }));
  }
}
