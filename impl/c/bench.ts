/**
 * The protocol's costs, measured: `npx tsx impl/c/bench.ts [seconds]`. Prints messages per
 * second for v4.c's verbs through --impl-cmd (and steps per second for impl/v4 in process, the
 * same verbs), what a create() costs on the long-lived process (a reset) and what a fresh
 * process per create() would cost (a start and a handshake).
 */
import { createKernel } from '../kernel/kernel.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { runSequential } from '../kernel/run.ts';
import type { Op } from '../kernel/types.ts';
import type { Implementation, KfuncMdStore } from '../contract/index.ts';
import { commandImplementation } from '../protocol/implementation.ts';
import { ImplProcess } from '../protocol/process.ts';
import { padded, x86 } from '../testing/fixtures.ts';
import { v4 } from '../v4/store.ts';
import { buildC } from './build.ts';

const seconds = Number(process.argv[2] ?? 3);

function kernel(): Kernel {
  return createKernel({ options: x86(), functions: padded(8), pageSize: 128, maxOrder: 4 });
}

function* lockedGet(store: KfuncMdStore, ip: number): Op<number> {
  yield* store.lock();
  const md = yield* store.get(ip);
  yield* store.unlock();
  return md;
}

/** One round: every function got, read by the trampoline, put back. Returns the steps (messages). */
function round(k: Kernel, store: KfuncMdStore): number {
  let steps = 0;
  const go = <T>(op: Op<T>): void => {
    const r = runSequential(k, op);
    if (!r.ok) throw new Error(r.deadlock);
    // a verb is its calls plus one more line for its return
    steps += r.steps + 1;
  };
  for (const f of k.functions) go(lockedGet(store, f.ip));
  for (const f of k.functions) go(store.trampoline(f.ip, { rcu: true }));
  for (const f of k.functions) go(store.putByIp(f.ip));
  return steps;
}

function rate(impl: Implementation): { perSecond: number; creates: number } {
  let steps = 0;
  let creates = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const k = kernel();
    const store = impl.create(k);
    creates++;
    for (let i = 0; i < 5; i++) steps += round(k, store);
  }
  return { perSecond: steps / seconds, creates };
}

function perCall(n: number, f: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t0) / n;
}

const c = commandImplementation([buildC()]);
const ts = rate(v4);
const cc = rate(c);
const reset = perCall(200, () => c.create(kernel()));
const proc = new ImplProcess([buildC()], { wallBudgetMs: 5000, startBudgetMs: 30_000 });
proc.start();
const restart = perCall(20, () => {
  proc.kill();
  proc.start();
});
proc.close();
c.close();
console.log(`impl/v4 in process: ${Math.round(ts.perSecond)} steps/s`);
console.log(
  `v4.c through the protocol: ${Math.round(cc.perSecond)} messages/s (${(1e6 / cc.perSecond).toFixed(1)} µs each)`,
);
console.log(`create() on the long-lived process (a reset): ${reset.toFixed(2)} ms`);
console.log(`a fresh process per create() instead (start and handshake): ${restart.toFixed(1)} ms`);
