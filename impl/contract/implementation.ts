import type { KernelOptions } from '../kernel/options.ts';
import type { StoreFactory } from './store.ts';

/**
 * The version of this contract (the verbs of store.ts and the declarations below). A change
 * an existing implementation would have to follow bumps it.
 */
export const CONTRACT_VERSION = 1;

/**
 * Where a design keeps a function's index: an instruction in the padding that the model's
 * decoder reads (v4: `mov $index,%eax` on x86, a raw word on arm64), a pointer in the padding,
 * or no text at all (a hash table keyed by ip). The text checks read only the first kind.
 */
export type IndexLocation = 'padding-insn' | 'padding-pointer' | 'none';

/**
 * How a slot is chosen: exactly the lowest free one (v4's linear scan), or any free one, judged
 * by relation (the model accepts every free slot the implementation reports).
 */
export type SlotPolicy = 'lowest-free' | 'any-free';

/**
 * When a released slot may be handed out again, as a caller can observe it: at once (v4; kfmd,
 * whose get waits out the grace period itself), or only after the grace periods the harness lets
 * pass (operation `rcu_barrier`): may25's DEAD slots, cleared by the percpu_ref release callback.
 */
export type SlotReuse = 'immediate' | 'after-grace';

/** A verb either needs kfunc_md_mutex held by its caller, or takes it itself. */
export type LockRule = 'caller-holds' | 'takes';

/** Which verbs take kfunc_md_mutex themselves and which need it held (kfunc_md_find takes none). */
export interface LockDiscipline {
  readonly get: LockRule;
  readonly put: LockRule;
  readonly put_by_ip: LockRule;
}

/** v4's discipline: kfunc_md_get under the caller's kfunc_md_lock(); put and put_by_ip lock themselves. */
export const V4_LOCKING: LockDiscipline = { get: 'caller-holds', put: 'takes', put_by_ip: 'takes' };

/** What an implementation declares about itself; a check that depends on one adapts to it or says it does not apply. */
export interface Declarations {
  readonly index: IndexLocation;
  readonly slotPolicy: SlotPolicy;
  readonly locking: LockDiscipline;
  /** the trampoline readers it offers: under rcu_read_lock(), and without it */
  readonly readers: { readonly rcu: boolean; readonly norcu: boolean };
  /** default 'immediate' */
  readonly reuse?: SlotReuse;
  /**
   * What a get allocates: only a new or grown array (v4, default), or also something per new md
   * (may25's percpu_ref_init), so that an injected allocation failure can hit any new md.
   */
  readonly allocates?: 'array' | 'array-and-md';
  /**
   * Where the md instruction starts, in bytes before ip, when that is not the configuration's
   * KFUNC_MD_INSN_OFFSET (v4's offsets, spec §4.3): may25 puts it elsewhere (spec §4.5).
   */
  readonly insnOffset?: number;
  /**
   * Where a padding design's array comes from: __get_free_pages (v4, default: no block past
   * MAX_PAGE_ORDER, so growth stops there) or kvmalloc_array (may25: vmalloc has no such limit).
   */
  readonly arrayFrom?: 'pages' | 'kvmalloc';
  /**
   * The store offers ftraceCallAdjust(addr), the design's arm64 ftrace_call_adjust (an optional
   * arch hook): the harness checks I10 with it on arm64 configurations with ftrace NOPs at the
   * entry. Absent or false: I10 does not apply.
   */
  readonly ftraceCallAdjust?: boolean;
  /**
   * With arrayFrom 'pages', what growth past MAX_PAGE_ORDER does: asks __get_free_pages for the
   * order anyway (v4, default), which returns NULL with __alloc_pages' WARN_ON_ONCE_GFP, or
   * refuses before asking (checks the order first, or passes __GFP_NOWARN): NULL, no WARN.
   */
  readonly pastMaxOrder?: 'asks-allocator' | 'refuses';
}

/** An implementation the harness can check: the built-in designs, mutants, a user's own. */
export interface Implementation {
  /** unique; `mutant:` prefixes the built-in mutants */
  readonly name: string;
  readonly description: string;
  /** the CONTRACT_VERSION it was written against */
  readonly contract: typeof CONTRACT_VERSION;
  readonly declares: Declarations;
  /**
   * What it declares on a kernel with these options, when that depends on the configuration
   * (may25 falls back to its hash table where the padding is unavailable); `declares` otherwise.
   */
  readonly declaresOn?: (options: KernelOptions) => Declarations;
  /** a fresh store on a freshly booted kernel: one per scenario */
  readonly create: StoreFactory;
}

/** What `impl` declares on a kernel configured with `options`. */
export function declarationsOf(impl: Implementation, options: KernelOptions): Declarations {
  return impl.declaresOn?.(options) ?? impl.declares;
}

/** How a released slot is reused, with the default filled in. */
export function reuseOf(d: Declarations): SlotReuse {
  return d.reuse ?? 'immediate';
}
