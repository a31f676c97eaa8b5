import type { Kernel } from '../kernel/kernel.ts';
import type { PercpuRefRelease } from '../kernel/percpu-ref.ts';
import type { RcuCallback } from '../kernel/rcu-flavours.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { JUL25_MD_PCREF, JUL25_MD_RCU } from './layout.ts';

/**
 * The md release chain of [J2-1], after kfunc_md_put's (or a resize's) percpu_ref_kill, step 1,
 * which waits for origin calls holding the ref (kfunc_md_enter):
 *
 *   kfunc_md_release (the ref hit 0):  percpu_ref_exit; call_rcu_tasks_trace   step 2: sleepable progs
 *   kfunc_md_release_rcu_tasks:        call_rcu_tasks                          step 3: the trampoline
 *   kfunc_md_release_rcu:              kfree(md)                               step 4
 *
 * The same rcu_head carries both callbacks, one after the other. No classic RCU grace period is
 * in the chain: an RCU Tasks grace period also waits for rcu_read_lock() sections, which is what
 * readers under rcu_read_lock rely on.
 */
export function kfuncMdRelease(kernel: Kernel): PercpuRefRelease {
  const { rcu, slab, percpuRef } = kernel;
  const kfuncMdReleaseRcu: RcuCallback = function* (head: Addr): Op<void> {
    yield* slab.kfree(head - JUL25_MD_RCU);
  };
  const kfuncMdReleaseRcuTasks: RcuCallback = function* (head: Addr): Op<void> {
    yield* rcu.callRcuTasks(head, kfuncMdReleaseRcu);
  };
  return function* kfuncMdReleasePcref(ref: Addr): Op<void> {
    const md = ref - JUL25_MD_PCREF;
    yield* percpuRef.exit(ref);
    yield* rcu.callRcuTasksTrace(md + JUL25_MD_RCU, kfuncMdReleaseRcuTasks);
  };
}
