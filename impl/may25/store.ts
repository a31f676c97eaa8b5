import type { Kernel } from '../kernel/kernel.ts';
import { u32le } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { KernelOptions } from '../kernel/options.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { CONTRACT_VERSION } from '../contract/index.ts';
import type {
  Declarations,
  Implementation,
  KfuncMdStore,
  LockDiscipline,
  StoreEntry,
  StoreView,
  TrampolineView,
} from '../contract/index.ts';
import { KFUNC_MD_MUTEX, orderOf } from '../v4/layout.ts';
import { May25Arrays } from './array.ts';
import { May25BpfLink } from './bpf-link.ts';
import { may25Boot } from './config.ts';
import type { May25Boot } from './config.ts';
import { May25Hash } from './hash.ts';
import { ARRAY_COUNT, ARRAY_MDS, ARRAY_USED, KFUNC_MD_FL_TRACING_ORIGIN, may25Layout } from './layout.ts';
import type { May25Layout } from './layout.ts';
import { MdFields } from './md.ts';
import { May25Padding } from './padding.ts';
import { may25Hooks } from './text.ts';

/**
 * The May series' discipline: kfunc_md_create needs kfunc_md_lock() held, and so do
 * kfunc_md_put_entry and kfunc_md_put (they take no lock; the series calls them between
 * kfunc_md_lock() and kfunc_md_unlock()).
 */
export const MAY25_LOCKING: LockDiscipline = { get: 'caller-holds', put: 'caller-holds', put_by_ip: 'caller-holds' };

/**
 * kernel/trace/kfunc_md.c of "bpf: tracing multi-link support" (May 2025, 01/25 + 04/25) with
 * its x86 (02/25) and arm64 (03/25) hooks, spec §8.1 and §4.5, defects kept (DESIGN.md).
 *
 * Verbs: get = kfunc_md_create(ip, 0), put = kfunc_md_put_entry, putByIp = kfunc_md_put(ip),
 * find = kfunc_md_get_noref; each dispatches on the static key kfunc_md_use_padding (fixed at
 * boot) to the padding (fast) or hash table (slow) half.
 */
export class May25Store implements KfuncMdStore {
  readonly name = 'may25';
  readonly boot: May25Boot;
  readonly layout: May25Layout;
  readonly arrays: May25Arrays;
  /** padding mode only */
  readonly padding: May25Padding | null;
  /** hash table mode only */
  readonly hash: May25Hash | null;
  private readonly mem: Memory;
  private readonly f: MdFields;
  private readonly links: May25BpfLink;

  constructor(private readonly kernel: Kernel) {
    this.mem = kernel.mem;
    this.boot = may25Boot(kernel.options);
    this.layout = may25Layout(this.boot.kconfig);
    this.f = new MdFields(this.mem, this.layout);
    this.arrays = new May25Arrays(kernel, this.f);
    this.links = new May25BpfLink(kernel, this.f);
    if (!this.boot.kconfig.padding) {
      // static int __insn_offset, __data_offset: what kfunc_md_arch_support left (read-only after init)
      kernel.defineStatic('__insn_offset', u32le(this.boot.insnOffset));
      kernel.defineStatic('__data_offset', u32le(this.boot.dataOffset));
    }
    // kfunc_md_arch_support's fall-through: WARN_ON_ONCE(1), return true, offsets never set
    if (this.boot.unsetOffsetsWarn)
      kernel.warn('kfunc_md_arch_support', 'kfunc_md_arch_support: no case matched; padding mode with offsets 0');
    this.hash = this.boot.kconfig.padding ? null : new May25Hash(kernel, this.arrays, this.f);
    this.padding =
      this.boot.mode === 'padding'
        ? new May25Padding(kernel, may25Hooks(kernel, this.boot), this.arrays, this.f)
        : null;
  }

  /** kfunc_md_lock() */
  *lock(): Op<void> {
    yield* this.mem.mutexLock(KFUNC_MD_MUTEX);
  }

  /** kfunc_md_unlock() */
  *unlock(): Op<void> {
    yield* this.mem.mutexUnlock(KFUNC_MD_MUTEX);
  }

  /** kfunc_md_create(ip, 0): the caller holds kfunc_md_lock() */
  get(ip: Addr): Op<Addr> {
    return this.create(ip, 0);
  }

  /** kfunc_md_create(ip, nr_args) */
  *create(ip: Addr, nrArgs: number): Op<Addr> {
    if (this.padding) return yield* this.padding.fastCreate(ip, nrArgs);
    return yield* this.hashMode().hashCreate(ip, nrArgs);
  }

  /** kfunc_md_put_entry(md): the caller holds kfunc_md_lock() */
  *put(md: Addr): Op<void> {
    if (!md) return;
    if (this.padding) yield* this.padding.fastPut(md);
    else yield* this.hashMode().hashPut(md);
  }

  /** kfunc_md_put(ip): kfunc_md_get_noref(ip), then the put; the caller holds kfunc_md_lock() */
  *putByIp(ip: Addr): Op<void> {
    const md = yield* this.find(ip);
    if (md) yield* this.put(md);
  }

  /** kfunc_md_get_noref(ip): no lock, no reference */
  *find(ip: Addr): Op<Addr> {
    if (this.padding) return yield* this.padding.fastGet(ip);
    return yield* this.hashMode().hashGet(ip);
  }

  /** kfunc_md_bpf_link(md, prog, type, cookie), kfunc_md_lock() held */
  bpfLink(md: Addr, prog: Addr, type: number, cookie = 0): Op<number> {
    return this.links.link(md, prog, type, cookie);
  }

  /** kfunc_md_bpf_unlink(md, prog, type), kfunc_md_lock() held */
  bpfUnlink(md: Addr, prog: Addr, type: number): Op<number> {
    return this.links.unlink(md, prog, type);
  }

  /**
   * bpf_global_caller's use of kfunc_md (05/25): md = kfunc_md_get_noref(ip); kfunc_md_enter(md)
   * (percpu_ref_get, not tryget_live: hazard (i)) only if KFUNC_MD_FL_TRACING_ORIGIN, else no
   * ref at all (hazard (ii)); read users and func; kfunc_md_exit(md) if entered. `rcu: false` is
   * the posted trampoline (no rcu_read_lock); `rcu: true` wraps it in one.
   *
   * The whole body is marked as an RCU Tasks read-side stretch: a task running a trampoline
   * cannot schedule voluntarily, which is what the series' call_rcu_tasks relies on. The
   * contract passes the entry ip, what the trampoline's `return address & ~0xF` recovers on x86.
   */
  *trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView> {
    const rcu = this.kernel.rcu;
    yield* rcu.rcuTasksReadLock();
    if (opts.rcu) yield* rcu.readLock();
    const md = yield* this.find(ip);
    let view: TrampolineView = { md: 0, users: 0, func: 0 };
    if (md) {
      const origin = ((yield* this.f.flags(md)) & KFUNC_MD_FL_TRACING_ORIGIN) !== 0;
      if (origin) yield* this.kernel.percpuRef.get(this.f.pcref(md));
      const users = yield* this.f.users(md);
      const func = yield* this.f.func(md);
      if (origin) yield* this.kernel.percpuRef.put(this.f.pcref(md));
      view = { md, users, func };
    }
    if (opts.rcu) yield* rcu.readUnlock();
    yield* rcu.rcuTasksReadUnlock();
    return view;
  }

  inspect(): StoreView {
    const mem = this.mem;
    const arr = mem.peek64(this.arrays.kfuncMds);
    const used = mem.peek32(arr + ARRAY_USED) | 0;
    if (this.hash && !this.padding) {
      return {
        arrayBase: this.hash.table,
        count: this.hash.buckets,
        used,
        order: 0,
        entriesPerPage: 0,
        layout: this.layout.entry,
        entries: this.hash.peekAll().map((md) => this.entry(md)),
      };
    }
    const mds = mem.peek64(arr + ARRAY_MDS);
    const count = mem.peek32(arr + ARRAY_COUNT);
    // empty_array has mds NULL and count 0; a published array's mds live until it is replaced
    const entries: StoreEntry[] = [];
    for (let i = 0; i < count; i++) entries.push(this.entry(mds + i * this.layout.size));
    return {
      arrayBase: mds,
      count,
      used,
      order: count === 0 ? 0 : orderOf(count, this.arrays.perPage),
      entriesPerPage: this.arrays.perPage,
      layout: this.layout.entry,
      entries,
      retained: this.retained(arr),
    };
  }

  /** The mds of grown-out arrays not yet kvfree'd (old arrays wait for their release steps). */
  private retained(current: Addr): Addr[] {
    const slab = this.kernel.slab;
    const live = (a: Addr): boolean => slab.objectAt(a)?.freed === false;
    return this.arrays.published
      .filter((a) => a !== current && live(a))
      .map((a) => this.mem.peek64(a + ARRAY_MDS))
      .filter(live);
  }

  private entry(md: Addr): StoreEntry {
    return { md, users: this.f.peekUsers(md), func: this.f.peekFunc(md) };
  }

  private hashMode(): May25Hash {
    if (!this.hash) throw new Error('may25: hash table mode on a build without kfunc_md_table');
    return this.hash;
  }
}

const LINE = 'kfunc_md of the May 2025 tracing multi-link series (01-04/25), defects kept';

/** What may25 declares where it runs padding mode (the index in the padding) or its hash table. */
export function may25Declarations(boot: Pick<May25Boot, 'mode' | 'insnOffset'>): Declarations {
  const mode = boot.mode;
  return {
    index: mode === 'padding' ? 'padding-insn' : 'none',
    // the scan takes exactly the lowest slot with users == 0 that is not DEAD; the hash has no slots
    slotPolicy: mode === 'padding' ? 'lowest-free' : 'any-free',
    locking: MAY25_LOCKING,
    readers: { rcu: true, norcu: true },
    // a put slot is DEAD until its percpu_ref releases; with no reader holding a reference the
    // simulated percpu_ref_kill releases at once (no grace period is implied, spec §6), so to a
    // caller the slot is free again right after the put
    reuse: 'immediate',
    // percpu_ref_init for every new md (and the kzalloc of the md itself in hash mode)
    allocates: 'array-and-md',
    // kvmalloc_array: vmalloc has no MAX_PAGE_ORDER limit
    arrayFrom: 'kvmalloc',
    // §4.5: the offsets kfunc_md_arch_support() / the static FUNCTION_METADATA_PADDING ones chose
    ...(mode === 'padding' ? { insnOffset: boot.insnOffset } : {}),
  };
}

export const may25: Implementation = {
  name: 'may25',
  description: LINE,
  contract: CONTRACT_VERSION,
  declares: may25Declarations({ mode: 'padding', insnOffset: 16 }),
  declaresOn: (options: KernelOptions) => may25Declarations(may25Boot(options)),
  create: (kernel) => new May25Store(kernel),
};
