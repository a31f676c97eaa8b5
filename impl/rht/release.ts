import type { Kernel } from '../kernel/kernel.ts';
import type { PercpuRefRelease } from '../kernel/percpu-ref.ts';
import type { RcuCallback } from '../kernel/rcu-flavours.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { RHT_MD_PCREF, RHT_MD_RCU } from './layout.ts';

/** The two callbacks of an md's release in [RHT]. */
export interface RhtRelease {
  /** kfunc_md_release_pcref: the percpu_ref hit 0: percpu_ref_exit, kfree(md) */
  readonly pcref: PercpuRefRelease;
  /** kfunc_md_release_rcu: kfunc_md_put's call_rcu callback, percpu_ref_kill (which releases once no origin call holds the ref) */
  readonly rcu: RcuCallback;
}

/**
 * kfunc_md_put → call_rcu → percpu_ref_kill → kfunc_md_release_pcref → kfree. One classic grace
 * period and the ref: unlike [J2-1] no RCU Tasks (Trace) period is waited for.
 */
export function rhtRelease(kernel: Kernel): RhtRelease {
  const { slab, percpuRef } = kernel;
  const pcref: PercpuRefRelease = function* kfuncMdReleasePcref(ref: Addr): Op<void> {
    yield* percpuRef.exit(ref);
    yield* slab.kfree(ref - RHT_MD_PCREF);
  };
  const rcu: RcuCallback = function* kfuncMdReleaseRcu(head: Addr): Op<void> {
    yield* percpuRef.kill(head - RHT_MD_RCU + RHT_MD_PCREF);
  };
  return { pcref, rcu };
}
