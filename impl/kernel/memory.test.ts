import { describe, expect, it } from 'vitest';
import { runSequential } from './run.ts';
import type { Op, Step } from './types.ts';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';

function collect<T>(op: Op<T>, onStep: (s: Step) => void = () => {}): T {
  let r = op.next();
  while (!r.done) {
    onStep(r.value);
    r = op.next();
  }
  return r.value;
}

describe('memory interface', () => {
  it('yields one step before each access and performs it only on resume', () => {
    const k = kernelWith(x86());
    const addr = k.defineStatic('v', [0, 0, 0, 0]);
    const op = k.mem.store32(addr, 0x11223344);
    const first = op.next();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ kind: 'store32', addr, size: 4, value: 0x11223344 });
    expect(k.mem.peek32(addr)).toBe(0);
    expect(op.next().done).toBe(true);
    expect(k.mem.peek32(addr)).toBe(0x11223344);
  });

  it('stores u32 and u64 little-endian and reads them back', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', new Array<number>(16).fill(0));
    run(k, k.mem.store32(a, 0x12345678));
    run(k, k.mem.store64(a + 8, 0xffff_8100_1234));
    expect([...k.mem.peekBytes(a, 4)]).toEqual([0x78, 0x56, 0x34, 0x12]);
    expect([...k.mem.peekBytes(a + 8, 8)]).toEqual([0x34, 0x12, 0x00, 0x81, 0xff, 0xff, 0x00, 0x00]);
    expect(run(k, k.mem.load32(a))).toBe(0x12345678);
    expect(run(k, k.mem.load64(a + 8))).toBe(0xffff_8100_1234);
    // negative i32 values are stored as their bit pattern
    run(k, k.mem.store32(a, -1));
    expect(k.mem.peek32(a)).toBe(0xffffffff);
  });

  it('peeks do not count as accesses', () => {
    const k = kernelWith(x86());
    const t = k.mem.tick;
    k.mem.peek8(k.textBase);
    k.mem.peekBytes(k.textBase, 16);
    expect(k.mem.tick).toBe(t);
  });

  it('records stores into text byte by byte with cpu and step', () => {
    const k = kernelWith(x86());
    const ip = k.fn('f1').ip;
    run(k, k.mem.store32(ip - 16, 0xaabbccdd), 3);
    expect(k.textWrites).toHaveLength(4);
    expect(k.textWrites[0]).toMatchObject({ addr: ip - 16, before: 0x90, after: 0xdd, cpu: 3, foreign: false });
    expect(k.textWrites[3]).toMatchObject({ addr: ip - 13, after: 0xaa });
  });

  it('foreign writes go straight to memory and are logged as foreign', () => {
    const k = kernelWith(x86());
    const ip = k.fn('f0').ip;
    k.foreignWrite(ip - 16, [0xcc, 0xcc]);
    expect(k.mem.peek8(ip - 16)).toBe(0xcc);
    expect(k.textWrites.map((w) => w.foreign)).toEqual([true, true]);
  });

  it('reports loads from unmapped memory and returns zero', () => {
    const k = kernelWith(x86());
    expect(run(k, k.mem.load32(0x10))).toBe(0);
    expect(k.violations[0]).toMatchObject({ kind: 'read-unmapped', addr: 0x10 });
  });

  it('reports a self-deadlock on a mutex in one line', () => {
    const k = kernelWith(x86());
    function* twice(): Op<void> {
      yield* k.mem.mutexLock('kfunc_md_mutex');
      yield* k.mem.mutexLock('kfunc_md_mutex');
    }
    const r = runSequential(k, twice());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.deadlock).toBe('self-deadlock: cpu0 takes kfunc_md_mutex while holding it');
  });

  it('reports waiting for a mutex another cpu holds', () => {
    const k = kernelWith(x86());
    run(k, k.mem.mutexLock('text_mutex'), 1);
    const r = runSequential(k, k.mem.mutexLock('text_mutex'), 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.deadlock).toBe('deadlock: cpu0 waits for text_mutex held by cpu1');
  });

  it('a blocked mutex step proceeds once the owner releases it', () => {
    const k = kernelWith(x86());
    run(k, k.mem.mutexLock('m'), 1);
    const waiter = k.mem.mutexLock('m');
    k.mem.currentCpu = 0;
    const s = waiter.next();
    expect(s.value).toMatchObject({ kind: 'mutex_lock', blocked: true });
    run(k, k.mem.mutexUnlock('m'), 1);
    expect(k.mem.stillBlocked(0, s.value as Step)).toBe(false);
    k.mem.currentCpu = 0;
    expect(waiter.next().done).toBe(true);
    expect(k.mem.mutexes.owner('m')).toBe(0);
  });

  it('unlocking a mutex one does not own is a violation', () => {
    const k = kernelWith(x86());
    run(k, k.mem.mutexUnlock('m'));
    expect(k.violations[0]?.kind).toBe('mutex-unlock-not-owner');
  });

  it('synchronize_rcu waits only for readers already inside a section', () => {
    const k = kernelWith(x86());
    run(k, k.mem.rcuReadLock(), 1);
    const sync = k.mem.synchronizeRcu();
    k.mem.currentCpu = 0;
    expect(sync.next().value).toMatchObject({ kind: 'sync_rcu' });
    const blocked = sync.next();
    expect(blocked.value).toMatchObject({ kind: 'sync_rcu', blocked: true });
    // a reader that leaves and re-enters no longer holds up the grace period
    run(k, k.mem.rcuReadUnlock(), 1);
    run(k, k.mem.rcuReadLock(), 1);
    k.mem.currentCpu = 0;
    expect(sync.next().done).toBe(true);
    expect(k.mem.rcu.gracePeriods).toBe(1);
  });

  it("synchronize_rcu inside one's own read-side section deadlocks", () => {
    const k = kernelWith(x86());
    function* bad(): Op<void> {
      yield* k.mem.rcuReadLock();
      yield* k.mem.synchronizeRcu();
    }
    const r = runSequential(k, bad(), 2);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.deadlock).toBe('self-deadlock: cpu2 calls synchronize_rcu inside its own RCU read-side section');
  });

  it('caps runaway operations', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', [0]);
    function* spin(): Op<void> {
      for (;;) yield* k.mem.load8(a);
    }
    const r = runSequential(k, spin(), 0, 1000);
    expect(r).toMatchObject({ ok: false, reason: 'runaway' });
  });

  it('counts steps', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', [0, 0, 0, 0]);
    let n = 0;
    collect(k.mem.load32(a), () => n++);
    expect(n).toBe(1);
    expect(runSequential(k, k.mem.load8(a))).toMatchObject({ ok: true, value: 0, steps: 1 });
  });
});
