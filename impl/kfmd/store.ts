import type { ArchHooks } from '../arch/hooks.ts';
import { hooksFor } from '../arch/select.ts';
import { kfmdFtraceCallAdjust } from './ftrace.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { hex, toI32 } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { CONTRACT_VERSION, V4_LOCKING } from '../contract/index.ts';
import type { Implementation, KfuncMdStore, StoreView, TrampolineView } from '../contract/index.ts';
import { KFUNC_MD_MUTEX, orderOf } from '../v4/layout.ts';
import { KFMD_LAYOUT, KFMD_MD_FUNC, KFMD_MD_SEQ, KFMD_MD_SIZE, KFMD_MD_USERS } from './layout.ts';
import { KfmdSlots } from './slots.ts';
import { PaddingText } from './text.ts';

/** What kfunc_md_find learnt about ip: its md, if it owns one. */
interface Lookup {
  /** ip's md (0: none) */
  readonly md: Addr;
  /** the slot index of md (−1 without one) */
  readonly index: number;
  /** md->users and md->func as the validated read saw them (0 without an md) */
  readonly users: number;
  readonly func: Addr;
}

// Stryker disable next-line UnaryOperator: index is read only when md is set
const MISS: Lookup = { md: 0, index: -1, users: 0, func: 0 };

/**
 * kfmd: v4's design — an index instruction in the padding, one global array, a lock-free
 * trampoline reader — with every v4 defect of spec §7 fixed. Each fix is marked with the defect
 * it removes:
 *
 * - D1  a released slot is handed out again only after a grace period that began after its
 *       release (cond_synchronize_rcu on its cookie, slots.ts); lock-free readers also
 *       validate the slot against its seqcount;
 * - D2  func, users and seq are written before the index is poked (KfmdSlots.claim);
 * - D3  used drops on every release, whatever the window holds (release);
 * - D3b the NOPs go back only over this slot's own instruction (PaddingText.restoreIfHolds);
 * - D4  no linear scan: a hierarchical free-slot bitmap embedded in the array (slots.ts);
 * - D6, NORCU  grown-out arrays are retired, never freed; put maps a stale pointer to its slot;
 * - D7  a torn x86 window never yields a wrong md: silent bound check, md check, and a restore
 *       that disarms the opcode before clearing the index (text.ts);
 * - D8, D8b  only padded functions are read, and an md is returned only if md->func == ip and
 *       users > 0 (read consistently under the slot's seqcount);
 * - D9  the bound check never WARNs: a torn or foreign index past the capacity is just a miss;
 * - D16 the window is read with one load and decoded once (PaddingText.snapshot).
 *
 * Locking is v4's (V4_LOCKING): get runs under the caller's kfunc_md_lock(), put and
 * put_by_ip take kfunc_md_mutex themselves; text_mutex is taken only inside it.
 */
export class KfmdStore implements KfuncMdStore {
  readonly name = 'kfmd';
  private readonly mem: Memory;
  private readonly slots: KfmdSlots;
  private readonly text: PaddingText;
  /** functions compiled with padding (the kernel's __patchable_function_entries records): D8 */
  private readonly padded: ReadonlySet<Addr>;
  /** ftrace_call_adjust(addr) of kfmd's arm64 kernel: the pre-entry words skipped before the BTI probe (D13) */
  readonly ftraceCallAdjust?: (addr: Addr) => Op<Addr>;

  constructor(
    private readonly kernel: Kernel,
    private readonly hooks: ArchHooks = hooksFor(kernel),
  ) {
    this.mem = kernel.mem;
    this.slots = new KfmdSlots(kernel);
    this.text = new PaddingText(kernel, hooks);
    this.padded = new Set(kernel.functions.filter((f) => f.padded).map((f) => f.ip));
    const o = kernel.options;
    if (o.arch === 'arm64') this.ftraceCallAdjust = (addr) => kfmdFtraceCallAdjust(kernel, o, addr);
  }

  /** kfunc_md_lock(): mutex_lock(&kfunc_md_mutex) */
  *lock(): Op<void> {
    yield* this.mem.mutexLock(KFUNC_MD_MUTEX);
  }

  /** kfunc_md_unlock(): mutex_unlock(&kfunc_md_mutex) */
  *unlock(): Op<void> {
    yield* this.mem.mutexUnlock(KFUNC_MD_MUTEX);
  }

  /** kfunc_md_get(ip): the caller holds kfunc_md_mutex (V4_LOCKING). */
  *get(ip: Addr): Op<Addr> {
    // D8: a function without padding has no window; its neighbour's bytes are never read
    if (!this.padded.has(ip)) return 0;
    const found = yield* this.lookup(ip);
    if (found.md) {
      // the mutex is held: users cannot change under us
      // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
      yield* this.mem.store32(found.md + KFMD_MD_USERS, found.users + 1);
      return found.md;
    }
    const slot = yield* this.slots.allocate();
    if (!slot) return 0;
    // D2: complete (func, users, seq) before the index is visible; smp_wmb() before the poke
    yield* this.slots.claim(slot, ip);
    if ((yield* this.text.install(ip, this.hooks.pretend(slot.index))) !== 0) {
      yield* this.slots.unclaim(slot);
      return 0;
    }
    yield* this.slots.addUsed(1);
    return slot.md;
  }

  /** kfunc_md_put(md): takes kfunc_md_mutex; a pointer into a retired array names the same slot (D6). */
  *put(md: Addr): Op<void> {
    yield* this.lock();
    const index = this.slots.indexOf(md);
    if (index === null) this.kernel.warn('put-users', `kfunc_md_put(${hex(md)}): not an md pointer`);
    else yield* this.release(index);
    yield* this.unlock();
  }

  /** kfunc_md_put_by_ip(ip): takes kfunc_md_mutex; nothing happens when ip owns no md. */
  *putByIp(ip: Addr): Op<void> {
    yield* this.lock();
    const found = yield* this.lookup(ip);
    if (found.md) yield* this.release(found.index);
    yield* this.unlock();
  }

  /** kfunc_md_find(ip): no lock; the caller is an RCU reader or holds kfunc_md_mutex (or neither: arrays are never freed). */
  *find(ip: Addr): Op<Addr> {
    return (yield* this.lookup(ip)).md;
  }

  /**
   * The global trampoline's reader (bpf_global_caller): [rcu_read_lock()] kfunc_md_find(ip),
   * returning the md->users and md->func its validated read saw (loaded once each: reading
   * them again would race a put).
   * Without rcu_read_lock it is still sound: it only reads text and arrays, which are never
   * freed (D6/NORCU), and the seqcount makes the (users, func) pair a snapshot, so a slot
   * reused under a stalled reader is a miss, not someone else's md.
   */
  *trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView> {
    if (opts.rcu) yield* this.mem.rcuReadLock();
    const found = yield* this.lookup(ip);
    if (opts.rcu) yield* this.mem.rcuReadUnlock();
    return found.md ? { md: found.md, users: found.users, func: found.func } : { md: 0, users: 0, func: 0 };
  }

  inspect(): StoreView {
    const mem = this.mem;
    const arrayBase = mem.peek64(this.slots.mdsAddr);
    const count = mem.peek32(this.slots.countAddr);
    const entries = [];
    if (arrayBase !== 0) {
      for (let i = 0; i < count; i++) {
        const md = arrayBase + i * KFMD_MD_SIZE;
        // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
        entries.push({ md, users: toI32(mem.peek32(md + KFMD_MD_USERS)), func: mem.peek64(md + KFMD_MD_FUNC) });
      }
    }
    return {
      arrayBase,
      count,
      used: mem.peek32(this.slots.usedAddr),
      order: orderOf(count, this.slots.perPage),
      entriesPerPage: this.slots.perPage,
      layout: KFMD_LAYOUT,
      entries,
      retained: this.slots.retired(),
    };
  }

  /**
   * kfunc_md_find's body, for readers and writers alike:
   *
   *   w = one snapshot of the window (D16); index = decode(w), once
   *   smp_rmb();  count = smp_load_acquire(&kfunc_md_count);  mds = rcu_dereference(kfunc_mds);
   *   index >= count or !mds → NULL, no WARN (D7-warn, D9: a torn or foreign index is a miss)
   *   md = &mds[index];   s = read_seqcount_begin(&md->seq);
   *   users = READ_ONCE(md->users); func = READ_ONCE(md->func);
   *   read_seqcount_retry(&md->seq, s) or users <= 0 or func != ip → NULL (D8b, D1, D7)
   *
   * The md check is what makes any in-range index harmless: a forged or torn index, a stale one
   * from a slot since reused, or one a reader without RCU read long ago, names a slot whose
   * func is not ip or whose users is 0, or whose seq moved while we read it. A function owns
   * at most one slot, so "slot i has func == ip and users > 0, consistently" means md i is ip's.
   */
  private *lookup(ip: Addr): Op<Lookup> {
    // D8: never touch a function without padding
    if (!this.padded.has(ip)) return MISS;
    const index = this.text.decode(yield* this.text.snapshot(ip));
    if (index === null) return MISS;
    const count = yield* this.mem.load32(this.slots.countAddr);
    // the bound check (D9: silently; v4 WARNs, which a torn read reaches: D7-warn)
    if (index >= count) return MISS;
    const mds = yield* this.mem.load64(this.slots.mdsAddr);
    // D8b: an index while no array exists is not a pointer into NULL
    if (!mds) return MISS;
    const md = mds + index * KFMD_MD_SIZE;
    const seq = yield* this.mem.load32(md + KFMD_MD_SEQ);
    if (seq % 2 !== 0) return MISS;
    // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
    const users = toI32(yield* this.mem.load32(md + KFMD_MD_USERS));
    const func = yield* this.mem.load64(md + KFMD_MD_FUNC);
    if ((yield* this.mem.load32(md + KFMD_MD_SEQ)) !== seq || users <= 0 || func !== ip) return MISS;
    return { md, index, users, func };
  }

  /** __kfunc_md_put for slot `index` of the current array: kfunc_md_mutex held. */
  private *release(index: number): Op<void> {
    const md = yield* this.slots.mdOf(index);
    // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
    const users = md ? toI32(yield* this.mem.load32(md + KFMD_MD_USERS)) : 0;
    if (users <= 0) {
      this.kernel.warn('put-users', `kfunc_md_put(#${index}): users ${users} <= 0`);
      return;
    }
    // WRITE_ONCE: a lock-free reader that loads users == 0 misses from here on
    // Stryker disable next-line ArithmeticOperator: offsetof(struct kfunc_md, users) is 0
    yield* this.mem.store32(md + KFMD_MD_USERS, users - 1);
    if (users > 1) return;
    // D3: the slot is free, so used drops, whatever the window holds now
    yield* this.slots.addUsed(-1);
    const func = yield* this.mem.load64(md + KFMD_MD_FUNC);
    // D3b inside: only our own instruction is restored; D8: only padded functions have a window
    // Stryker disable next-line ConditionalExpression: a slot with users > 0 was claimed by get, for a padded function only
    if (this.padded.has(func)) yield* this.text.restoreIfHolds(func, this.hooks.pretend(index));
    // D1: the grace-period cookie; the slot is handed out again only after a grace period
    yield* this.slots.released({ md, index });
  }
}

/** kfmd's own corrected padding design; its slot choice (a free-list head) is judged by relation. */
export const kfmd: Implementation = {
  name: 'kfmd',
  description:
    "v4's padding design with its defects fixed: grace period before slot reuse, entry before index, O(1) free list, md->func check under a seqcount, retired arrays",
  contract: CONTRACT_VERSION,
  declares: {
    index: 'padding-insn',
    slotPolicy: 'any-free',
    locking: V4_LOCKING,
    readers: { rcu: true, norcu: true },
    pastMaxOrder: 'refuses',
    ftraceCallAdjust: true,
  },
  create: (kernel) => new KfmdStore(kernel),
};
