import { describe, expect, it } from 'vitest';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import type { Kernel } from './kernel.ts';
import type { Op, Step } from './types.ts';

/** Every step op yields on `cpu`, and the memory tick after each resume. */
function steps<T>(k: Kernel, op: Op<T>, cpu = 0): { value: T; steps: Step[]; ticks: number[] } {
  const out: Step[] = [];
  const ticks: number[] = [];
  k.mem.currentCpu = cpu;
  for (let r = op.next(); ; r = op.next()) {
    if (out.length > 0) ticks.push(k.mem.tick);
    if (r.done === true) return { value: r.value, steps: out, ticks };
    out.push(r.value);
  }
}

describe('memory: each access is one step, described exactly, and advances the tick once', () => {
  it('loads and stores', () => {
    const k = kernelWith(x86(), 1);
    const a = k.defineStatic('cell', new Array<number>(16).fill(0));
    const t0 = k.mem.tick;
    expect(steps(k, k.mem.store8(a, 0x1ff)).steps).toEqual([{ kind: 'store8', addr: a, size: 1, value: 0x1ff }]);
    expect(steps(k, k.mem.store32(a + 4, -1)).steps).toEqual([{ kind: 'store32', addr: a + 4, size: 4, value: -1 }]);
    expect(steps(k, k.mem.store64(a + 8, 0x123456789a)).steps).toEqual([
      { kind: 'store64', addr: a + 8, size: 8, value: 0x123456789a },
    ]);
    expect(k.mem.tick).toBe(t0 + 3);
    expect(steps(k, k.mem.load8(a))).toMatchObject({ value: 0xff, steps: [{ kind: 'load8', addr: a, size: 1 }] });
    expect(steps(k, k.mem.load32(a + 4))).toMatchObject({
      value: 0xffffffff,
      steps: [{ kind: 'load32', addr: a + 4, size: 4 }],
    });
    expect(steps(k, k.mem.load64(a + 8))).toMatchObject({
      value: 0x123456789a,
      steps: [{ kind: 'load64', addr: a + 8, size: 8 }],
    });
    expect(k.mem.tick).toBe(t0 + 6);
  });

  it('store64 refuses what is no address', () => {
    const k = kernelWith(x86(), 1);
    const a = k.defineStatic('cell', [0]);
    for (const bad of [-1, 0.5, 2 ** 53]) {
      expect(() => run(k, k.mem.store64(a, bad))).toThrow(`store64 of non-address ${bad}`);
    }
  });

  it('mutexes, RCU read side and synchronize_rcu, pages', () => {
    const k = kernelWith(x86(), 1, { pageSize: 64 });
    const t0 = k.mem.tick;
    expect(steps(k, k.mem.mutexLock('m')).steps).toEqual([{ kind: 'mutex_lock', lock: 'm', blocked: false }]);
    expect(steps(k, k.mem.mutexUnlock('m')).steps).toEqual([{ kind: 'mutex_unlock', lock: 'm' }]);
    expect(steps(k, k.mem.rcuReadLock()).steps).toEqual([{ kind: 'rcu_read_lock' }]);
    expect(steps(k, k.mem.rcuReadUnlock()).steps).toEqual([{ kind: 'rcu_read_unlock' }]);
    expect(steps(k, k.mem.synchronizeRcu()).steps).toEqual([{ kind: 'sync_rcu' }]);
    const alloc = steps(k, k.mem.allocPages(1));
    expect(alloc.steps).toEqual([{ kind: 'alloc_pages', order: 1, size: 128 }]);
    expect(steps(k, k.mem.freePages(alloc.value, 1)).steps).toEqual([
      { kind: 'free_pages', addr: alloc.value, order: 1, size: 128 },
    ]);
    expect(k.mem.tick).toBe(t0 + 7);
    expect(k.violations).toEqual([]);
  });

  it('unlocking a mutex nobody or another CPU holds is a violation naming the owner', () => {
    const k = kernelWith(x86(), 1);
    run(k, k.mem.mutexUnlock('m'), 0);
    run(k, k.mem.mutexLock('m'), 1);
    run(k, k.mem.mutexUnlock('m'), 0);
    expect(k.violations.map((v) => [v.kind, v.note])).toEqual([
      ['mutex-unlock-not-owner', 'cpu0 unlocks m owned by nobody'],
      ['mutex-unlock-not-owner', 'cpu0 unlocks m owned by cpu1'],
    ]);
  });

  it('a mutex released while another CPU waits: the waiter stops being blocked and takes it', () => {
    const k = kernelWith(x86(), 1);
    run(k, k.mem.mutexLock('m'), 1);
    const waiter = k.mem.mutexLock('m');
    k.mem.currentCpu = 0;
    const first = waiter.next();
    expect(first.value).toMatchObject({ kind: 'mutex_lock', blocked: true, note: 'cpu0 waits for m held by cpu1' });
    if (first.done === true) throw new Error('unreachable: the first step is the lock');
    expect(k.mem.stillBlocked(0, first.value)).toBe(true);
    run(k, k.mem.mutexUnlock('m'), 1);
    expect(k.mem.stillBlocked(0, first.value)).toBe(false);
    k.mem.currentCpu = 0;
    expect(waiter.next().done).toBe(true);
    expect(k.mem.mutexes.owner('m')).toBe(0);
  });

  it('synchronize_rcu waits for another CPU’s reader, and is blocked only while it reads', () => {
    const k = kernelWith(x86(), 1);
    run(k, k.mem.rcuReadLock(), 1);
    const sync = k.mem.synchronizeRcu();
    k.mem.currentCpu = 0;
    sync.next();
    const wait = sync.next();
    expect(wait.value).toMatchObject({ kind: 'sync_rcu', blocked: true });
    if (wait.done === true) throw new Error('unreachable: a reader is pending');
    expect(k.mem.stillBlocked(0, wait.value)).toBe(true);
    run(k, k.mem.rcuReadUnlock(), 1);
    expect(k.mem.stillBlocked(0, wait.value)).toBe(false);
    k.mem.currentCpu = 0;
    expect(sync.next().done).toBe(true);
    expect(k.mem.rcu.gracePeriods).toBe(1);
  });
});
