import type { Addr } from './types.ts';

/**
 * What the simulated kernel records instead of crashing: text writes, WARN hits and memory
 * safety violations. The harness reads these after (or during) a run.
 */

/** One byte of kernel text changing; foreign = written by another subsystem, not kfunc_md. */
export interface TextWrite {
  readonly addr: Addr;
  readonly before: number;
  readonly after: number;
  /** CPU that stored it; -1 for foreign writes */
  readonly cpu: number;
  /** memory tick at which it happened (see Memory.tick) */
  readonly step: number;
  readonly foreign: boolean;
}

/** A WARN_ON_ONCE hit. Every hit is recorded; `once` says whether the kernel would have printed it. */
export interface WarnRecord {
  readonly site: string;
  readonly message: string;
  readonly cpu: number;
  readonly once: boolean;
  readonly step: number;
}

export type ViolationKind =
  | 'read-freed'
  | 'write-freed'
  | 'read-unmapped'
  | 'write-unmapped'
  | 'double-free'
  | 'free-order-mismatch'
  | 'free-unknown'
  | 'mutex-unlock-not-owner'
  | 'rcu-unlock-unbalanced'
  /** call_rcu* on an rcu_head still queued (CONFIG_DEBUG_OBJECTS_RCU_HEAD) */
  | 'rcu-head-reused'
  /** rcu_do_batch finds rcu_head::func overwritten: the kernel would call garbage */
  | 'rcu-head-corrupt'
  /** memory freed with the wrong function (kfree of a vmalloc'ed kvmalloc block, of per-CPU memory) */
  | 'free-mismatch'
  /** an indirect call through a stored function pointer that holds no function (percpu_ref_data::release) */
  | 'bad-callback';

/** Something a real kernel would oops/KASAN/lockdep on (or free_pages() would corrupt). The simulation carries on. */
export interface Violation {
  readonly kind: ViolationKind;
  readonly addr?: Addr;
  readonly cpu: number;
  readonly step: number;
  readonly note: string;
}

export class EventLog {
  readonly textWrites: TextWrite[] = [];
  readonly warnings: WarnRecord[] = [];
  readonly violations: Violation[] = [];
  private readonly warnedSites = new Set<string>();

  warn(site: string, message: string, cpu: number, step: number): void {
    const once = !this.warnedSites.has(site);
    this.warnedSites.add(site);
    this.warnings.push({ site, message, cpu, once, step });
  }

  violation(v: Violation): void {
    this.violations.push(v);
  }
}
