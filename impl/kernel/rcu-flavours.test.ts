import { describe, expect, it } from 'vitest';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import type { Kernel } from './kernel.ts';
import { RCU_CALLBACK_TEXT } from './functions.ts';
import { RCU_HEAD_FUNC, RCU_HEAD_SIZE } from './rcu-flavours.ts';
import type { RcuCallback } from './rcu-flavours.ts';
import { runSequential } from './run.ts';
import type { Addr, Op, RcuFlavour, Step } from './types.ts';

function kernel(): Kernel {
  return kernelWith(x86(), 2);
}

/** Every step an op yields, run alone on `cpu`. */
function stepsOf(k: Kernel, op: Op<unknown>, cpu = 0): Step[] {
  const steps: Step[] = [];
  k.mem.currentCpu = cpu;
  for (let r = op.next(); !r.done; r = op.next()) {
    steps.push(r.value);
    k.mem.currentCpu = cpu;
  }
  return steps;
}

/** A reader of `flavour` that enters, then loads `addr` and leaves when resumed. */
function* reader(k: Kernel, flavour: RcuFlavour, addr: Addr): Op<number> {
  yield* k.rcu.readLock(flavour);
  const v = yield* k.mem.load32(addr);
  yield* k.rcu.readUnlock(flavour);
  return v;
}

/** An rcu_head in static data (two of them side by side when asked). */
function head(k: Kernel, name = 'obj'): Addr {
  return k.defineStatic(name, new Array<number>(RCU_HEAD_SIZE * 2).fill(0));
}

const FLAVOURS: readonly RcuFlavour[] = ['rcu', 'rcu_tasks', 'rcu_tasks_trace'];

describe('RCU flavours: read side', () => {
  it('classic RCU is Memory’s own: the same steps and the same reader table', () => {
    const a = kernel();
    const b = kernel();
    expect(stepsOf(a, a.rcu.readLock())).toEqual(stepsOf(b, b.mem.rcuReadLock()));
    expect(a.rcu.state('rcu')).toBe(a.mem.rcu);
    expect(a.mem.rcu.depth(0)).toBe(1);
    expect(stepsOf(a, a.rcu.readUnlock())).toEqual(stepsOf(b, b.mem.rcuReadUnlock()));
    expect(stepsOf(a, a.rcu.synchronize())).toEqual(stepsOf(b, b.mem.synchronizeRcu()));
    expect(a.mem.rcu.gracePeriods).toBe(1);
    expect(a.mem.tick).toBe(b.mem.tick);
  });

  it('rcu_read_lock_trace and the RCU Tasks markers are one step each, in their own tables', () => {
    const k = kernel();
    const t0 = k.mem.tick;
    expect(stepsOf(k, k.rcu.rcuReadLockTrace(), 1)).toEqual([
      { kind: 'rcu_read_lock', rcu: 'rcu_tasks_trace', call: 'rcu_read_lock_trace' },
    ]);
    expect(stepsOf(k, k.rcu.rcuTasksReadLock(), 1)).toEqual([
      { kind: 'rcu_read_lock', rcu: 'rcu_tasks', call: 'rcu_tasks_read_lock' },
    ]);
    expect(k.mem.tick).toBe(t0 + 2);
    expect([
      k.rcu.state('rcu').depth(1),
      k.rcu.state('rcu_tasks').depth(1),
      k.rcu.state('rcu_tasks_trace').depth(1),
    ]).toEqual([0, 1, 1]);
    expect(k.rcu.state('rcu_tasks_trace').depth(0)).toBe(0);
    expect(stepsOf(k, k.rcu.rcuReadUnlockTrace(), 1)).toEqual([
      { kind: 'rcu_read_unlock', rcu: 'rcu_tasks_trace', call: 'rcu_read_unlock_trace' },
    ]);
    expect(stepsOf(k, k.rcu.rcuTasksReadUnlock(), 1)).toEqual([
      { kind: 'rcu_read_unlock', rcu: 'rcu_tasks', call: 'rcu_tasks_read_unlock' },
    ]);
    expect(k.rcu.state('rcu_tasks').depth(1)).toBe(0);
    expect(k.rcu.state('rcu_tasks_trace').depth(1)).toBe(0);
    expect(k.violations).toEqual([]);
  });

  it('an unbalanced rcu_read_unlock_trace is a violation naming the calls, on the right CPU and tick', () => {
    const k = kernel();
    run(k, k.rcu.rcuReadUnlockTrace(), 1);
    run(k, k.rcu.rcuTasksReadUnlock(), 0);
    expect(k.violations).toEqual([
      {
        kind: 'rcu-unlock-unbalanced',
        cpu: 1,
        step: 1,
        note: 'cpu1 rcu_read_unlock_trace without rcu_read_lock_trace',
      },
      {
        kind: 'rcu-unlock-unbalanced',
        cpu: 0,
        step: 2,
        note: 'cpu0 rcu_tasks_read_unlock without rcu_tasks_read_lock',
      },
    ]);
  });
});

describe('RCU flavours: grace periods', () => {
  it('a tasks-trace reader is still reading when synchronize_rcu() returns, and reads the freed block', () => {
    const k = kernel();
    const block = run(k, k.mem.allocPages(0));
    const r = new Stepper(k, 1, reader(k, 'rcu_tasks_trace', block));
    r.resume(); // inside rcu_read_lock_trace(), about to load from the block
    expect(r.next()).toMatchObject({ kind: 'load32', addr: block });
    function* updater(): Op<void> {
      yield* k.rcu.synchronize('rcu');
      yield* k.mem.freePages(block, 0);
    }
    const w = new Stepper(k, 0, updater());
    w.finish(); // never blocked: classic RCU does not wait for the trace reader
    expect(k.rcu.state('rcu_tasks_trace').depth(1)).toBe(1);
    expect(k.mem.rcu.gracePeriods).toBe(1);
    expect(r.finish()).toBe(0x6b6b6b6b);
    expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([['read-freed', 1, block]]);
  });

  it('synchronize_rcu_tasks_trace() waits for that reader, which then never sees freed memory', () => {
    const k = kernel();
    const block = run(k, k.mem.allocPages(0));
    const r = new Stepper(k, 1, reader(k, 'rcu_tasks_trace', block));
    r.resume();
    function* updater(): Op<void> {
      yield* k.rcu.synchronizeRcuTasksTrace();
      yield* k.mem.freePages(block, 0);
    }
    const w = new Stepper(k, 0, updater());
    expect(w.next()).toEqual({ kind: 'sync_rcu', rcu: 'rcu_tasks_trace', call: 'synchronize_rcu_tasks_trace' });
    w.resume();
    expect(w.next()).toEqual({
      kind: 'sync_rcu',
      rcu: 'rcu_tasks_trace',
      call: 'synchronize_rcu_tasks_trace',
      blocked: true,
      note: 'cpu0 waits in synchronize_rcu_tasks_trace for the RCU Tasks Trace read-side section of cpu1',
    });
    expect(k.mem.stillBlocked(0, w.next())).toBe(true);
    w.resume(); // re-yields: still blocked
    expect(w.next().blocked).toBe(true);
    expect(r.finish()).toBe(0xa5a5a5a5);
    expect(k.mem.stillBlocked(0, w.next())).toBe(false);
    expect(k.rcu.state('rcu_tasks_trace').gracePeriods).toBe(0);
    w.finish();
    expect(k.rcu.state('rcu_tasks_trace').gracePeriods).toBe(1);
    expect(k.mem.rcu.gracePeriods).toBe(0);
    expect(k.rcu.state('rcu_tasks').gracePeriods).toBe(0);
    expect(k.violations).toEqual([]);
  });

  // which flavour's grace period waits for which flavour's reader (rows: reader, columns: grace period)
  const WAITS: Readonly<Record<RcuFlavour, Readonly<Record<RcuFlavour, boolean>>>> = {
    rcu: { rcu: true, rcu_tasks: true, rcu_tasks_trace: false },
    rcu_tasks: { rcu: false, rcu_tasks: true, rcu_tasks_trace: false },
    rcu_tasks_trace: { rcu: false, rcu_tasks: false, rcu_tasks_trace: true },
  };
  for (const readerFlavour of FLAVOURS) {
    for (const gp of FLAVOURS) {
      const waits = WAITS[readerFlavour][gp];
      it(`a ${gp} grace period ${waits ? 'waits' : 'does not wait'} for a ${readerFlavour} reader`, () => {
        const k = kernel();
        run(k, k.rcu.readLock(readerFlavour), 1);
        const r = runSequential(k, k.rcu.synchronize(gp), 0);
        expect(r.ok).toBe(!waits);
        run(k, k.rcu.readUnlock(readerFlavour), 1);
        // and once the reader has left, the same grace period ends at once
        expect(runSequential(k, k.rcu.synchronize(gp), 2).ok).toBe(true);
      });
    }
  }

  it('waits only for sections already begun: one that starts later, or leaves and re-enters, does not hold it up', () => {
    for (const f of ['rcu_tasks', 'rcu_tasks_trace'] as const) {
      const k = kernel();
      run(k, k.rcu.readLock(f), 1);
      const w = new Stepper(k, 0, k.rcu.synchronize(f));
      w.resume();
      expect(w.next().blocked).toBe(true);
      run(k, k.rcu.readLock(f), 2); // a new reader after the grace period began
      run(k, k.rcu.readUnlock(f), 1);
      run(k, k.rcu.readLock(f), 1); // cpu1 re-enters: a new section
      expect(k.mem.stillBlocked(0, w.next())).toBe(false);
      w.finish();
      expect(k.rcu.state(f).gracePeriods).toBe(1);
    }
  });

  it('a nested section ends at its outermost unlock', () => {
    const k = kernel();
    run(k, k.rcu.rcuReadLockTrace(), 1);
    run(k, k.rcu.rcuReadLockTrace(), 1);
    const w = new Stepper(k, 0, k.rcu.synchronizeRcuTasksTrace());
    w.resume();
    run(k, k.rcu.rcuReadUnlockTrace(), 1);
    expect(k.mem.stillBlocked(0, w.next())).toBe(true);
    run(k, k.rcu.rcuReadUnlockTrace(), 1);
    expect(k.mem.stillBlocked(0, w.next())).toBe(false);
  });

  it('synchronize_rcu_tasks() waits for classic and RCU Tasks readers together, and names both', () => {
    const k = kernel();
    run(k, k.rcu.rcuTasksReadLock(), 2);
    run(k, k.rcu.readLock('rcu'), 1);
    const w = new Stepper(k, 0, k.rcu.synchronizeRcuTasks());
    w.resume();
    expect(w.next().note).toBe('cpu0 waits in synchronize_rcu_tasks for the RCU Tasks read-side section of cpu1, cpu2');
    run(k, k.rcu.readUnlock('rcu'), 1);
    w.resume();
    expect(w.next().note).toBe('cpu0 waits in synchronize_rcu_tasks for the RCU Tasks read-side section of cpu2');
    run(k, k.rcu.rcuTasksReadUnlock(), 2);
    w.finish();
    expect(k.rcu.state('rcu_tasks').gracePeriods).toBe(1);
  });

  it('synchronize_rcu_tasks_trace() inside one’s own trace section is a self-deadlock', () => {
    const k = kernel();
    function* bad(): Op<void> {
      yield* k.rcu.rcuReadLockTrace();
      yield* k.rcu.synchronizeRcuTasksTrace();
    }
    const r = runSequential(k, bad(), 1);
    expect(r).toMatchObject({
      ok: false,
      reason: 'deadlock',
      deadlock:
        'self-deadlock: cpu1 calls synchronize_rcu_tasks_trace inside its own RCU Tasks Trace read-side section',
    });
  });
});

describe('RCU flavours: callbacks', () => {
  /** A callback that logs the head it got and stores 1 into the word after the rcu_head (its own step). */
  function logger(k: Kernel, log: string[], name: string): RcuCallback {
    return function* (h: Addr): Op<void> {
      log.push(`${name}@${(h & 0xfff).toString(16)}`);
      yield* k.mem.store32(h + RCU_HEAD_SIZE, 1);
    };
  }

  it('call_rcu stores the callback’s pointer into rcu_head::func in one store64 step', () => {
    const k = kernel();
    const h = head(k);
    const cb = logger(k, [], 'a');
    for (const [f, call] of [
      ['rcu', 'call_rcu'],
      ['rcu_tasks', 'call_rcu_tasks'],
      ['rcu_tasks_trace', 'call_rcu_tasks_trace'],
    ] as const) {
      const steps = stepsOf(k, k.rcu.call(f, h + (f === 'rcu' ? 0 : RCU_HEAD_SIZE), cb));
      expect(steps).toEqual([
        {
          kind: 'store64',
          addr: h + (f === 'rcu' ? 0 : RCU_HEAD_SIZE) + RCU_HEAD_FUNC,
          size: 8,
          value: RCU_CALLBACK_TEXT,
          call,
        },
      ]);
      if (f === 'rcu') run(k, k.rcu.invokeCallbacks());
    }
    expect(k.mem.peek64(h + RCU_HEAD_FUNC)).toBe(RCU_CALLBACK_TEXT);
    expect(k.rcu.pointerOf(cb)).toBe(RCU_CALLBACK_TEXT);
    expect(k.rcu.pointerOf(logger(k, [], 'b'))).toBe(RCU_CALLBACK_TEXT + 16);
  });

  it('a callback runs only after a grace period of its flavour, then in queue order, with its own steps', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    run(k, k.rcu.readLock('rcu'), 1);
    run(k, k.rcu.callRcu(h, logger(k, log, 'a')), 0);
    run(k, k.rcu.callRcuTasksTrace(h + RCU_HEAD_SIZE, logger(k, log, 'b')), 0);
    expect(k.rcu.pendingCallbacks()).toBe(2);
    // the classic reader holds up call_rcu's callback, not the tasks-trace one
    const steps = stepsOf(k, k.rcu.invokeCallbacks(), 2);
    expect(log).toEqual(['b@' + ((h + RCU_HEAD_SIZE) & 0xfff).toString(16)]);
    expect(steps).toEqual([
      { kind: 'load64', addr: h + RCU_HEAD_SIZE + RCU_HEAD_FUNC, size: 8, call: 'rcu_do_batch' },
      { kind: 'store32', addr: h + 2 * RCU_HEAD_SIZE, size: 4, value: 1 },
    ]);
    expect(k.rcu.pendingCallbacks()).toBe(1);
    expect(k.rcu.pendingCallbacks('rcu')).toBe(1);
    expect(k.rcu.pendingCallbacks('rcu_tasks_trace')).toBe(0);
    expect(run(k, k.rcu.invokeCallbacks(), 2)).toBe(0);
    run(k, k.rcu.readUnlock('rcu'), 1);
    expect(run(k, k.rcu.invokeCallbacks('rcu_tasks'), 2)).toBe(0);
    expect(run(k, k.rcu.invokeCallbacks('rcu'), 2)).toBe(1);
    expect(log).toHaveLength(2);
    expect(k.mem.peek32(h + RCU_HEAD_SIZE)).toBe(1);
    expect(k.rcu.pendingCallbacks()).toBe(0);
  });

  it('callbacks of one flavour run in the order they were queued', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    run(k, k.rcu.callRcuTasks(h + RCU_HEAD_SIZE, logger(k, log, 'first')));
    run(k, k.rcu.callRcuTasks(h, logger(k, log, 'second')));
    expect(run(k, k.rcu.invokeCallbacks(), 1)).toBe(2);
    expect(log.map((l) => l.split('@')[0])).toEqual(['first', 'second']);
  });

  it('a callback queued while a reader is inside waits for it; one queued after the reader left does not', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    run(k, k.rcu.rcuTasksReadLock(), 1);
    run(k, k.rcu.callRcuTasks(h, logger(k, log, 'held')));
    run(k, k.rcu.rcuTasksReadUnlock(), 1);
    run(k, k.rcu.rcuTasksReadLock(), 1); // a new section: it does not hold up the callback
    expect(run(k, k.rcu.invokeCallbacks())).toBe(1);
    run(k, k.rcu.callRcuTasks(h, logger(k, log, 'later'))); // cpu1 is inside now: this one waits
    expect(run(k, k.rcu.invokeCallbacks())).toBe(0);
    expect(log).toHaveLength(1);
  });

  it('rcu_barrier_tasks_trace() waits for the reader, runs the callback itself, then returns', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    run(k, k.rcu.rcuReadLockTrace(), 1);
    run(k, k.rcu.callRcuTasksTrace(h, logger(k, log, 'a')), 1);
    const b = new Stepper(k, 0, k.rcu.rcuBarrierTasksTrace());
    expect(b.next()).toEqual({ kind: 'sync_rcu', rcu: 'rcu_tasks_trace', call: 'rcu_barrier_tasks_trace' });
    b.resume();
    expect(b.next()).toEqual({
      kind: 'sync_rcu',
      rcu: 'rcu_tasks_trace',
      call: 'rcu_barrier_tasks_trace',
      blocked: true,
      note: 'cpu0 waits in rcu_barrier_tasks_trace for the call_rcu_tasks_trace of cpu1, whose grace period waits for the RCU Tasks Trace read-side section of cpu1',
    });
    expect(k.mem.stillBlocked(0, b.next())).toBe(true);
    run(k, k.rcu.rcuReadUnlockTrace(), 1);
    expect(k.mem.stillBlocked(0, b.next())).toBe(false);
    b.resume();
    expect(b.next()).toMatchObject({ kind: 'load64', call: 'rcu_do_batch' });
    b.finish();
    expect(log).toHaveLength(1);
    expect(k.rcu.pendingCallbacks()).toBe(0);
  });

  it('rcu_barrier() waits only for its own flavour and for callbacks queued before it', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    run(k, k.rcu.rcuReadLockTrace(), 1);
    run(k, k.rcu.callRcuTasksTrace(h, logger(k, log, 'trace')));
    run(k, k.rcu.callRcu(h + RCU_HEAD_SIZE, logger(k, log, 'classic')));
    expect(stepsOf(k, k.rcu.rcuBarrier())[0]).toEqual({ kind: 'sync_rcu', call: 'rcu_barrier' });
    expect(log.map((l) => l.split('@')[0])).toEqual(['classic']);
    run(k, k.rcu.readLock('rcu'), 1);
    const b = new Stepper(k, 0, k.rcu.rcuBarrierTasks());
    b.resume();
    run(k, k.rcu.callRcuTasks(h + RCU_HEAD_SIZE, logger(k, log, 'late')), 2); // after the barrier began
    b.finish(); // nothing of its flavour was queued before it
    expect(b.done).toBe(true);
    expect(k.rcu.pendingCallbacks('rcu_tasks')).toBe(1);
  });

  it('rcu_barrier() waits for a callback another CPU is running', () => {
    const k = kernel();
    const h = head(k);
    run(k, k.rcu.callRcu(h, logger(k, [], 'a')));
    const runner = new Stepper(k, 1, k.rcu.invokeCallbacks());
    runner.resume(); // loaded rcu_head::func; the callback's store is pending
    expect(runner.next()).toMatchObject({ kind: 'store32' });
    const b = new Stepper(k, 0, k.rcu.rcuBarrier());
    b.resume();
    expect(b.next()).toMatchObject({
      blocked: true,
      note: 'cpu0 waits in rcu_barrier for the callback cpu1 is running',
    });
    expect(k.mem.stillBlocked(0, b.next())).toBe(true);
    expect(runner.finish()).toBe(1);
    expect(k.mem.stillBlocked(0, b.next())).toBe(false);
    b.finish();
  });

  it('rcu_barrier() inside one’s own read-side section is a self-deadlock', () => {
    const k = kernel();
    function* bad(): Op<void> {
      yield* k.rcu.readLock('rcu');
      yield* k.rcu.callRcu(head(k), logger(k, [], 'a'));
      yield* k.rcu.rcuBarrier();
    }
    expect(runSequential(k, bad(), 1)).toMatchObject({
      ok: false,
      deadlock: 'self-deadlock: cpu1 calls rcu_barrier inside its own RCU read-side section',
    });
  });

  it('queuing a head that is still queued is a violation; re-queuing after it ran is not', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    const cb = logger(k, log, 'a');
    run(k, k.rcu.callRcu(h, cb));
    run(k, k.rcu.callRcu(h, cb), 1);
    expect(k.violations).toEqual([
      {
        kind: 'rcu-head-reused',
        addr: h,
        cpu: 1,
        step: 2,
        note: `call_rcu on rcu_head 0x${h.toString(16)} that is already queued`,
      },
    ]);
    run(k, k.rcu.rcuBarrier());
    expect(log).toHaveLength(2);
    run(k, k.rcu.callRcu(h, cb));
    run(k, k.rcu.callRcuTasks(h + RCU_HEAD_SIZE, cb)); // another head: no violation either
    expect(k.violations).toHaveLength(1);
  });

  it('a callback may queue its own rcu_head again (it is running, not queued)', () => {
    const k = kernel();
    const h = head(k);
    let runs = 0;
    const again: RcuCallback = function* (hd: Addr): Op<void> {
      if (++runs < 3) yield* k.rcu.callRcuTasks(hd, again);
    };
    run(k, k.rcu.callRcuTasks(h, again));
    expect(run(k, k.rcu.invokeCallbacks())).toBe(3); // each one queued by the last, with no reader to wait for
    expect(runs).toBe(3);
    expect(k.violations).toEqual([]);
  });

  it('a callback another CPU is running is not run again', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    run(k, k.rcu.callRcu(h, logger(k, log, 'a')));
    const runner = new Stepper(k, 1, k.rcu.invokeCallbacks());
    runner.resume(); // inside the callback
    expect(run(k, k.rcu.invokeCallbacks(), 2)).toBe(0);
    expect(k.rcu.pendingCallbacks()).toBe(1); // running still counts until it finishes
    expect(runner.finish()).toBe(1);
    expect(log).toHaveLength(1);
    expect(k.rcu.pendingCallbacks()).toBe(0);
  });

  it('an overwritten rcu_head::func is caught when the callback would run, and the callback is skipped', () => {
    const k = kernel();
    const h = head(k);
    const log: string[] = [];
    run(k, k.rcu.callRcu(h, logger(k, log, 'a')));
    run(k, k.mem.store64(h + RCU_HEAD_FUNC, 0x1234));
    expect(run(k, k.rcu.invokeCallbacks(), 1)).toBe(1);
    expect(log).toEqual([]);
    expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([['rcu-head-corrupt', 1, h]]);
    expect(k.violations[0].note).toBe(
      `rcu_do_batch: rcu_head 0x${h.toString(16)} has func 0x1234, not the 0x${RCU_CALLBACK_TEXT.toString(16)} call_rcu stored`,
    );
    expect(k.rcu.pendingCallbacks()).toBe(0);
  });

  it('an rcu_head in memory freed before its callback ran reads as poison', () => {
    const k = kernel();
    const block = run(k, k.mem.allocPages(0));
    run(k, k.rcu.callRcuTasksTrace(block, logger(k, [], 'a')));
    run(k, k.mem.freePages(block, 0));
    run(k, k.rcu.rcuBarrierTasksTrace());
    expect(k.violations.map((v) => v.kind)).toEqual(['read-freed', 'rcu-head-corrupt']);
  });
});
