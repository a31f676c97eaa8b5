import type { AddressSpace, Segment } from './address-space.ts';
import type { EventLog, ViolationKind } from './events.ts';
import { GFP_KERNEL, __GFP_NOWARN } from './gfp.ts';
import { hex } from './le.ts';
import type { MutexTable } from './mutexes.ts';
import type { PageAllocator } from './pages.ts';
import type { RcuState } from './rcu.ts';
import type { Addr, Op, Step } from './types.ts';

/** The WARN site of __alloc_pages' order check (mm/page_alloc.c) */
export const ALLOC_PAGES_ORDER_WARN = 'alloc_pages-order';

/**
 * The one door to shared state. Every method that touches something another CPU could see is
 * a generator: it yields a Step first and acts only when resumed, so a scheduler can cut in
 * between any two accesses. `currentCpu` must be set by whoever resumes a generator.
 *
 * peek* methods are for the harness: they neither yield nor count, nor trip use-after-free
 * detection.
 */
export class Memory {
  currentCpu = 0;
  /** Shared accesses performed so far (one per resumed Step); stamps logs and violations. */
  tick = 0;
  /** blocked steps yielded by blockWhile, with the condition that keeps them blocked */
  private readonly blockers = new WeakMap<Step, () => boolean>();

  constructor(
    private readonly space: AddressSpace,
    private readonly events: EventLog,
    readonly mutexes: MutexTable,
    readonly rcu: RcuState,
    readonly pages: PageAllocator,
  ) {}

  // ---- loads and stores ------------------------------------------------------------------

  /** A plain 1-byte load (x86 kfunc_md_arch_exist reads the opcode this way). */
  *load8(addr: Addr): Op<number> {
    yield { kind: 'load8', addr, size: 1 };
    return this.loadNow(addr, 1);
  }

  /** A plain u32 load (kfunc_md_get_index, kfunc_md_count, md->users). */
  *load32(addr: Addr): Op<number> {
    yield { kind: 'load32', addr, size: 4 };
    return this.loadNow(addr, 4);
  }

  /** u64 LE; values above 2^53 (garbage, poison) come back rounded, which is fine for pointers. */
  *load64(addr: Addr): Op<number> {
    yield { kind: 'load64', addr, size: 8 };
    return this.loadNow(addr, 8);
  }

  *store8(addr: Addr, value: number): Op<void> {
    yield { kind: 'store8', addr, size: 1, value };
    this.storeNow(addr, [value & 0xff]);
  }

  /** Accepts i32 or u32 values; stored as the u32 bit pattern. */
  *store32(addr: Addr, value: number): Op<void> {
    yield { kind: 'store32', addr, size: 4, value };
    const v = value >>> 0;
    this.storeNow(addr, [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
  }

  *store64(addr: Addr, value: number): Op<void> {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`store64 of non-address ${value}`);
    yield { kind: 'store64', addr, size: 8, value };
    const v = BigInt(value);
    const bytes: number[] = [];
    for (let i = 0n; i < 8n; i++) bytes.push(Number((v >> (8n * i)) & 0xffn));
    this.storeNow(addr, bytes);
  }

  // ---- mutexes ---------------------------------------------------------------------------

  /** mutex_lock(&name): re-yields a blocked step until the mutex is free, then takes it. */
  *mutexLock(name: string): Op<void> {
    const cpu = this.currentCpu;
    let blocked = this.mutexes.owner(name) !== undefined;
    for (;;) {
      yield { kind: 'mutex_lock', lock: name, blocked, ...(blocked ? { note: this.mutexNote(name, cpu) } : {}) };
      this.tick++;
      if (this.mutexes.tryTake(name, cpu)) return;
      blocked = true;
    }
  }

  /** mutex_unlock(&name); unlocking a mutex another CPU owns is a violation (lockdep would complain). */
  *mutexUnlock(name: string): Op<void> {
    yield { kind: 'mutex_unlock', lock: name };
    this.tick++;
    const owner = this.mutexes.owner(name);
    if (!this.mutexes.release(name, this.currentCpu)) {
      this.violate(
        'mutex-unlock-not-owner',
        undefined,
        `cpu${this.currentCpu} unlocks ${name} owned by ${owner === undefined ? 'nobody' : `cpu${owner}`}`,
      );
    }
  }

  // ---- RCU -------------------------------------------------------------------------------

  /** rcu_read_lock(): enter (or nest) a read-side critical section on this CPU. */
  *rcuReadLock(): Op<void> {
    yield { kind: 'rcu_read_lock' };
    this.tick++;
    this.rcu.readLock(this.currentCpu);
  }

  /** rcu_read_unlock(); an unbalanced one is a violation. */
  *rcuReadUnlock(): Op<void> {
    yield { kind: 'rcu_read_unlock' };
    this.tick++;
    if (!this.rcu.readUnlock(this.currentCpu)) {
      this.violate('rcu-unlock-unbalanced', undefined, `cpu${this.currentCpu} rcu_read_unlock without rcu_read_lock`);
    }
  }

  /** synchronize_rcu: the grace period starts when first resumed, ends when old readers left. */
  *synchronizeRcu(): Op<void> {
    const cpu = this.currentCpu;
    yield { kind: 'sync_rcu' };
    this.tick++;
    this.rcu.beginSync(cpu);
    for (;;) {
      const pending = this.rcu.pendingReaders(cpu);
      if (pending.length === 0) break;
      yield { kind: 'sync_rcu', blocked: true, note: this.syncNote(cpu, pending) };
      this.tick++;
    }
    this.rcu.endSync(cpu);
  }

  // ---- pages -----------------------------------------------------------------------------

  /**
   * __get_free_pages(gfp, order): block address, or 0 on failure. Contents are garbage, not zero.
   * An order past MAX_PAGE_ORDER fails and, unless __GFP_NOWARN, hits __alloc_pages'
   * WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp): the kernel does not fail that request silently.
   */
  *allocPages(order: number, gfp = GFP_KERNEL): Op<Addr> {
    yield { kind: 'alloc_pages', order, size: this.pages.pageSize * 2 ** order };
    this.tick++;
    if (order > this.pages.maxOrder && (gfp & __GFP_NOWARN) === 0)
      this.events.warn(
        ALLOC_PAGES_ORDER_WARN,
        `__alloc_pages: order ${order} > MAX_PAGE_ORDER ${this.pages.maxOrder}`,
        this.currentCpu,
        this.tick,
      );
    return this.pages.alloc(order);
  }

  /** free_pages(addr, order): a double free, an unknown block or the wrong order is a violation. */
  *freePages(addr: Addr, order: number): Op<void> {
    yield { kind: 'free_pages', addr, order, size: this.pages.pageSize * 2 ** order };
    this.tick++;
    const r = this.pages.free(addr, order);
    if (r === 'double-free') this.violate('double-free', addr, `free_pages(${hex(addr)}) of an already freed block`);
    else if (r === 'unknown')
      this.violate('free-unknown', addr, `free_pages(${hex(addr)}) of something never allocated`);
    else if (r === 'order-mismatch')
      this.violate('free-order-mismatch', addr, `free_pages(${hex(addr)}, ${order}) with the wrong order`);
  }

  // ---- for the kernel primitives built on this door (impl/kernel/*.ts) ---------------------

  /**
   * A u32/u64 load a named kernel primitive performs (rcu_dereference in
   * hlist_for_each_entry_rcu, rcu_do_batch reading rcu_head::func): a load step carrying `call`.
   */
  *loadAs(call: string, addr: Addr, size: 4 | 8 = 8): Op<number> {
    yield { kind: size === 8 ? 'load64' : 'load32', addr, size, call };
    return this.loadNow(addr, size);
  }

  /** A u32/u64 store a named kernel primitive performs (rcu_assign_pointer, WRITE_ONCE, call_rcu): a store step carrying `call`. */
  *storeAs(call: string, addr: Addr, value: number, size: 4 | 8 = 8): Op<void> {
    if (size === 8 && (!Number.isSafeInteger(value) || value < 0))
      throw new RangeError(`${call}: store64 of non-address ${value}`);
    yield { kind: size === 8 ? 'store64' : 'store32', addr, size, value, call };
    this.storeNow(addr, littleEndian(value, size));
  }

  /**
   * One indivisible read-modify-write of a u32 (atomic_add_return, atomic_inc_not_zero,
   * this_cpu_add): one store32 step carrying `call` and `operand`, and no `value`. `update` maps
   * the old value, as an i32, to the new one, or to undefined for no store (a failed
   * atomic_inc_not_zero). Returns the old value as an i32 (0 for unmapped memory).
   */
  *atomic32(call: string, addr: Addr, operand: number, update: (old: number) => number | undefined): Op<number> {
    yield { kind: 'store32', addr, size: 4, call, operand };
    const seg = this.space.find(addr, 4);
    if (!seg) {
      this.tick++;
      this.violate('write-unmapped', addr, `${call} on unmapped ${hex(addr)}`);
      return 0;
    }
    const old = seg.view.getInt32(addr - seg.base, true);
    const next = update(old);
    if (next === undefined) {
      this.tick++;
      if (seg.freed) this.violate('read-freed', addr, `${call} reads freed ${seg.name} at ${hex(addr)}`);
    } else {
      this.storeNow(addr, littleEndian(next, 4));
    }
    return old;
  }

  /**
   * One indivisible read-modify-write of a u64 pointer (cmpxchg of a pointer, xchg): one store64
   * step carrying `call` and `operand` (for cmpxchg, the new value), and no `value`. `update` maps
   * the old value to the new one, or to undefined for no store (a cmpxchg that found another
   * value). Returns the old value (0 for unmapped memory).
   */
  *atomic64(call: string, addr: Addr, operand: number, update: (old: number) => number | undefined): Op<number> {
    yield { kind: 'store64', addr, size: 8, call, operand };
    const seg = this.space.find(addr, 8);
    if (!seg) {
      this.tick++;
      this.violate('write-unmapped', addr, `${call} on unmapped ${hex(addr)}`);
      return 0;
    }
    const old = Number(seg.view.getBigUint64(addr - seg.base, true));
    const next = update(old);
    if (next === undefined) {
      this.tick++;
      if (seg.freed) this.violate('read-freed', addr, `${call} reads freed ${seg.name} at ${hex(addr)}`);
    } else {
      if (!Number.isSafeInteger(next) || next < 0) throw new RangeError(`${call}: store64 of non-address ${next}`);
      this.storeNow(addr, littleEndian(next, 8));
    }
    return old;
  }

  /**
   * atomic_add / atomic_inc / atomic_dec (and their _return / _and_test forms, which differ only in
   * what the caller does with the result): atomic32 adding `delta`, the delta as the step's operand.
   * Returns the old value as an i32.
   */
  atomicAdd(call: string, addr: Addr, delta: number): Op<number> {
    return this.atomic32(call, addr, delta, (v) => v + delta);
  }

  /** set_bit(nr, addr) on an unsigned long: one atomic step, bit `nr` (below 53) set; the word is stored even if it was set */
  setBit(addr: Addr, nr: number): Op<number> {
    const bit = 2 ** nr;
    return this.atomic64('set_bit', addr, nr, (v) => (testBitOf(v, nr) ? v : v + bit));
  }

  /** test_bit(nr, addr): one load of the unsigned long */
  *testBit(addr: Addr, nr: number): Op<boolean> {
    return testBitOf(yield* this.loadAs('test_bit', addr), nr);
  }

  /** A step that is no load or store (an allocation, rcu_read_lock_trace, ...): yields it, counts it, then acts. */
  *primitive<T>(step: Step, act: () => T): Op<T> {
    yield step;
    this.tick++;
    return act();
  }

  /**
   * Re-yields a blocked step (made by `step`, with blocked: true added) while `waiting()` holds;
   * schedulers learn through stillBlocked whether the condition still holds.
   */
  *blockWhile(waiting: () => boolean, step: () => Step): Op<void> {
    while (waiting()) {
      const s: Step = { ...step(), blocked: true };
      this.blockers.set(s, waiting);
      yield s;
      this.tick++;
    }
  }

  /** Record a violation a kernel primitive detected (a double kfree, an unbalanced rcu_read_unlock_trace, ...). */
  report(kind: ViolationKind, addr: Addr | undefined, note: string): void {
    this.violate(kind, addr, note);
  }

  // ---- scheduler support -----------------------------------------------------------------

  /** Whether resuming `cpu` at `step` would just re-yield (for schedulers; state may have changed since the yield). */
  stillBlocked(cpu: number, step: Step): boolean {
    const waiting = this.blockers.get(step);
    if (waiting) return waiting();
    if (step.kind === 'mutex_lock' && step.lock !== undefined) return this.mutexes.owner(step.lock) !== undefined;
    if (step.kind === 'sync_rcu' && step.blocked) return this.rcu.pendingReaders(cpu).length > 0;
    return false;
  }

  // ---- non-scheduling access for the harness and for boot ---------------------------------

  isMapped(addr: Addr, size = 1): boolean {
    return this.space.find(addr, size) !== undefined;
  }

  peekBytes(addr: Addr, n: number): Uint8Array {
    const seg = this.mapped(addr, n);
    const off = addr - seg.base;
    return seg.bytes.slice(off, off + n);
  }

  peek8(addr: Addr): number {
    const seg = this.mapped(addr, 1);
    return seg.bytes[addr - seg.base];
  }

  peek32(addr: Addr): number {
    const seg = this.mapped(addr, 4);
    return seg.view.getUint32(addr - seg.base, true);
  }

  peek64(addr: Addr): number {
    const seg = this.mapped(addr, 8);
    return Number(seg.view.getBigUint64(addr - seg.base, true));
  }

  /**
   * Write bytes without a scheduling point. Boot-time rewrites (text_poke_early) use log=false; a foreign
   * subsystem's write is logged with foreign=true so the harness can tell it from kfunc_md's.
   */
  writeDirect(addr: Addr, bytes: ArrayLike<number>, log: boolean): void {
    const seg = this.mapped(addr, bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      const off = addr - seg.base + i;
      const before = seg.bytes[off];
      seg.bytes[off] = bytes[i] & 0xff;
      if (log && seg.kind === 'text') {
        this.events.textWrites.push({
          addr: addr + i,
          before,
          after: seg.bytes[off],
          cpu: -1,
          step: this.tick,
          foreign: true,
        });
      }
    }
  }

  // ---- internals -------------------------------------------------------------------------

  private mapped(addr: Addr, n: number): Segment {
    const seg = this.space.find(addr, n);
    if (!seg) throw new RangeError(`peek/write of unmapped ${hex(addr)}+${n}`);
    return seg;
  }

  private loadNow(addr: Addr, size: 1 | 4 | 8): number {
    this.tick++;
    const seg = this.space.find(addr, size);
    if (!seg) {
      // a wild pointer: the kernel would oops; record it and read zeros
      this.violate('read-unmapped', addr, `load${size * 8} from unmapped ${hex(addr)}`);
      return 0;
    }
    if (seg.freed) this.violate('read-freed', addr, `load${size * 8} from freed ${seg.name} at ${hex(addr)}`);
    const off = addr - seg.base;
    if (size === 1) return seg.bytes[off];
    if (size === 4) return seg.view.getUint32(off, true);
    return Number(seg.view.getBigUint64(off, true));
  }

  private storeNow(addr: Addr, bytes: number[]): void {
    this.tick++;
    const seg = this.space.find(addr, bytes.length);
    if (!seg) {
      this.violate('write-unmapped', addr, `store${bytes.length * 8} to unmapped ${hex(addr)}`);
      return;
    }
    if (seg.freed) this.violate('write-freed', addr, `store${bytes.length * 8} to freed ${seg.name} at ${hex(addr)}`);
    const cpu = this.currentCpu;
    for (let i = 0; i < bytes.length; i++) {
      const off = addr - seg.base + i;
      const before = seg.bytes[off];
      seg.bytes[off] = bytes[i];
      if (seg.kind === 'text') {
        this.events.textWrites.push({ addr: addr + i, before, after: bytes[i], cpu, step: this.tick, foreign: false });
      }
    }
  }

  private violate(kind: ViolationKind, addr: Addr | undefined, note: string): void {
    this.events.violation({
      kind,
      ...(addr === undefined ? {} : { addr }),
      cpu: this.currentCpu,
      step: this.tick,
      note,
    });
  }

  private mutexNote(name: string, cpu: number): string {
    const owner = this.mutexes.owner(name);
    if (owner === cpu) return `self-deadlock: cpu${cpu} takes ${name} while holding it`;
    return `cpu${cpu} waits for ${name} held by cpu${owner ?? '?'}`;
  }

  private syncNote(cpu: number, pending: number[]): string {
    if (pending.includes(cpu))
      return `self-deadlock: cpu${cpu} calls synchronize_rcu inside its own RCU read-side section`;
    return `cpu${cpu} waits in synchronize_rcu for the RCU read-side section of ${pending.map((c) => `cpu${c}`).join(', ')}`;
  }
}

/** `value` as `size` little-endian bytes (u32 bit pattern for i32 values; u64 for addresses). */
function littleEndian(value: number, size: 4 | 8): number[] {
  const bytes: number[] = [];
  if (size === 4) {
    const v = value >>> 0;
    for (let i = 0; i < 4; i++) bytes.push((v >>> (8 * i)) & 0xff);
    return bytes;
  }
  const v = BigInt(value);
  for (let i = 0n; i < 8n; i++) bytes.push(Number((v >> (8n * i)) & 0xffn));
  return bytes;
}

/** Bit `nr` of a word held as a Number (exact below 2^53). */
function testBitOf(word: number, nr: number): boolean {
  return Math.floor(word / 2 ** nr) % 2 === 1;
}
