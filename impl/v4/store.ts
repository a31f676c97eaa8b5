import type { ArchHooks } from '../arch/hooks.ts';
import { hooksFor } from '../arch/select.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { hex, toI32, u32le } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import { TEXT_MUTEX } from '../kernel/mutexes.ts';
import { EBUSY } from '../kernel/types.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { CONTRACT_VERSION, V4_LOCKING } from '../contract/index.ts';
import type { EntryLayout, Implementation, KfuncMdStore, StoreView, TrampolineView } from '../contract/index.ts';
import { KFUNC_MD_MUTEX, MD_FUNC, MD_SIZE, MD_USERS, entriesPerPage, orderOf } from './layout.ts';

/** struct kfunc_md of v2..v4 as the contract describes layouts */
export const V4_LAYOUT: EntryLayout = { size: MD_SIZE, users: MD_USERS, func: MD_FUNC };

/** A freshly claimed slot. */
export interface Slot {
  readonly md: Addr;
  readonly index: number;
}

/**
 * kernel/trace/kfunc_md.c as posted in v4 (== v3 2/4), spec §2, with its bugs kept: the
 * implementation the harness puts under test.
 *
 * Every step is a small protected method so a mutant can subclass and override exactly one,
 * or be built with doctored hooks.
 */
export class V4Store implements KfuncMdStore {
  readonly name: string = 'v4';
  protected readonly mem: Memory;
  /** ENTRIES_PER_PAGE */
  protected readonly perPage: number;
  /** &kfunc_md_count: static u32, the capacity, starts at ENTRIES_PER_PAGE */
  protected readonly countAddr: Addr;
  /** &kfunc_md_used: static u32, slots handed out */
  protected readonly usedAddr: Addr;
  /** &kfunc_mds: struct kfunc_md __rcu *, the array, NULL until the first kfunc_md_get */
  protected readonly mdsAddr: Addr;
  /** ftrace_call_adjust(addr) of the arch code v4 builds (arm64 only: v4 4/4's, with D13) */
  readonly ftraceCallAdjust?: (addr: Addr) => Op<Addr>;

  constructor(
    protected readonly kernel: Kernel,
    protected readonly hooks: ArchHooks = hooksFor(kernel),
  ) {
    this.mem = kernel.mem;
    this.perPage = entriesPerPage(kernel.pageSize);
    this.countAddr = kernel.defineStatic('kfunc_md_count', u32le(this.perPage));
    this.usedAddr = kernel.defineStatic('kfunc_md_used', u32le(0));
    this.mdsAddr = kernel.defineStatic('kfunc_mds', new Array<number>(8).fill(0));
    if (hooks.ftraceCallAdjust) this.ftraceCallAdjust = hooks.ftraceCallAdjust;
  }

  // ---- public API --------------------------------------------------------------------------

  /** kfunc_md_lock(): mutex_lock(&kfunc_md_mutex) */
  *lock(): Op<void> {
    yield* this.mem.mutexLock(KFUNC_MD_MUTEX);
  }

  /** kfunc_md_unlock(): mutex_unlock(&kfunc_md_mutex) */
  *unlock(): Op<void> {
    yield* this.mem.mutexUnlock(KFUNC_MD_MUTEX);
  }

  /**
   * kfunc_md_find(ip): kfunc_md_arch_exist, kfunc_md_get_index, WARN_ON_ONCE(index >= kfunc_md_count),
   * then rcu_dereference(kfunc_mds) + index.
   * No NULL-array check, no md->func == ip check, no users check: exactly v4.
   */
  *find(ip: Addr): Op<Addr> {
    if (!(yield* this.hooks.exist(ip))) return 0;
    const index = yield* this.getIndex(ip);
    const count = yield* this.mem.load32(this.countAddr);
    if (index >= count) {
      this.kernel.warn('find-bound', `kfunc_md_find(${hex(ip)}): index ${index} >= count ${count}`);
      return 0;
    }
    const mds = yield* this.mem.load64(this.mdsAddr);
    return mds + index * MD_SIZE;
  }

  /** kfunc_md_get(ip): caller holds kfunc_md_lock(); find, else kfunc_md_get_next + kfunc_md_text_poke */
  *get(ip: Addr): Op<Addr> {
    const found = yield* this.find(ip);
    if (found) {
      // an existing md just gains a user, whatever state it is in
      yield* this.incUsers(found);
      return found;
    }
    const slot = yield* this.allocSlot();
    if (!slot) return 0;
    const ret = yield* this.textPokeHelper(ip, this.hooks.pretend(slot.index), this.hooks.nops());
    if (ret !== 0) {
      yield* this.addUsed(-1);
      // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
      yield* this.mem.store32(slot.md + MD_USERS, 0);
      return 0;
    }
    // published only after the instruction is live (spec D2)
    yield* this.mem.store64(slot.md + MD_FUNC, ip);
    return slot.md;
  }

  /** kfunc_md_put(md): mutex_lock(&kfunc_md_mutex); __kfunc_md_put(md); mutex_unlock */
  *put(md: Addr): Op<void> {
    yield* this.lock();
    yield* this.putLocked(md);
    yield* this.unlock();
  }

  /** kfunc_md_put_by_ip(ip): under kfunc_md_mutex, kfunc_md_find(ip) and __kfunc_md_put if found */
  *putByIp(ip: Addr): Op<void> {
    yield* this.lock();
    const md = yield* this.find(ip);
    if (md) yield* this.putLocked(md);
    yield* this.unlock();
  }

  /** The global trampoline's reader (bpf_global_caller): [rcu_read_lock()] kfunc_md_find(ip), md->users, md->func */
  *trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView> {
    if (opts.rcu) yield* this.mem.rcuReadLock();
    const md = yield* this.find(ip);
    const entry = md ? yield* this.readEntry(md) : { users: 0, func: 0 };
    if (opts.rcu) yield* this.mem.rcuReadUnlock();
    return { md, ...entry };
  }

  /** What the trampoline loads from an md: users, then func. */
  protected *readEntry(md: Addr): Op<{ users: number; func: Addr }> {
    // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
    const users = toI32(yield* this.mem.load32(md + MD_USERS));
    return { users, func: yield* this.mem.load64(md + MD_FUNC) };
  }

  inspect(): StoreView {
    const mem = this.mem;
    const arrayBase = mem.peek64(this.mdsAddr);
    const count = mem.peek32(this.countAddr);
    const used = mem.peek32(this.usedAddr);
    const entries = [];
    if (arrayBase !== 0 && mem.isMapped(arrayBase, count * MD_SIZE)) {
      for (let i = 0; i < count; i++) {
        const md = arrayBase + i * MD_SIZE;
        // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
        entries.push({ md, users: toI32(mem.peek32(md + MD_USERS)), func: mem.peek64(md + MD_FUNC) });
      }
    }
    return {
      arrayBase,
      count,
      used,
      order: orderOf(count, this.perPage),
      entriesPerPage: this.perPage,
      layout: V4_LAYOUT,
      entries,
    };
  }

  // ---- internals (one step each, for mutants) -----------------------------------------------

  /** kfunc_md_get_index(ip): *(u32 *)(ip - KFUNC_MD_DATA_OFFSET), a plain native-endian load from the padding. */
  protected *getIndex(ip: Addr): Op<number> {
    return yield* this.mem.load32(ip - this.hooks.dataOffset);
  }

  /** kfunc_md_get_next(&index), the internal allocator: caller holds kfunc_md_mutex. */
  protected *allocSlot(): Op<Slot | null> {
    let mds = yield* this.mem.load64(this.mdsAddr);
    if (!mds) {
      mds = yield* this.firstArray();
      if (!mds) return null;
    }
    const used = yield* this.mem.load32(this.usedAddr);
    const count = yield* this.mem.load32(this.countAddr);
    if (used < count) {
      const index = yield* this.scanFree(mds, count);
      // Stryker disable next-line ConditionalExpression: with used < count a free slot exists in every state v4 can reach, so the scan never returns -1 here
      if (index >= 0) return yield* this.claim(mds, index);
    }
    const grown = yield* this.grow(mds, count);
    if (!grown) return null;
    // the first slot of the new upper half
    return yield* this.claim(grown, count);
  }

  /**
   * First use: one block sized for kfunc_md_count entries; only users is initialised.
   * __get_free_pages(GFP_KERNEL, kfunc_md_page_order()), kfunc_md_init, rcu_assign_pointer(kfunc_mds).
   */
  protected *firstArray(): Op<Addr> {
    const count = yield* this.mem.load32(this.countAddr);
    const mds = yield* this.mem.allocPages(orderOf(count, this.perPage));
    if (!mds) return 0;
    yield* this.initUsers(mds, 0, count);
    // rcu_assign_pointer without a grace period: nobody can be using it yet
    yield* this.mem.store64(this.mdsAddr, mds);
    return mds;
  }

  /** Linear scan from 0 for users == 0 (kfunc_md_get_next, when kfunc_md_used < kfunc_md_count); -1 if none. */
  protected *scanFree(mds: Addr, count: number): Op<number> {
    // Stryker disable next-line EqualityOperator: the scan runs only when a free slot exists below count (equivalent mutant)
    for (let i = 0; i < count; i++) {
      // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
      if ((yield* this.mem.load32(mds + i * MD_SIZE + MD_USERS)) === 0) return i;
    }
    return -1;
  }

  /**
   * Double the array: allocate order+1, copy, clear the new half's users, publish, wait a
   * grace period, free the old block (with the old order), then double kfunc_md_count.
   * Returns the new array, or 0 with nothing changed if the allocation fails.
   * kfunc_md_get_next: __get_free_pages(order + 1), memcpy, kfunc_md_init, rcu_assign_pointer,
   * synchronize_rcu, free_pages(mds, order), kfunc_md_count <<= 1.
   */
  protected *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    yield* this.copy(fresh, mds, count * MD_SIZE);
    yield* this.initUsers(fresh, count, 2 * count);
    yield* this.mem.store64(this.mdsAddr, fresh);
    yield* this.retire(mds, order);
    const c = yield* this.mem.load32(this.countAddr);
    yield* this.mem.store32(this.countAddr, c * 2);
    return fresh;
  }

  /**
   * The grown-out array: wait until no reader can still hold it, then free it with its own order:
   * synchronize_rcu(); free_pages(old, order).
   */
  protected *retire(old: Addr, order: number): Op<void> {
    yield* this.mem.synchronizeRcu();
    yield* this.mem.freePages(old, order);
  }

  /** kfunc_md_used++, mds[i].users++ on the chosen slot. */
  protected *claim(mds: Addr, index: number): Op<Slot> {
    const md = mds + index * MD_SIZE;
    yield* this.addUsed(1);
    yield* this.incUsers(md);
    return { md, index };
  }

  /**
   * memcpy(new_mds, mds, kfunc_md_count * sizeof(*new_mds)) in 4-byte words: exact for any bit
   * pattern (garbage func fields exceed 2^53).
   * The granularity is invisible to readers: the new array is published only afterwards.
   */
  protected *copy(dst: Addr, src: Addr, bytes: number): Op<void> {
    for (let off = 0; off < bytes; off += 4) {
      yield* this.mem.store32(dst + off, yield* this.mem.load32(src + off));
    }
  }

  /** kfunc_md_init(mds, start, end): users = 0 for each entry, nothing else (pad0 and func stay garbage). */
  protected *initUsers(mds: Addr, from: number, to: number): Op<void> {
    // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
    for (let i = from; i < to; i++) yield* this.mem.store32(mds + i * MD_SIZE + MD_USERS, 0);
  }

  /** md->users++ (a plain read-modify-write of the int) */
  protected *incUsers(md: Addr): Op<void> {
    // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
    const users = yield* this.mem.load32(md + MD_USERS);
    // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
    yield* this.mem.store32(md + MD_USERS, toI32(users) + 1);
  }

  /** kfunc_md_used += delta */
  protected *addUsed(delta: number): Op<void> {
    const used = yield* this.mem.load32(this.usedAddr);
    yield* this.mem.store32(this.usedAddr, used + delta);
  }

  /**
   * kfunc_md_text_poke(ip, insn, nop): target = ip - KFUNC_MD_INSN_OFFSET, mutex_lock(&text_mutex),
   * then kfunc_md_arch_poke as the decision table says.
   * The decision table of spec §2.4, under text_mutex (taken inside kfunc_md_mutex):
   * install: equal -> 0; NOPs -> poke; else -EBUSY. restore (insn null): NOPs -> 0; else poke NOPs.
   */
  protected *textPokeHelper(ip: Addr, insn: Uint8Array | null, nops: Uint8Array): Op<number> {
    const target = ip - this.hooks.insnOffset;
    let ret = 0;
    yield* this.mem.mutexLock(TEXT_MUTEX);
    if (insn) {
      if ((yield* this.memcmp(target, insn)) === 0) ret = 0;
      // Stryker disable next-line UnaryOperator: callers only test ret !== 0, so +EBUSY is equivalent
      else if ((yield* this.memcmp(target, nops)) !== 0) ret = -EBUSY;
      else ret = yield* this.hooks.poke(target, insn);
    } else if ((yield* this.memcmp(target, nops)) !== 0) {
      ret = yield* this.hooks.poke(target, nops);
    }
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
    return ret;
  }

  /** memcmp(target, bytes, KFUNC_MD_INSN_SIZE) against live text: byte loads, stopping at the first difference. */
  protected *memcmp(addr: Addr, bytes: Uint8Array): Op<number> {
    for (let i = 0; i < bytes.length; i++) {
      const d = (yield* this.mem.load8(addr + i)) - bytes[i];
      if (d !== 0) return d;
    }
    return 0;
  }

  /**
   * __kfunc_md_put(md): caller holds kfunc_md_mutex. True when the slot was released and NOPs restored.
   * WARN_ON_ONCE(md->users <= 0); users--; kfunc_md_arch_exist(md->func); kfunc_md_text_poke(func, NULL, nops).
   */
  // Stryker disable BooleanLiteral: like the kernel's, the result is unused by put and put_by_ip (equivalent mutants)
  protected *putLocked(md: Addr): Op<boolean> {
    // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
    const users = toI32(yield* this.mem.load32(md + MD_USERS));
    if (users <= 0) {
      this.kernel.warn('put-users', `kfunc_md_put(${hex(md)}): users ${users} <= 0`);
      return false;
    }
    // Stryker disable next-line ArithmeticOperator: users is at offset 0 (MD_USERS), so the mutant md - 0 is equivalent
    yield* this.mem.store32(md + MD_USERS, users - 1);
    if (users - 1 > 0) return false;
    const func = yield* this.mem.load64(md + MD_FUNC);
    // slot is free now, but without an instruction to remove `used` is never decremented (D3)
    if (!(yield* this.hooks.exist(func))) return false;
    yield* this.textPokeHelper(func, null, this.hooks.nops());
    yield* this.addUsed(-1);
    // md->func stays stale on purpose
    return true;
  }
  // Stryker restore BooleanLiteral
}

/** The seed design, judged exactly: v4 takes the lowest free slot. */
export const v4: Implementation = {
  name: 'v4',
  description: 'the seed design (kfunc_md v4, March 2025), faithful to spec §2',
  contract: CONTRACT_VERSION,
  declares: {
    index: 'padding-insn',
    slotPolicy: 'lowest-free',
    locking: V4_LOCKING,
    readers: { rcu: true, norcu: true },
    ftraceCallAdjust: true,
  },
  create: (kernel) => new V4Store(kernel),
};
