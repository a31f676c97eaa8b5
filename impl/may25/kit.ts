import type { Kernel } from '../kernel/kernel.ts';
import type { KernelSpec } from '../kernel/spec.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { ARRAY_MDS, BPF_TRAMP_FEXIT } from './layout.ts';
import { May25Store } from './store.ts';

/** Test helpers for may25: a store on a small kernel, the series' locked call patterns, RCU draining. */

/** x86 A16 by default; 128-byte pages hold two 64-byte entries. */
export function setup(options: KernelSpec['options'] = x86(), n = 6, extra: Partial<KernelSpec> = {}) {
  const k = kernelWith(options, n, { pageSize: 128, ...extra });
  const s = new May25Store(k);
  const ip = (i: number): Addr => k.fn(`f${i}`).ip;
  /** the current kfunc_md_array (kfunc_mds) */
  const array = (): Addr => k.mem.peek64(s.arrays.kfuncMds);
  /** slot i of the current array */
  const slot = (i: number): Addr => k.mem.peek64(array() + ARRAY_MDS) + i * s.layout.size;
  return { k, s, ip, array, slot };
}

/** kfunc_md_lock(); kfunc_md_create(ip, 0); kfunc_md_unlock() */
export function* lockedGet(s: May25Store, ip: Addr): Op<Addr> {
  yield* s.lock();
  const md = yield* s.get(ip);
  yield* s.unlock();
  return md;
}

/** kfunc_md_lock(); kfunc_md_put_entry(md); kfunc_md_unlock() */
export function* lockedPut(s: May25Store, md: Addr): Op<void> {
  yield* s.lock();
  yield* s.put(md);
  yield* s.unlock();
}

/** kfunc_md_lock(); kfunc_md_put(ip); kfunc_md_unlock() */
export function* lockedPutByIp(s: May25Store, ip: Addr): Op<void> {
  yield* s.lock();
  yield* s.putByIp(ip);
  yield* s.unlock();
}

/** An fexit prog linked under kfunc_md_lock(): the md gets KFUNC_MD_FL_TRACING_ORIGIN. */
export function* lockedFexit(s: May25Store, md: Addr, prog = 0xffff_c000_1000): Op<number> {
  yield* s.lock();
  const err = yield* s.bpfLink(md, prog, BPF_TRAMP_FEXIT);
  yield* s.unlock();
  return err;
}

/** rcu_barrier_tasks() and rcu_barrier() until no callback is left (each round may queue more). */
export function drain(k: Kernel): void {
  for (let i = 0; i < 16 && k.rcu.pendingCallbacks() > 0; i++) {
    run(k, k.rcu.barrier('rcu_tasks'));
    run(k, k.rcu.barrier('rcu'));
  }
  if (k.rcu.pendingCallbacks() > 0) throw new Error('RCU callbacks keep coming');
}
