import type { Addr } from './types.ts';

/**
 * Flat simulated physical memory: a few disjoint byte segments (text, static data, page
 * blocks, and the slab's kmalloc objects, vmalloc areas and per-CPU blocks). Lookups are by containment; an access that is not fully inside one segment is
 * "unmapped" and the caller decides how to report it.
 */
export type SegmentKind = 'text' | 'data' | 'pages' | 'slab';

export interface Segment {
  readonly name: string;
  readonly kind: SegmentKind;
  readonly base: Addr;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** page blocks and slab objects: set when freed; the bytes stay (poisoned) so late loads are detectable */
  freed: boolean;
  /** page blocks only */
  readonly order: number;
}

export class AddressSpace {
  /** sorted by base; segments never overlap */
  private readonly segments: Segment[] = [];
  /** most allocations hit the same segment repeatedly (scan, memcpy) */
  private last: Segment | undefined;

  add(name: string, kind: SegmentKind, base: Addr, bytes: Uint8Array, order = 0): Segment {
    const seg: Segment = {
      name,
      kind,
      base,
      bytes,
      view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      freed: false,
      order,
    };
    const end = base + bytes.length;
    const at = this.segments.findIndex((s) => s.base > base);
    const idx = at < 0 ? this.segments.length : at;
    const prev = this.segments[idx - 1];
    const next = this.segments[idx];
    if ((prev && prev.base + prev.bytes.length > base) || (next && next.base < end)) {
      throw new Error(`segment ${name} at 0x${base.toString(16)} overlaps another segment`);
    }
    this.segments.splice(idx, 0, seg);
    return seg;
  }

  /** The segment holding all of [addr, addr+size), or undefined if none does. */
  find(addr: Addr, size = 1): Segment | undefined {
    const hit = this.last;
    if (hit && addr >= hit.base && addr + size <= hit.base + hit.bytes.length) return hit;
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid];
      if (addr < s.base) hi = mid - 1;
      else if (addr >= s.base + s.bytes.length) lo = mid + 1;
      else {
        if (addr + size > s.base + s.bytes.length) return undefined;
        this.last = s;
        return s;
      }
    }
    return undefined;
  }
}
