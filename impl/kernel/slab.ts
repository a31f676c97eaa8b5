import type { AddressSpace, Segment } from './address-space.ts';
import { AllocFaults } from './alloc-faults.ts';
import { GFP_KERNEL, __GFP_ZERO } from './gfp.ts';
import { hex } from './le.ts';
import type { Memory } from './memory.ts';
import { FREED_PAGE_BYTE, FRESH_PAGE_BYTE } from './pages.ts';
import type { RcuCallback, RcuFlavours } from './rcu-flavours.ts';
import type { Addr, Op } from './types.ts';

/** Where kmalloc objects live (the direct map, in the kernel); far above the page blocks. */
export const KMALLOC_BASE = 0xffff_a000_0000;
/** Where vmalloc'ed kvmalloc blocks live (VMALLOC_START, in the kernel). */
export const VMALLOC_BASE = 0xffff_c900_0000;
/** ZERO_SIZE_PTR: what kmalloc(0) returns; kfree() accepts it, any access to it is unmapped. */
export const ZERO_SIZE_PTR = 16;
/** Bytes between two kmalloc objects that nothing maps, so an out-of-bounds access is caught (KASAN's redzone). */
export const KMALLOC_REDZONE = 16;
/** POISON_FREE (include/linux/poison.h): what a freed object reads as; the page allocator poisons with the same byte. */
export const POISON_FREE = FREED_PAGE_BYTE;
/**
 * NR_CPUS: the CPUs a per-CPU allocation has a copy for (for_each_possible_cpu). A simulated
 * CPU with a higher id has no per-CPU copy.
 */
export const NR_CPUS = 8;

type Kind = 'kmalloc' | 'vmalloc' | 'percpu';

export interface SlabObject {
  readonly addr: Addr;
  /** the size asked for: the object's bytes, nothing after it is mapped */
  readonly size: number;
  /**
   * kmalloc (also what kvmalloc gives up to KMALLOC_MAX_CACHE_SIZE), vmalloc (kvmalloc above
   * it), or percpu (alloc_percpu: NR_CPUS copies side by side, `size` being all of them)
   */
  readonly kind: Kind;
  readonly freed: boolean;
}

interface Block {
  readonly seg: Segment;
  readonly size: number;
  readonly kind: Kind;
}

/**
 * kmalloc/kzalloc/kvmalloc/kvzalloc/kvmalloc_array/kvcalloc, kfree/kvfree and kfree_rcu, as
 * hostile as the page allocator: fresh objects hold garbage unless __GFP_ZERO, freed ones are
 * poisoned with POISON_FREE and never handed out again (bump allocation), so any later access
 * is a read-freed / write-freed violation attributable to the freed object. Each object is
 * mapped for exactly the size asked for, with an unmapped redzone after it.
 *
 * Simplifications: there are no slab caches or size classes (an object is aligned to the
 * power of two its size rounds up to, at most PAGE_SIZE, as kmalloc's power-of-two caches
 * are); kvmalloc takes kmalloc up to KMALLOC_MAX_CACHE_SIZE (two pages) and vmalloc above
 * (the kernel tries kmalloc first for any size and falls back when that fails, so which one a
 * large request gets depends on fragmentation; vmalloc here makes kfree() of it a caught
 * mistake); kmalloc fails above KMALLOC_MAX_SIZE (PAGE_SIZE << MAX_PAGE_ORDER).
 */
export class Slab {
  /** allocation calls, including failed ones (kvmalloc falling back to vmalloc counts once) */
  attempts = 0;
  private nextKmalloc = KMALLOC_BASE;
  private nextVmalloc = VMALLOC_BASE;
  private readonly blocks = new Map<Addr, Block>();
  /** kfree_rcu's callbacks, one per offset of the rcu_head in its object */
  private readonly rcuFrees = new Map<number, RcuCallback>();

  constructor(
    private readonly space: AddressSpace,
    private readonly mem: Memory,
    private readonly rcu: RcuFlavours,
    /** PAGE_SIZE */
    private readonly pageSize: number,
    /** MAX_PAGE_ORDER */
    private readonly maxOrder: number,
    /** injected failures, shared with the page allocator */
    private readonly faults: AllocFaults = new AllocFaults(),
  ) {}

  /** The next n allocation attempts fail (return NULL), whatever their size. */
  failNextAllocations(n: number): void {
    this.faults.failNext(n);
  }

  /** KMALLOC_MAX_CACHE_SIZE: the largest kvmalloc served by kmalloc. */
  get kmallocMaxCacheSize(): number {
    return 2 * this.pageSize;
  }

  /** KMALLOC_MAX_SIZE: the largest kmalloc there is. */
  get kmallocMaxSize(): number {
    return this.pageSize * 2 ** this.maxOrder;
  }

  // ---- allocation ------------------------------------------------------------------------------

  /** kmalloc(size, gfp): the object, ZERO_SIZE_PTR for size 0, or 0 (NULL) on failure. */
  kmalloc(size: number, gfp = GFP_KERNEL): Op<Addr> {
    return this.allocate('kmalloc', size, gfp, 'kmalloc');
  }

  /** kzalloc(size, gfp) = kmalloc(size, gfp | __GFP_ZERO) */
  kzalloc(size: number, gfp = GFP_KERNEL): Op<Addr> {
    return this.allocate('kzalloc', size, gfp | __GFP_ZERO, 'kmalloc');
  }

  /** kvmalloc(size, gfp): kmalloc up to KMALLOC_MAX_CACHE_SIZE, vmalloc above; free it with kvfree. */
  kvmalloc(size: number, gfp = GFP_KERNEL): Op<Addr> {
    return this.allocate('kvmalloc', size, gfp, 'kvmalloc');
  }

  /** kvzalloc(size, gfp) = kvmalloc(size, gfp | __GFP_ZERO) */
  kvzalloc(size: number, gfp = GFP_KERNEL): Op<Addr> {
    return this.allocate('kvzalloc', size, gfp | __GFP_ZERO, 'kvmalloc');
  }

  /** kvmalloc_array(n, size, gfp): NULL if n * size overflows (size_t is 64-bit: beyond 2^53 here). */
  kvmallocArray(n: number, size: number, gfp = GFP_KERNEL): Op<Addr> {
    return this.allocate('kvmalloc_array', n * size, gfp, 'kvmalloc');
  }

  /** kvcalloc(n, size, gfp) = kvmalloc_array(n, size, gfp | __GFP_ZERO) */
  kvcalloc(n: number, size: number, gfp = GFP_KERNEL): Op<Addr> {
    return this.allocate('kvcalloc', n * size, gfp | __GFP_ZERO, 'kvmalloc');
  }

  /**
   * __alloc_percpu_gfp(size, align, gfp) / alloc_percpu(type): NR_CPUS zeroed copies of `size`
   * bytes; CPU c's copy (per_cpu_ptr) is at `p + c * size`. The kernel's per-CPU chunks interleave
   * units differently; nothing here depends on that. Free it with free_percpu.
   */
  allocPercpu(size: number, gfp = GFP_KERNEL): Op<Addr> {
    return this.allocate('__alloc_percpu_gfp', size * NR_CPUS, gfp | __GFP_ZERO, 'percpu');
  }

  // ---- freeing ---------------------------------------------------------------------------------

  /** kfree(p): NULL and ZERO_SIZE_PTR are no-ops; vmalloc'ed memory, a double free or a foreign pointer are violations. */
  kfree(p: Addr): Op<void> {
    return this.release('kfree', p);
  }

  /** kvfree(p): kfree or vfree, whichever allocated it. */
  kvfree(p: Addr): Op<void> {
    return this.release('kvfree', p);
  }

  /** free_percpu(p): only for alloc_percpu memory (and NULL). */
  freePercpu(p: Addr): Op<void> {
    return this.release('free_percpu', p);
  }

  /**
   * kfree_rcu(ptr, rhf) (kvfree_rcu for kvmalloc'ed memory: one function here, it frees with
   * kvfree): frees `p` after a classic RCU grace period, through the rcu_head at
   * `p + headOffset` (offsetof(type, rhf)). The kernel used to keep the offset in rcu_head::func;
   * here each offset has a callback pointer of its own. The free happens when the callback
   * runs: at RcuFlavours.invokeCallbacks or rcu_barrier (see rcu-flavours.ts).
   */
  *kfreeRcu(p: Addr, headOffset: number): Op<void> {
    if (p === 0) return;
    yield* this.rcu.call('rcu', p + headOffset, this.rcuFree(headOffset), 'kfree_rcu');
  }

  // ---- for the harness -------------------------------------------------------------------------

  /** Every object ever allocated, in allocation order. */
  list(): SlabObject[] {
    return [...this.blocks.entries()].map(([addr, b]) => ({ addr, size: b.size, kind: b.kind, freed: b.seg.freed }));
  }

  /** Objects allocated and not freed. */
  get live(): number {
    return this.list().filter((o) => !o.freed).length;
  }

  /** The object holding `addr` (its start or any byte inside it), freed or not. */
  objectAt(addr: Addr): SlabObject | undefined {
    return this.list().find((o) => addr >= o.addr && addr < o.addr + o.size);
  }

  // ---- internals -------------------------------------------------------------------------------

  private *allocate(call: string, size: number, gfp: number, via: 'kmalloc' | 'kvmalloc' | 'percpu'): Op<Addr> {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`${call}: size ${size}`);
    return yield* this.mem.primitive({ kind: 'alloc_pages', call, size }, () => {
      this.attempts++;
      if (this.faults.take()) return 0;
      if (size === 0) return ZERO_SIZE_PTR;
      if (!Number.isSafeInteger(size)) return 0;
      const kind: Kind =
        via === 'percpu' ? 'percpu' : via === 'kvmalloc' && size > this.kmallocMaxCacheSize ? 'vmalloc' : 'kmalloc';
      if (kind !== 'vmalloc' && size > this.kmallocMaxSize) return 0;
      return this.place(kind, size, (gfp & __GFP_ZERO) !== 0);
    });
  }

  private place(kind: Kind, size: number, zero: boolean): Addr {
    let addr: Addr;
    let mapped = size;
    if (kind !== 'vmalloc') {
      const align = Math.min(this.pageSize, 2 ** Math.ceil(Math.log2(Math.max(size, 8))));
      addr = Math.ceil(this.nextKmalloc / align) * align;
      this.nextKmalloc = addr + size + KMALLOC_REDZONE;
    } else {
      // page-granular, followed by an unmapped guard page like every vmalloc area
      mapped = Math.ceil(size / this.pageSize) * this.pageSize;
      addr = this.nextVmalloc;
      this.nextVmalloc = addr + mapped + this.pageSize;
    }
    const bytes = new Uint8Array(mapped).fill(zero ? 0 : FRESH_PAGE_BYTE);
    const seg = this.space.add(`${kind}-${size}`, 'slab', addr, bytes);
    this.blocks.set(addr, { seg, size, kind });
    return addr;
  }

  private *release(call: 'kfree' | 'kvfree' | 'free_percpu', p: Addr): Op<void> {
    const block = this.blocks.get(p);
    yield* this.mem.primitive(
      { kind: 'free_pages', call, addr: p, ...(block ? { size: block.seg.bytes.length } : {}) },
      () => {
        if (p === 0 || p === ZERO_SIZE_PTR) return;
        if (!block) {
          const inside = this.objectAt(p);
          this.mem.report(
            'free-unknown',
            p,
            inside
              ? `${call}(${hex(p)}) points inside the ${inside.kind} object at ${hex(inside.addr)}, not at its start`
              : `${call}(${hex(p)}) of something kmalloc/kvmalloc/alloc_percpu never returned`,
          );
        } else if (block.seg.freed) {
          this.mem.report('double-free', p, `${call}(${hex(p)}) of an already freed ${block.kind} object`);
        } else if (call === 'kfree' && block.kind === 'vmalloc') {
          this.mem.report(
            'free-mismatch',
            p,
            `kfree(${hex(p)}) of vmalloc'ed memory (kvmalloc fell back to vmalloc: use kvfree)`,
          );
        } else if ((call === 'free_percpu') !== (block.kind === 'percpu')) {
          const use =
            block.kind === 'percpu' ? 'per-CPU memory (use free_percpu)' : `a ${block.kind} object (use kvfree)`;
          this.mem.report('free-mismatch', p, `${call}(${hex(p)}) of ${use}`);
        } else {
          block.seg.freed = true;
          block.seg.bytes.fill(POISON_FREE);
        }
      },
    );
  }

  private rcuFree(offset: number): RcuCallback {
    let fn = this.rcuFrees.get(offset);
    if (!fn) {
      const free = (head: Addr): Op<void> => this.kvfree(head - offset);
      fn = function* (head: Addr): Op<void> {
        yield* free(head);
      };
      this.rcuFrees.set(offset, fn);
    }
    return fn;
  }
}
