import type { Kernel } from '../kernel/kernel.ts';
import type { Addr, Op } from '../kernel/types.ts';

/**
 * The kfunc_md API every implementation (v4, its mutants, later designs) offers the harness.
 * All methods except inspect() are operations: run them with runSequential or a scheduler.
 */
export interface KfuncMdStore {
  readonly name: string;
  /** kfunc_md_lock() */
  lock(): Op<void>;
  /** kfunc_md_unlock() */
  unlock(): Op<void>;
  /** kfunc_md_get(ip): md address or 0; the caller must hold the lock (not checked, as in v4) */
  get(ip: Addr): Op<Addr>;
  /** kfunc_md_put(md): takes the lock itself */
  put(md: Addr): Op<void>;
  /** kfunc_md_put_by_ip(ip): takes the lock itself */
  putByIp(ip: Addr): Op<void>;
  /** kfunc_md_find(ip): no lock, an RCU dereference of the array */
  find(ip: Addr): Op<Addr>;
  /** the global-trampoline reader: optional rcu_read_lock, find, then md->users and md->func */
  trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView>;
  /** current state read with peeks (no scheduling, no use-after-free reports) */
  inspect(): StoreView;
}

export type StoreFactory = (kernel: Kernel) => KfuncMdStore;

export interface TrampolineView {
  /** 0 when find returned NULL (users and func are then 0 too, nothing was loaded) */
  readonly md: Addr;
  readonly users: number;
  readonly func: Addr;
}

export interface StoreEntry {
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
  readonly entriesPerPage: number;
  /** the `count` entries of the current array; empty when there is none */
  readonly entries: readonly StoreEntry[];
  /** page blocks other than the current array the store keeps on purpose (e.g. retired arrays); a live block not listed is a leak */
  readonly retained?: readonly Addr[];
}
