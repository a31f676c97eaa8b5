import type { Addr } from './types.ts';

/**
 * Function pointers for simulated callbacks. Kernel code stores a text address where it keeps a
 * callback (rcu_head::func for call_rcu, percpu_ref_data::release); a simulated callback is a
 * generator function, so each gets a stable fake address of its own, 16 bytes apart, from
 * `base` on, in a range nothing maps. The table belongs to one kernel, so the addresses are the
 * same run after run; a pointer that reads back as anything else is a corrupted callback.
 */
export class FunctionTable<F extends object> {
  private readonly byFn = new Map<F, Addr>();
  private readonly byAddr = new Map<Addr, F>();

  constructor(private readonly base: Addr) {}

  /** The address of `fn`, the same every time it is asked. */
  pointer(fn: F): Addr {
    const known = this.byFn.get(fn);
    if (known !== undefined) return known;
    const addr = this.base + 16 * this.byFn.size;
    this.byFn.set(fn, addr);
    this.byAddr.set(addr, fn);
    return addr;
  }

  /** The function at `addr`, if `addr` is one of this table's pointers. */
  lookup(addr: Addr): F | undefined {
    return this.byAddr.get(addr);
  }
}

/**
 * Where call_rcu callbacks "live": below TEXT_BASE, never mapped, so a kernel whose text is a real
 * image (tens of MiB from TEXT_BASE up, KernelSpec.image) never covers a callback pointer.
 */
export const RCU_CALLBACK_TEXT = 0xffff_8000_0000;
/** Where percpu_ref release callbacks "live" (likewise below the text, never mapped). */
export const PERCPU_RELEASE_TEXT = 0xffff_8040_0000;
