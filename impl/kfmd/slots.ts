import type { Kernel } from '../kernel/kernel.ts';
import { u32le } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { orderOf } from '../v4/layout.ts';
import {
  KFMD_GP_NEVER,
  KFMD_MD_FUNC,
  KFMD_MD_GP,
  KFMD_MD_MAP,
  KFMD_MD_SEQ,
  KFMD_MD_SIZE,
  KFMD_MD_USERS,
  bitmapShape,
  kfmdEntriesPerPage,
} from './layout.ts';
import type { BitmapShape } from './layout.ts';

/** A slot get is about to claim. */
export interface KfmdSlot {
  readonly md: Addr;
  readonly index: number;
}

/** Index of the lowest set bit of a non-zero u32 (__ffs). */
function ffs(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/**
 * The metadata array of the kfmd design: its globals, the free-slot bitmap, the grace-period
 * cookies, growth. Every method runs under kfunc_md_mutex (get's caller holds it; put and
 * put_by_ip take it); lock-free readers only ever read users, seq and func.
 *
 * D4: v4 scans the entries from slot 0 for users == 0 on every allocation. Here a hierarchical
 * bitmap embedded in the array (word p in entry p's `map`) finds the lowest free slot with one
 * word load per level and find-first-set: 1 level up to 32 slots, 4 up to 2^20 (the real
 * maximum, 4 KiB pages at MAX_PAGE_ORDER 10, is 174,080 slots: 4 levels). Taking or freeing a
 * slot touches at most one word per level. The lowest free slot, not just any: kfmd's
 * sequential driver steps the model before the implementation, so it judges a get against the
 * lowest free slot whatever the declared slot policy.
 *
 * D1: a release records the grace-period cookie (get_state_synchronize_rcu()); handing the slot
 * out again calls cond_synchronize_rcu(cookie), which waits only if no grace period has
 * completed since. O(1), and no grace period at all for never-used slots.
 */
export class KfmdSlots {
  /** ENTRIES_PER_PAGE */
  readonly perPage: number;
  /** &kfunc_md_count: u32 capacity; smp_store_release'd after kfunc_mds on growth */
  readonly countAddr: Addr;
  /** &kfunc_md_used: u32, slots with users > 0 */
  readonly usedAddr: Addr;
  /** &kfunc_mds: struct kfunc_md __rcu *, NULL until the first get */
  readonly mdsAddr: Addr;
  /**
   * &kfunc_md_gp_seq: grace periods this code has waited out (the simulation's stand-in for the
   * RCU state get_state_synchronize_rcu() returns; a kernel would use the real cookie API).
   */
  private readonly gpSeqAddr: Addr;
  /**
   * Every array ever published, oldest first: plain bookkeeping protected by kfunc_md_mutex (one
   * entry per doubling), used only to map a caller's md pointer into a retired array back to its
   * slot (D6). The kernel would keep the same short list of blocks.
   */
  private readonly arrays: { readonly base: Addr; readonly count: number }[] = [];
  /** bitmapShape by capacity (pure arithmetic the kernel would redo; cached) */
  private readonly shapes = new Map<number, BitmapShape>();

  constructor(private readonly kernel: Kernel) {
    this.perPage = kfmdEntriesPerPage(kernel.pageSize);
    this.countAddr = kernel.defineStatic('kfunc_md_count', u32le(this.perPage));
    this.usedAddr = kernel.defineStatic('kfunc_md_used', u32le(0));
    // Stryker disable next-line ArrayDeclaration: the data area starts zeroed and a static takes 16 bytes at least: 8 zeros or none are the same
    this.mdsAddr = kernel.defineStatic('kfunc_mds', new Array<number>(8).fill(0));
    this.gpSeqAddr = kernel.defineStatic('kfunc_md_gp_seq', u32le(0));
  }

  private get mem(): Memory {
    return this.kernel.mem;
  }

  private shape(count: number): BitmapShape {
    let shape = this.shapes.get(count);
    // Stryker disable next-line ConditionalExpression: a cache: recomputing the shape gives the same shape
    if (!shape) this.shapes.set(count, (shape = bitmapShape(count)));
    return shape;
  }

  /** Grown-out arrays: kept mapped on purpose (StoreView.retained), never freed (D6, NORCU). */
  retired(): Addr[] {
    return this.arrays.slice(0, -1).map((a) => a.base);
  }

  /** The slot an md pointer names, in the current array or a retired one; null if it is no md. */
  indexOf(md: Addr): number | null {
    for (const a of this.arrays) {
      const off = md - a.base;
      if (off >= 0 && off % KFMD_MD_SIZE === 0 && off / KFMD_MD_SIZE < a.count) return off / KFMD_MD_SIZE;
    }
    return null;
  }

  /** md of `index` in the current array; 0 without an array or past the capacity. */
  *mdOf(index: number): Op<Addr> {
    const mds = yield* this.mem.load64(this.mdsAddr);
    if (!mds) return 0;
    const count = yield* this.mem.load32(this.countAddr);
    return index < count ? mds + index * KFMD_MD_SIZE : 0;
  }

  /**
   * kfunc_md_get_next's counterpart: the lowest free slot, creating or doubling the array when
   * none is free; null on allocation failure or at MAX_PAGE_ORDER (I11). The slot is taken out
   * of the bitmap; the caller claims it.
   */
  *allocate(): Op<KfmdSlot | null> {
    let mds = yield* this.mem.load64(this.mdsAddr);
    if (!mds) {
      mds = yield* this.firstArray();
      if (!mds) return null;
    }
    let count = yield* this.mem.load32(this.countAddr);
    let index = yield* this.lowestFree(mds, count);
    if (index === null) {
      // every slot is live: used == count
      const grown = yield* this.grow(mds, count);
      if (!grown) return null;
      mds = grown;
      count *= 2;
      index = yield* this.lowestFree(mds, count);
      // Stryker disable next-line ConditionalExpression: an assertion: growth leaves [count, 2 * count) free, lowestFree cannot miss
      if (index === null) throw new Error('kfmd: no free slot right after growth');
    }
    const md = mds + index * KFMD_MD_SIZE;
    // D1: a released slot is handed out again only after a grace period that began after its release
    yield* this.condSynchronizeRcu(md);
    yield* this.clearBit(mds, count, index);
    return { md, index };
  }

  /**
   * D2: the entry is complete before anything can lead a reader to it. write_seqcount_begin
   * (seq odd, smp_wmb()), WRITE_ONCE(md->func, ip), WRITE_ONCE(md->users, 1), write_seqcount_end
   * (smp_wmb(), seq even). The caller pokes the index only after this; the kernel needs an
   * smp_wmb() between the last store here and kfunc_md_arch_poke (arm64's patch_text_nosync is a
   * plain store through the fixmap; on x86 TSO keeps store order and smp_wmb() is a compiler
   * barrier). Readers pair with it through the address dependency window → index → md (as
   * rcu_dereference) and read_seqcount_begin / read_seqcount_retry's smp_rmb().
   */
  *claim(slot: KfmdSlot, ip: Addr): Op<void> {
    const seq = yield* this.mem.load32(slot.md + KFMD_MD_SEQ);
    yield* this.mem.store32(slot.md + KFMD_MD_SEQ, seq + 1);
    yield* this.mem.store64(slot.md + KFMD_MD_FUNC, ip);
    // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
    yield* this.mem.store32(slot.md + KFMD_MD_USERS, 1);
    yield* this.mem.store32(slot.md + KFMD_MD_SEQ, seq + 2);
  }

  /**
   * The install failed (-EBUSY): the index was never published, so no reader can have it, and
   * the slot is free again at once (its cookie is unchanged).
   */
  *unclaim(slot: KfmdSlot): Op<void> {
    // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
    yield* this.mem.store32(slot.md + KFMD_MD_USERS, 0);
    yield* this.setBitOf(slot);
  }

  /** The last reference is gone (users already 0): record the cookie (D1), mark the slot free. */
  *released(slot: KfmdSlot): Op<void> {
    yield* this.mem.store32(slot.md + KFMD_MD_GP, yield* this.mem.load32(this.gpSeqAddr));
    yield* this.setBitOf(slot);
  }

  *addUsed(delta: number): Op<void> {
    const used = yield* this.mem.load32(this.usedAddr);
    yield* this.mem.store32(this.usedAddr, used + delta);
  }

  // ---- grace periods -----------------------------------------------------------------------

  /**
   * cond_synchronize_rcu(md->gp): if no grace period has completed since the slot's last
   * release, wait for one. Releases and this wait both run under kfunc_md_mutex, so a grace
   * period counted here began after every release that recorded an older cookie.
   */
  private *condSynchronizeRcu(md: Addr): Op<void> {
    const cookie = yield* this.mem.load32(md + KFMD_MD_GP);
    const now = yield* this.mem.load32(this.gpSeqAddr);
    if (cookie !== now) return;
    yield* this.mem.synchronizeRcu();
    yield* this.mem.store32(this.gpSeqAddr, now + 1);
  }

  // ---- arrays ------------------------------------------------------------------------------

  /** __get_free_pages(kfunc_md_page_order()), kfunc_md_init, rcu_assign_pointer(kfunc_mds): no grace period, nobody holds it yet. */
  private *firstArray(): Op<Addr> {
    const count = yield* this.mem.load32(this.countAddr);
    const mds = yield* this.mem.allocPages(orderOf(count, this.perPage));
    if (!mds) return 0;
    yield* this.initEntries(mds, 0, count);
    yield* this.fillBitmap(mds, count, 0);
    yield* this.mem.store64(this.mdsAddr, mds);
    this.arrays.push({ base: mds, count });
    return mds;
  }

  /**
   * Double the array (only when every slot is live). D6 and NORCU: the old block is retired,
   * never freed, so a caller's md pointer and a reader without rcu_read_lock stay on mapped
   * memory; put() maps a pointer into it to its slot. The retired blocks together are smaller
   * than the current one.
   *
   * Order for readers (kfunc_md_find loads kfunc_md_count with smp_load_acquire, then
   * rcu_dereference(kfunc_mds)): memcpy and init, rcu_assign_pointer(kfunc_mds, new) (a
   * release), then smp_store_release(&kfunc_md_count, 2 * count). A reader that sees the new
   * count sees the new array; one that sees the old count indexes either array in range.
   */
  private *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    // I11: past MAX_PAGE_ORDER growth fails with nothing changed (and no allocation attempted)
    if (order + 1 > this.kernel.maxOrder) return 0;
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    for (let off = 0; off < count * KFMD_MD_SIZE; off += 4) {
      yield* this.mem.store32(fresh + off, yield* this.mem.load32(mds + off));
    }
    yield* this.initEntries(fresh, count, 2 * count);
    yield* this.fillBitmap(fresh, 2 * count, count);
    yield* this.mem.store64(this.mdsAddr, fresh);
    yield* this.mem.store32(this.countAddr, 2 * count);
    this.arrays.push({ base: fresh, count: 2 * count });
    return fresh;
  }

  /** kfunc_md_init(mds, from, to): users = 0, seq = 0, never released (func stays garbage: users == 0 is nobody's). */
  private *initEntries(mds: Addr, from: number, to: number): Op<void> {
    for (let i = from; i < to; i++) {
      const md = mds + i * KFMD_MD_SIZE;
      // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
      yield* this.mem.store32(md + KFMD_MD_USERS, 0);
      yield* this.mem.store32(md + KFMD_MD_SEQ, 0);
      yield* this.mem.store32(md + KFMD_MD_GP, KFMD_GP_NEVER);
    }
  }

  // ---- the bitmap --------------------------------------------------------------------------

  /** The whole bitmap of `count` slots of which exactly [freeFrom, count) are free: one store per word. */
  private *fillBitmap(mds: Addr, count: number, freeFrom: number): Op<void> {
    const shape = this.shape(count);
    let below: number[] = [];
    // Stryker disable next-line EqualityOperator: one level past the top has no words (sizes[l] is undefined): nothing is stored
    for (let l = 0; l < shape.sizes.length; l++) {
      const words: number[] = [];
      // Stryker disable next-line EqualityOperator: the extra word is the next level's first, rewritten after, or past the bitmap, where no map word is read
      for (let k = 0; k < shape.sizes[l]; k++) {
        let w = 0;
        for (let b = 0; b < 32; b++) {
          const i = k * 32 + b;
          const set = l === 0 ? i >= freeFrom && i < count : i < below.length && below[i] !== 0;
          if (set) w |= 1 << b;
        }
        words.push(w >>> 0);
        yield* this.storeWord(mds, shape.offsets[l] + k, w);
      }
      below = words;
    }
  }

  /** The lowest slot whose bit is set, descending from the one-word top level; null when none is free. */
  private *lowestFree(mds: Addr, count: number): Op<number | null> {
    const { offsets } = this.shape(count);
    let j = 0;
    for (let l = offsets.length - 1; l >= 0; l--) {
      const w = yield* this.mem.load32(mds + (offsets[l] + j) * KFMD_MD_SIZE + KFMD_MD_MAP);
      if (w === 0) return null;
      j = j * 32 + ffs(w);
    }
    return j;
  }

  private *setBitOf(slot: KfmdSlot): Op<void> {
    const mds = slot.md - slot.index * KFMD_MD_SIZE;
    yield* this.setBit(mds, yield* this.mem.load32(this.countAddr), slot.index);
  }

  /** Set slot i's bit; a word that was 0 sets its bit one level up, and so on. */
  private *setBit(mds: Addr, count: number, index: number): Op<void> {
    const { offsets } = this.shape(count);
    let j = index;
    for (const off of offsets) {
      const p = off + (j >>> 5);
      const w = yield* this.loadWord(mds, p);
      yield* this.storeWord(mds, p, w | (1 << (j & 31)));
      // Stryker disable next-line ConditionalExpression: the bit one level up is set exactly when this word was non-zero: setting it again changes nothing
      if (w !== 0) return;
      j >>>= 5;
    }
  }

  /** Clear slot i's bit; a word that becomes 0 clears its bit one level up, and so on. */
  private *clearBit(mds: Addr, count: number, index: number): Op<void> {
    const { offsets } = this.shape(count);
    let j = index;
    for (const off of offsets) {
      const p = off + (j >>> 5);
      const w = (yield* this.loadWord(mds, p)) & ~(1 << (j & 31));
      yield* this.storeWord(mds, p, w);
      if (w !== 0) return;
      j >>>= 5;
    }
  }

  private *loadWord(mds: Addr, p: number): Op<number> {
    return yield* this.mem.load32(mds + p * KFMD_MD_SIZE + KFMD_MD_MAP);
  }

  private *storeWord(mds: Addr, p: number, value: number): Op<void> {
    yield* this.mem.store32(mds + p * KFMD_MD_SIZE + KFMD_MD_MAP, value >>> 0);
  }
}
