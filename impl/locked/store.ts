import type { ArchHooks } from '../arch/hooks.ts';
import { hooksFor } from '../arch/select.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { hex, toI32 } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { CONTRACT_VERSION, V4_LOCKING } from '../contract/index.ts';
import type { EntryLayout, Implementation, KfuncMdStore, StoreView, TrampolineView } from '../contract/index.ts';
import { KFUNC_MD_MUTEX, orderOf } from '../v4/layout.ts';
import { V4_LAYOUT } from '../v4/store.ts';
import { SlotArray } from './slots.ts';
import { TextWindow } from './text.ts';

/**
 * A reference store that is correct by construction, to show the concurrent checks raise no
 * false alarms: every operation, readers included, runs under kfunc_md_mutex; a slot is reused
 * only after a grace period; md pointers stay valid across growth; find checks md->func and
 * users; functions without padding are never touched. Slow on purpose, simple on purpose.
 */
export class LockedStore implements KfuncMdStore {
  readonly name = 'locked';
  private readonly mem: Memory;
  private readonly slots: SlotArray;
  private readonly text: TextWindow;
  private readonly padded: ReadonlySet<Addr>;

  constructor(
    private readonly kernel: Kernel,
    private readonly hooks: ArchHooks = hooksFor(kernel),
    /** struct kfunc_md's layout: v4's by default; any other works, the harness reads it from inspect() */
    private readonly layout: EntryLayout = V4_LAYOUT,
  ) {
    this.mem = kernel.mem;
    this.slots = new SlotArray(kernel, layout);
    this.text = new TextWindow(kernel.mem, hooks);
    // the kernel knows which functions were compiled with padding (the patchable-entry records)
    this.padded = new Set(kernel.functions.filter((f) => f.padded).map((f) => f.ip));
  }

  /** kfunc_md_lock(): mutex_lock(&kfunc_md_mutex) */
  *lock(): Op<void> {
    yield* this.mem.mutexLock(KFUNC_MD_MUTEX);
  }

  /** kfunc_md_unlock(): mutex_unlock(&kfunc_md_mutex) */
  *unlock(): Op<void> {
    yield* this.mem.mutexUnlock(KFUNC_MD_MUTEX);
  }

  /** kfunc_md_get(ip): the caller holds kfunc_md_mutex (the kernel contract, as for v4). */
  *get(ip: Addr): Op<Addr> {
    if (!this.padded.has(ip)) return 0;
    const owned = yield* this.owned(ip);
    if (owned.md) {
      yield* this.mem.store32(owned.md + this.layout.users, owned.users + 1);
      return owned.md;
    }
    const slot = yield* this.slots.allocate();
    if (!slot) return 0;
    yield* this.slots.claim(slot, ip);
    if ((yield* this.text.install(ip, this.hooks.pretend(slot.index))) !== 0) {
      yield* this.slots.unclaim(slot);
      return 0;
    }
    yield* this.slots.addUsed(1);
    return slot.md;
  }

  /** kfunc_md_put(md): takes kfunc_md_mutex; a pointer into a retired array names the same slot. */
  *put(md: Addr): Op<void> {
    yield* this.lock();
    const index = this.slots.indexOf(md);
    if (index === null) this.kernel.warn('put-users', `kfunc_md_put(${hex(md)}): not an md pointer`);
    else yield* this.release(index);
    yield* this.unlock();
  }

  /** kfunc_md_put_by_ip(ip): takes kfunc_md_mutex. */
  *putByIp(ip: Addr): Op<void> {
    yield* this.lock();
    const owned = yield* this.owned(ip);
    if (owned.md) yield* this.release(owned.index);
    yield* this.unlock();
  }

  /** kfunc_md_find(ip): under the mutex, unless this CPU already holds it (get calls it that way). */
  *find(ip: Addr): Op<Addr> {
    const mine = this.mem.mutexes.owner(KFUNC_MD_MUTEX) === this.mem.currentCpu;
    if (!mine) yield* this.lock();
    const owned = yield* this.owned(ip);
    if (!mine) yield* this.unlock();
    return owned.md;
  }

  *trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView> {
    yield* this.lock();
    if (opts.rcu) yield* this.mem.rcuReadLock();
    const owned = yield* this.owned(ip);
    if (opts.rcu) yield* this.mem.rcuReadUnlock();
    yield* this.unlock();
    return owned.md ? { md: owned.md, users: owned.users, func: ip } : { md: 0, users: 0, func: 0 };
  }

  inspect(): StoreView {
    const mem = this.mem;
    const arrayBase = mem.peek64(this.slots.mdsAddr);
    const count = mem.peek32(this.slots.countAddr);
    const used = mem.peek32(this.slots.usedAddr);
    const entries = [];
    if (arrayBase !== 0) {
      for (let i = 0; i < count; i++) {
        const md = arrayBase + i * this.layout.size;
        entries.push({ md, users: toI32(mem.peek32(md + this.layout.users)), func: mem.peek64(md + this.layout.func) });
      }
    }
    const perPage = this.slots.perPage;
    return {
      arrayBase,
      count,
      used,
      order: orderOf(count, perPage),
      entriesPerPage: perPage,
      layout: this.layout,
      entries,
      retained: this.slots.retired(),
    };
  }

  /** ip's md if ip's window holds an index whose entry is live and belongs to ip; mutex held. */
  private *owned(ip: Addr): Op<{ md: Addr; index: number; users: number }> {
    // Stryker disable next-line UnaryOperator: index is read only when md is set
    const none = { md: 0, index: -1, users: 0 };
    if (!this.padded.has(ip) || !(yield* this.hooks.exist(ip))) return none;
    const index = yield* this.mem.load32(ip - this.hooks.dataOffset);
    const md = yield* this.slots.mdOf(index);
    if (!md) return none;
    const users = toI32(yield* this.mem.load32(md + this.layout.users));
    if (users <= 0 || (yield* this.mem.load64(md + this.layout.func)) !== ip) return none;
    return { md, index, users };
  }

  /** __kfunc_md_put for slot `index`: mutex held. */
  private *release(index: number): Op<void> {
    const md = yield* this.slots.mdOf(index);
    const users = md ? toI32(yield* this.mem.load32(md + this.layout.users)) : 0;
    if (users <= 0) {
      this.kernel.warn('put-users', `kfunc_md_put(#${index}): users ${users} <= 0`);
      return;
    }
    yield* this.mem.store32(md + this.layout.users, users - 1);
    if (users > 1) return;
    yield* this.slots.addUsed(-1);
    const func = yield* this.mem.load64(md + this.layout.func);
    // Stryker disable next-line ConditionalExpression: a slot with users > 0 was claimed by get, for a padded function only
    if (this.padded.has(func)) yield* this.text.restoreIfHolds(func, this.hooks.pretend(index));
    yield* this.slots.noteReleased();
  }
}

/** The correct-by-construction reference; its slot choice is judged by relation. */
export const locked: Implementation = {
  name: 'locked',
  description:
    'correct by construction: one mutex around everything, grace period before slot reuse, retired arrays kept',
  contract: CONTRACT_VERSION,
  declares: {
    index: 'padding-insn',
    slotPolicy: 'any-free',
    locking: V4_LOCKING,
    readers: { rcu: true, norcu: true },
    pastMaxOrder: 'refuses',
  },
  create: (kernel) => new LockedStore(kernel),
};
