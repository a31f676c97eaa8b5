import type { Kernel } from '../kernel/kernel.ts';
import type { Addr, Op } from '../kernel/types.ts';

/**
 * The kfunc_md verbs an implementation offers, under their kernel C names. Every method except
 * inspect() is an operation: a generator whose every yield is one shared access (a scheduling
 * point), run by the harness sequentially or on simulated CPUs. Return values are what the C
 * function returns: md addresses are `struct kfunc_md *` in the simulated memory, 0 is NULL.
 */
export interface KfuncMdStore {
  readonly name: string;
  /** kfunc_md_lock(): mutex_lock(&kfunc_md_mutex) */
  lock(): Op<void>;
  /** kfunc_md_unlock(): mutex_unlock(&kfunc_md_mutex) */
  unlock(): Op<void>;
  /** kfunc_md_get(ip): the md of ip, created on first use (users++); NULL on failure. Lock rule: Declarations.locking.get */
  get(ip: Addr): Op<Addr>;
  /** kfunc_md_put(md): drop one reference; the last one releases the slot. Lock rule: Declarations.locking.put */
  put(md: Addr): Op<void>;
  /** kfunc_md_put_by_ip(ip): kfunc_md_put(kfunc_md_find(ip)); a no-op when ip has no md. Lock rule: Declarations.locking.put_by_ip */
  putByIp(ip: Addr): Op<void>;
  /** kfunc_md_find(ip): the md of ip or NULL; takes no lock (v4: an RCU dereference of kfunc_mds) */
  find(ip: Addr): Op<Addr>;
  /**
   * The global trampoline's reader (bpf_global_caller in the series): [rcu_read_lock();]
   * md = kfunc_md_find(ip); then md->users and md->func [; rcu_read_unlock()]. A miss loads
   * nothing and returns zeros. `rcu` is one of Declarations.readers.
   */
  trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView>;
  /** The current state, read with peeks: no scheduling point, no use-after-free report. */
  inspect(): StoreView;
  /**
   * Optional (arm64; offered when Declarations.ftraceCallAdjust is true): ftrace_call_adjust(addr)
   * as the design's kernel builds it (arch/arm64/kernel/ftrace.c): from the address
   * __patchable_function_entries records for a function to the NOP ftrace patches into
   * `BL <caller>`. Checked at boot against the model's call site (I10, spec §5); 0 when it refuses.
   */
  readonly ftraceCallAdjust?: (addr: Addr) => Op<Addr>;
}

export type StoreFactory = (kernel: Kernel) => KfuncMdStore;

export interface TrampolineView {
  /** 0 when find returned NULL (users and func are then 0 too, nothing was loaded) */
  readonly md: Addr;
  readonly users: number;
  readonly func: Addr;
}

/** Where the two fields the harness reads live in an implementation's struct kfunc_md. */
export interface EntryLayout {
  /** sizeof(struct kfunc_md); ENTRIES_PER_PAGE = PAGE_SIZE / size */
  readonly size: number;
  /** offsetof(struct kfunc_md, users): a signed 32-bit count */
  readonly users: number;
  /** offsetof(struct kfunc_md, func): a 64-bit pointer */
  readonly func: number;
}

export interface StoreEntry {
  /** the entry's address: what kfunc_md_get returns for it */
  readonly md: Addr;
  /** struct kfunc_md.users (signed) */
  readonly users: number;
  /** struct kfunc_md.func; garbage in never-used slots, stale in freed ones */
  readonly func: Addr;
}

export interface StoreView {
  /** kfunc_mds, 0 while no array exists */
  readonly arrayBase: Addr;
  /** kfunc_md_count (capacity) */
  readonly count: number;
  /** kfunc_md_used */
  readonly used: number;
  /** page order of an array of `count` entries */
  readonly order: number;
  /** ENTRIES_PER_PAGE */
  readonly entriesPerPage: number;
  /** the layout of struct kfunc_md: the harness assumes none */
  readonly layout: EntryLayout;
  /** the `count` entries of the current array, slot index = position; empty when there is none */
  readonly entries: readonly StoreEntry[];
  /** page blocks other than the current array the store keeps on purpose (e.g. retired arrays); a live block not listed is a leak */
  readonly retained?: readonly Addr[];
}
