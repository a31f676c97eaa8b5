import { createKernel } from '../kernel/kernel.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Arm64Options, X86Options } from '../kernel/options.ts';
import { runSequential } from '../kernel/run.ts';
import type { FunctionSpec, KernelSpec } from '../kernel/spec.ts';
import type { Op } from '../kernel/types.ts';

/** Shared test helpers: option presets, small kernels, and "run or fail loudly". */

export function x86(over: Partial<Omit<X86Options, 'arch'>> = {}): X86Options {
  return {
    arch: 'x86',
    cfiClang: false,
    callThunks: false,
    fineibt: false,
    cfiMode: 'off',
    thunksActive: false,
    functionAlignment: 16,
    caseCReading: 'kconfig',
    fineibtEncoding: 'feb2025',
    fineibtBhi: false,
    ...over,
  };
}

/** Case C as Kconfig builds it: CFI_CLANG + FINEIBT (+ thunks) with 32-byte alignment. */
export function x86CaseC(over: Partial<Omit<X86Options, 'arch'>> = {}): X86Options {
  return x86({ cfiClang: true, callThunks: true, fineibt: true, cfiMode: 'kcfi', functionAlignment: 32, ...over });
}

export function arm64(over: Partial<Omit<Arm64Options, 'arch'>> = {}): Arm64Options {
  return { arch: 'arm64', cfiClang: false, withArgs: false, callOps: false, alignment8b: false, bti: false, ...over };
}

export function padded(n: number, prefix = 'f'): FunctionSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, padded: true }));
}

export function kernelWith(options: KernelSpec['options'], n = 8, extra: Partial<KernelSpec> = {}): Kernel {
  return createKernel({ options, functions: padded(n), pageSize: 64, ...extra });
}

/** Run an op on cpu0 and return its value; throws with the deadlock line otherwise. */
export function run<T>(kernel: Kernel, op: Op<T>, cpu = 0): T {
  const r = runSequential(kernel, op, cpu);
  if (!r.ok) throw new Error(r.deadlock);
  return r.value;
}

/** kfunc_md_lock; get; unlock, as a caller would. */
export function* lockedGet(
  store: { lock(): Op<void>; unlock(): Op<void>; get(ip: number): Op<number> },
  ip: number,
): Op<number> {
  yield* store.lock();
  const md = yield* store.get(ip);
  yield* store.unlock();
  return md;
}

/** The address of a kernel static (kfunc_mds, ftrace_nop_ops, ...); throws if it was never defined. */
export function staticAddrOf(kernel: Kernel, name: string): number {
  const addr = kernel.staticAddr(name);
  if (addr === undefined) throw new Error(`no static ${name}`);
  return addr;
}

export function bytesAt(kernel: Kernel, addr: number, n: number): number[] {
  return [...kernel.mem.peekBytes(addr, n)];
}
