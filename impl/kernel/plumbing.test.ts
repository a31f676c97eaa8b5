import { describe, expect, it } from 'vitest';
import { kernelWith, x86 } from '../testing/fixtures.ts';
import { AddressSpace } from './address-space.ts';
import { AllocFaults } from './alloc-faults.ts';
import { EventLog } from './events.ts';
import { FunctionTable } from './functions.ts';
import { MutexTable } from './mutexes.ts';
import { runSequential } from './run.ts';
import type { Op } from './types.ts';
import { Workqueue } from './workqueue.ts';

describe('mutex table', () => {
  it('one owner at a time; release says whether the releaser owned it; heldBy lists a CPU’s mutexes', () => {
    const t = new MutexTable();
    expect(t.owner('a')).toBeUndefined();
    expect(t.tryTake('a', 1)).toBe(true);
    expect(t.tryTake('a', 0)).toBe(false);
    expect(t.owner('a')).toBe(1);
    expect(t.tryTake('b', 1)).toBe(true);
    expect(t.tryTake('c', 0)).toBe(true);
    expect(t.heldBy(1)).toEqual(['a', 'b']);
    expect(t.heldBy(0)).toEqual(['c']);
    expect(t.release('a', 0)).toBe(false); // not the owner: released anyway, reported
    expect(t.owner('a')).toBeUndefined();
    expect(t.release('b', 1)).toBe(true);
    expect(t.heldBy(1)).toEqual([]);
  });
});

describe('allocation faults', () => {
  it('fails exactly the next n allocations; a new count replaces the old one', () => {
    const f = new AllocFaults();
    expect(f.take()).toBe(false);
    f.failNext(2);
    expect([f.take(), f.take(), f.take()]).toEqual([true, true, false]);
    f.failNext(3);
    f.failNext(1);
    expect([f.take(), f.take()]).toEqual([true, false]);
    f.failNext(2, 3);
    expect([f.take(), f.take(), f.take(), f.take(), f.take(), f.take()]).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
    ]);
    // a new injection replaces the spared count too
    f.failNext(1, 5);
    f.failNext(1);
    expect(f.take()).toBe(true);
  });
});

describe('function table', () => {
  it('one 16-byte-apart pointer per function, stable, and looked up back', () => {
    const t = new FunctionTable<{ n: number }>(0x1000);
    const a = { n: 1 };
    const b = { n: 2 };
    expect(t.pointer(a)).toBe(0x1000);
    expect(t.pointer(b)).toBe(0x1010);
    expect(t.pointer(a)).toBe(0x1000);
    expect(t.lookup(0x1010)).toBe(b);
    expect(t.lookup(0x1000)).toBe(a);
    expect(t.lookup(0x1020)).toBeUndefined();
  });
});

describe('workqueue', () => {
  it('queues a work item once, runs everything pending (and what it schedules) on flush', () => {
    const k = kernelWith(x86(), 1);
    const wq = new Workqueue();
    const ran: string[] = [];
    function* work(name: string, then?: () => void): Op<void> {
      ran.push(name);
      then?.();
    }
    expect(wq.schedule('a', () => work('a', () => wq.schedule('c', () => work('c'))))).toBe(true);
    expect(wq.schedule('a', () => work('a-again'))).toBe(false);
    expect(wq.schedule('b', () => work('b'))).toBe(true);
    expect(wq.size).toBe(2);
    const r = runSequential(k, wq.flush());
    expect(r).toMatchObject({ ok: true, value: 3 });
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(wq.size).toBe(0);
    expect(runSequential(k, wq.flush())).toMatchObject({ ok: true, value: 0 });
  });
});

describe('runSequential', () => {
  it('returns the value and the number of steps', () => {
    const k = kernelWith(x86(), 1);
    function* two(): Op<number> {
      yield { kind: 'load8', addr: 0 };
      yield { kind: 'load8', addr: 0 };
      return 7;
    }
    expect(runSequential(k, two(), 1)).toEqual({ ok: true, value: 7, steps: 2 });
  });

  it('a mutex another CPU holds is a deadlock naming the lock; taking one it holds, a self-deadlock', () => {
    const k = kernelWith(x86(), 1);
    k.mem.mutexes.tryTake('m', 1);
    expect(runSequential(k, k.mem.mutexLock('m'), 0)).toEqual({
      ok: false,
      reason: 'deadlock',
      deadlock: 'deadlock: cpu0 waits for m held by cpu1',
      lock: 'm',
      steps: 1, // the first mutex_lock step is already blocked
    });
    const self = runSequential(k, k.mem.mutexLock('m'), 1);
    expect(self).toMatchObject({ ok: false, reason: 'deadlock', lock: 'm' });
    expect(self.ok === false && self.deadlock).toBe('self-deadlock: cpu1 takes m while holding it');
  });

  it('a blocked step without a note or a lock is named by its kind', () => {
    const k = kernelWith(x86(), 1);
    const waiting = () => true;
    const r = runSequential(
      k,
      k.mem.blockWhile(waiting, () => ({ kind: 'sync_rcu' })),
      2,
    );
    expect(r).toEqual({ ok: false, reason: 'deadlock', deadlock: 'deadlock: cpu2 blocked at sync_rcu', steps: 1 });
  });

  it('an operation past maxSteps is a runaway', () => {
    const k = kernelWith(x86(), 1);
    function* forever(): Op<void> {
      for (;;) yield { kind: 'load32', addr: 0 };
    }
    expect(runSequential(k, forever(), 0, 5)).toEqual({
      ok: false,
      reason: 'runaway',
      deadlock: 'runaway: cpu0 exceeded 5 steps (last: load32)',
      steps: 6,
    });
  });
});

describe('address space', () => {
  it('finds the segment holding [addr, addr + size), none across an end or in a gap', () => {
    const as = new AddressSpace();
    const b = as.add('b', 'data', 0x200, new Uint8Array(0x10));
    const a = as.add('a', 'text', 0x100, new Uint8Array(0x10)); // inserted before b
    const c = as.add('c', 'pages', 0x300, new Uint8Array(0x10), 2);
    expect(c).toMatchObject({ name: 'c', kind: 'pages', base: 0x300, freed: false, order: 2 });
    expect(a.order).toBe(0);
    expect(a.view.byteLength).toBe(0x10);
    expect(as.find(0x100)).toBe(a);
    expect(as.find(0x10f)).toBe(a);
    expect(as.find(0x10f, 2)).toBeUndefined();
    expect(as.find(0x110)).toBeUndefined();
    expect(as.find(0xff)).toBeUndefined();
    expect(as.find(0x208, 8)).toBe(b);
    expect(as.find(0x208, 9)).toBeUndefined();
    expect(as.find(0x300)).toBe(c);
    expect(as.find(0x30f)).toBe(c);
    expect(as.find(0x200)).toBe(b); // after a hit on c: the cache is only a shortcut
    expect(as.find(0x20f, 2)).toBeUndefined(); // the cached segment does not hold it either
    expect(as.find(0x400)).toBeUndefined();
  });

  it('refuses a segment that overlaps its neighbour on either side', () => {
    const as = new AddressSpace();
    as.add('a', 'data', 0x100, new Uint8Array(0x10));
    as.add('c', 'data', 0x200, new Uint8Array(0x10));
    expect(() => as.add('x', 'data', 0x10f, new Uint8Array(1))).toThrow('segment x at 0x10f overlaps another segment');
    expect(() => as.add('y', 'data', 0x1f0, new Uint8Array(0x11))).toThrow('overlaps');
    expect(() => as.add('z', 'data', 0x208, new Uint8Array(1))).toThrow('overlaps');
    expect(as.add('ok', 'data', 0x110, new Uint8Array(0xf0)).base).toBe(0x110); // exactly fills the gap
  });
});

describe('event log', () => {
  it('marks the first WARN of a site as once, the later ones not', () => {
    const log = new EventLog();
    log.warn('s', 'one', 0, 1);
    log.warn('t', 'two', 1, 2);
    log.warn('s', 'three', 0, 3);
    expect(log.warnings).toEqual([
      { site: 's', message: 'one', cpu: 0, once: true, step: 1 },
      { site: 't', message: 'two', cpu: 1, once: true, step: 2 },
      { site: 's', message: 'three', cpu: 0, once: false, step: 3 },
    ]);
    log.violation({ kind: 'double-free', cpu: 0, step: 4, note: 'n' });
    expect(log.violations).toEqual([{ kind: 'double-free', cpu: 0, step: 4, note: 'n' }]);
  });
});
