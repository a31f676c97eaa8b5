import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Implementation, KfuncMdStore } from '../contract/index.ts';
import { createKernel } from '../kernel/kernel.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { KernelOptions } from '../kernel/options.ts';
import type { Op, Step } from '../kernel/types.ts';
import { commandImplementation } from '../protocol/implementation.ts';
import type { CommandImplementation } from '../protocol/implementation.ts';
import { arm64, padded, x86, x86CaseC } from '../testing/fixtures.ts';
import { v4 } from '../v4/store.ts';
import { buildC } from './build.ts';

// v4.c through the protocol against impl/v4 in process: the same steps, one for one, with the
// same values, and the same WARNs, violations, text writes and views

let c: CommandImplementation;
beforeAll(() => {
  c = commandImplementation([buildC()]);
});
afterAll(() => c.close());

interface World {
  readonly kernel: Kernel;
  readonly store: KfuncMdStore;
  readonly trace: string[];
}

function boot(impl: Implementation, options: KernelOptions, pokeByteOrder?: number[]): World {
  const kernel = createKernel({
    options,
    functions: padded(8),
    pageSize: 64,
    maxOrder: 3,
    ...(pokeByteOrder ? { pokeByteOrder } : {}),
  });
  return { kernel, store: impl.create(kernel), trace: [] };
}

function show(s: Step): string {
  return JSON.stringify(s);
}

/** Runs `op` alone on `cpu`, recording each step and the result. */
function run<T>(w: World, op: Op<T>, cpu = 0): T {
  w.kernel.mem.currentCpu = cpu;
  for (let r = op.next(); ; r = op.next()) {
    if (r.done) {
      w.trace.push(`cpu${cpu} → ${JSON.stringify(r.value) ?? 'void'}`);
      return r.value;
    }
    w.trace.push(`cpu${cpu} ${show(r.value)}`);
    w.kernel.mem.currentCpu = cpu;
  }
}

function* lockedGet(store: KfuncMdStore, ip: number): Op<number> {
  yield* store.lock();
  const md = yield* store.get(ip);
  yield* store.unlock();
  return md;
}

/** Every verb, growth, an allocation failure, a foreign write (-EBUSY), a double put (WARN). */
function sequential(w: World): void {
  const ip = (i: number): number => w.kernel.fn(`f${i}`).ip;
  const { store, kernel } = w;
  // the fifth get grows the array (4 entries a page): pointers from before it are stale
  const stale = run(w, lockedGet(store, ip(0)));
  for (let i = 1; i < 6; i++) run(w, lockedGet(store, ip(i)));
  const md0 = store.inspect().entries[0]?.md ?? 0;
  kernel.pages.failNextAllocations(1);
  run(w, lockedGet(store, ip(6)));
  run(w, store.find(ip(2)));
  run(w, store.trampoline(ip(3), { rcu: true }));
  run(w, store.trampoline(ip(1), { rcu: false }));
  run(w, store.trampoline(ip(7), { rcu: true }));
  run(w, store.put(md0));
  run(w, store.putByIp(ip(1)));
  run(w, store.putByIp(ip(1)));
  run(w, store.put(md0));
  run(w, store.put(stale));
  run(w, lockedGet(store, ip(0)));
  const window = ip(7) - (kernel.options.arch === 'x86' ? 16 : 4);
  kernel.foreignWrite(window, [0xcc]);
  run(w, lockedGet(store, ip(7)));
  w.trace.push(JSON.stringify(store.inspect()));
}

/** Two CPUs taking turns a step at a time: a get that grows the array against a reader. */
function concurrent(w: World): void {
  const ip = (i: number): number => w.kernel.fn(`f${i}`).ip;
  for (let i = 0; i < 4; i++) run(w, lockedGet(w.store, ip(i)));
  const ops: Op<unknown>[] = [lockedGet(w.store, ip(4)), w.store.trampoline(ip(2), { rcu: true })];
  const live = ops.map((op, cpu) => {
    w.kernel.mem.currentCpu = cpu;
    return { op, cpu, r: op.next() };
  });
  while (live.some((l) => !l.r.done)) {
    for (const l of live) {
      if (l.r.done) continue;
      w.trace.push(`cpu${l.cpu} ${show(l.r.value)}`);
      w.kernel.mem.currentCpu = l.cpu;
      l.r = l.op.next();
      if (l.r.done) w.trace.push(`cpu${l.cpu} → ${JSON.stringify(l.r.value)}`);
    }
  }
  w.trace.push(JSON.stringify(w.store.inspect()));
}

function outcome(w: World): unknown {
  const k = w.kernel;
  return {
    trace: w.trace,
    warnings: k.warnings,
    violations: k.violations,
    textWrites: k.textWrites,
    pages: k.pages.list(),
  };
}

const KERNELS: readonly [string, KernelOptions, number[]?][] = [
  ['x86 case A', x86()],
  ['x86 case A, 64-byte alignment, poke order 4,0,3,1,2', x86({ functionAlignment: 64 }), [4, 0, 3, 1, 2]],
  ['x86 case B (kCFI)', x86({ cfiClang: true, cfiMode: 'kcfi' })],
  ['x86 case C, Kconfig reading', x86CaseC()],
  ['x86 case C, the v4 comment reading', x86CaseC({ caseCReading: 'intent' })],
  ['arm64', arm64()],
  ['arm64 with CALL_OPS', arm64({ callOps: true })],
  ['arm64 WITH_ARGS and BTI', arm64({ withArgs: true, bti: true })],
];

describe('v4.c through the protocol is impl/v4, step for step', () => {
  it.each(KERNELS)('%s: every verb, growth, failures, WARNs', (_name, options, order) => {
    const ts = boot(v4, options, order);
    const cw = boot(c, options, order);
    sequential(ts);
    sequential(cw);
    expect(ts.kernel.warnings.map((x) => x.site)).toContain('put-users');
    expect(outcome(cw)).toEqual(outcome(ts));
  });

  it.each(KERNELS)('%s: two CPUs interleaved a step at a time', (_name, options, order) => {
    const ts = boot(v4, options, order);
    const cw = boot(c, options, order);
    concurrent(ts);
    concurrent(cw);
    expect(ts.kernel.pages.list().length).toBeGreaterThan(1);
    expect(outcome(cw)).toEqual(outcome(ts));
  });

  it("a BUG in create (arm64 with CFI_CLANG, like impl/v4's hooks refuse) is thrown by the first verb", () => {
    expect(() => boot(v4, arm64({ cfiClang: true }))).toThrow(/FUNCTION_METADATA depends on !CFI_CLANG/);
    const w = boot(c, arm64({ cfiClang: true }));
    expect(() => run(w, w.store.find(w.kernel.fn('f0').ip))).toThrow(
      'BUG: arm64 FUNCTION_METADATA depends on !CFI_CLANG: kfunc_md is not built',
    );
    expect(w.store.inspect()).toMatchObject({ arrayBase: 0, entries: [] });
    // the process lives on: the next store works
    const ok = boot(c, arm64());
    sequential(ok);
    const ts = boot(v4, arm64());
    sequential(ts);
    expect(outcome(ok)).toEqual(outcome(ts));
  });

  it('a new store drops the verbs still in flight on the old one', () => {
    const first = boot(c, x86());
    const op = first.store.get(first.kernel.fn('f0').ip);
    first.kernel.mem.currentCpu = 0;
    expect(op.next().value).toMatchObject({ kind: 'load8' });
    const second = boot(c, x86());
    sequential(second);
    const ts = boot(v4, x86());
    sequential(ts);
    expect(outcome(second)).toEqual(outcome(ts));
    expect(() => op.next()).toThrow(/replaced by a newer create\(\)/);
  });
});
