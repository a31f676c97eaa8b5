import type { Arch } from '../encoding/window.ts';

/** How the store picks a slot: v4 takes the lowest free one; other designs are checked by relation. */
export type SlotPolicy = 'lowest-free' | 'any-free';

/**
 * What differs between designs, as the specification sees it (spec §10: the version is a
 * parameter of the model). The harness fills it in from what an implementation declares.
 */
export interface Design {
  /**
   * 'padding': an index instruction in each padded function's window, one array of slots that
   * doubles (v2–v4, may25's padding mode, kfmd); 'hash': a table keyed by ip, no text, no
   * capacity the caller can observe (jul25, rht, may25's fallback).
   */
  readonly storage: 'padding' | 'hash';
  /** 'after-grace': a released slot is free again only after the next GRACE (may25's DEAD flag) */
  readonly reuse: 'immediate' | 'after-grace';
  /** 'array-and-md': every new md allocates too (may25's percpu_ref), not only a new or grown array */
  readonly allocates: 'array' | 'array-and-md';
  /** 'max-order': the array comes from the page allocator and cannot grow past MAX_PAGE_ORDER; 'none': kvmalloc */
  readonly growthLimit: 'max-order' | 'none';
  /**
   * With 'max-order': whether growth past MAX_PAGE_ORDER still asks the page allocator for the
   * order, which then fails with __alloc_pages' WARN_ON_ONCE_GFP (v4's __get_free_pages(GFP_KERNEL)),
   * or is refused before asking (no WARN). The kernel does not fail such a request silently.
   */
  readonly maxOrderWarns: boolean;
  /** whether each verb needs kfunc_md_mutex held by its caller, or takes it itself */
  readonly locking: {
    readonly get: 'caller-holds' | 'takes';
    readonly put: 'caller-holds' | 'takes';
    readonly putByIp: 'caller-holds' | 'takes';
  };
}

/** The WARN site of __alloc_pages' order check (mm/page_alloc.c), as the kernel's WARN log names it. */
export const ALLOC_PAGES_ORDER_WARN = 'alloc_pages-order';

/** v4's design: the reference. */
export const V4_DESIGN: Design = {
  storage: 'padding',
  reuse: 'immediate',
  allocates: 'array',
  growthLimit: 'max-order',
  maxOrderWarns: true,
  locking: { get: 'caller-holds', put: 'takes', putByIp: 'takes' },
};

export interface ModelFunction {
  readonly name: string;
  /** false: no padding at all (arm64 notrace, x86 top-level asm) — no window, no metadata possible */
  readonly padded: boolean;
  /** the md window's bytes at boot (insn-size bytes; empty when unpadded) */
  readonly window: readonly number[];
}

export interface ModelInput {
  readonly arch: Arch;
  /** PAGE_SIZE / sizeof(struct kfunc_md): 256 for 4 KiB pages; suites use small pages to reach growth */
  readonly entriesPerPage: number;
  /** MAX_PAGE_ORDER: the largest array is entriesPerPage << maxOrder entries */
  readonly maxOrder: number;
  readonly slotPolicy: SlotPolicy;
  /** default V4_DESIGN */
  readonly design?: Design;
  readonly functions: readonly ModelFunction[];
}

/** One struct kfunc_md, abstracted. */
export interface Slot {
  /** struct kfunc_md.users */
  readonly users: number;
  /** struct kfunc_md.func: the function this slot was last handed to; stale once users reaches 0 */
  readonly func: string | null;
  /** released, not yet free: waits for a grace period (Design.reuse 'after-grace') */
  readonly retiring?: boolean;
}

export type GetResult =
  | 'installed-first'
  | 'installed-free'
  | 'installed-grow'
  | 'already-equal'
  | 'existing'
  | 'no-padding'
  | 'ebusy'
  | 'enomem'
  | 'max-order'
  /** a hash design linked a new md for the function */
  | 'created';

export type PutResult = 'released' | 'dropped-ref' | 'double-put' | 'no-md';

/** What the model predicts for the last operation: what the caller sees and what a WARN would say. */
export type Outcome =
  | {
      readonly op: 'get';
      readonly fn: string;
      readonly md: number | null;
      readonly result: GetResult;
      /** -EBUSY because the window was foreign since boot (layout) or because a foreign write reached it */
      readonly ebusyCause: 'boot' | 'foreign-write' | null;
      /** the page allocator's WARN when growth past MAX_PAGE_ORDER asks it anyway (Design.maxOrderWarns) */
      readonly warn: typeof ALLOC_PAGES_ORDER_WARN | null;
    }
  | { readonly op: 'find'; readonly fn: string; readonly md: number | null; readonly warn: null }
  | {
      readonly op: 'put' | 'put_by_ip';
      readonly fn: string | null;
      readonly md: number | null;
      readonly result: PutResult;
      /** the NOPs were written back (the window still held this slot's instruction) */
      readonly restored: boolean;
      readonly warn: 'put-users' | null;
    }
  | { readonly op: 'lock' | 'unlock' | 'fail-alloc' | 'foreign-write' | 'grace'; readonly warn: null };

export interface ModelContext {
  readonly arch: Arch;
  /** ENTRIES_PER_PAGE */
  readonly entriesPerPage: number;
  /** MAX_PAGE_ORDER */
  readonly maxOrder: number;
  readonly slotPolicy: SlotPolicy;
  readonly design: Design;
  readonly padded: Readonly<Record<string, boolean>>;
  /** expected bytes of every padded function's md window */
  readonly windows: Readonly<Record<string, readonly number[]>>;
  /** windows a foreign write has reached (faults, as opposed to layout) */
  readonly touched: Readonly<Record<string, boolean>>;
  /** page order of the array (kfunc_md_page_order()); null before the first allocation */
  readonly order: number | null;
  /** kfunc_md_count: capacity, starts at one page of entries and only grows */
  readonly count: number;
  /** the array's slots, kfunc_mds (empty before the first allocation) */
  readonly slots: readonly Slot[];
  /** kfunc_md_used */
  readonly used: number;
  /** page allocations still to fail (injected) */
  readonly pendingAllocFailures: number;
  readonly outcome: Outcome | null;
  /** why the model stopped: a self-deadlock or an API contract violation */
  readonly violation: string | null;
}

export type ModelEvent =
  | { readonly type: 'LOCK' }
  | { readonly type: 'UNLOCK' }
  /** observedIndex: the slot the implementation chose; observedNull: it returned NULL (both for relational judging) */
  | { readonly type: 'GET'; readonly fn: string; readonly observedIndex?: number; readonly observedNull?: boolean }
  | { readonly type: 'PUT'; readonly index: number }
  | { readonly type: 'PUT_BY_IP'; readonly fn: string }
  | { readonly type: 'FIND'; readonly fn: string }
  | { readonly type: 'FAIL_ALLOC' }
  | { readonly type: 'FOREIGN_WRITE'; readonly fn: string; readonly bytes: readonly number[] }
  /** every RCU callback pending in every flavour has run (rcu_barrier, rcu_barrier_tasks, rcu_barrier_tasks_trace) */
  | { readonly type: 'GRACE' };
