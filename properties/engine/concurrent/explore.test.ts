import { describe, expect, it } from 'vitest';
import type { Kernel } from '../../../impl/kernel/kernel.ts';
import { TEXT_MUTEX } from '../../../impl/kernel/mutexes.ts';
import type { Op } from '../../../impl/kernel/types.ts';
import { locked } from '../../../impl/locked/store.ts';
import type { Implementation, KfuncMdStore, TrampolineView } from '../../../impl/contract/index.ts';
import { KFUNC_MD_MUTEX } from '../../../impl/v4/layout.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { explore } from './explore.ts';
import { labelOf } from './classify.ts';
import type { ConcurrentOperation } from '../core/operations.ts';
import type { ConcurrentScenario } from '../core/scenario.ts';
import { schedulerFor } from './schedulers.ts';
import { simulate } from './simulate.ts';
import { must } from '../core/must.ts';

function scenario(programs: ConcurrentOperation[][], extra: Partial<ConcurrentScenario> = {}): ConcurrentScenario {
  return {
    config: 'x86-A16',
    entriesPerPage: 1,
    maxOrder: 2,
    pokeByteOrder: [0, 1, 2, 3, 4],
    functions: [
      { name: 'f0', padded: true },
      { name: 'f1', padded: true },
    ],
    programs,
    schedule: { kind: 'segments', segments: [] },
    ...extra,
  };
}

const reader = (fn = 'f0'): ConcurrentOperation => ({ op: 'tramp', fn, rcu: true });

describe('exhaustive enumeration', () => {
  it('enumerates exactly the C(6,3) = 20 interleavings of two 3-step readers', () => {
    const s = scenario([[reader()], [reader()]]);
    expect(simulate(s, v4).steps).toBe(6);
    const r = explore(s, v4, { startBound: 10, preemptionBound: 10, stateCaching: false });
    expect(r.exhausted).toBe(true);
    expect(r.executions).toBe(20);
  });

  it('state caching explores no more and reaches the same verdict', () => {
    const s = scenario([
      [
        { op: 'locked_get', fn: 'f0' },
        { op: 'put', fn: 'f0' },
      ],
      [reader(), reader('f1')],
    ]);
    const plain = explore(s, locked, {
      preemptionBound: 2,
      stateCaching: false,
      maxExecutions: 100_000,
    });
    const cached = explore(s, locked, { preemptionBound: 2, maxExecutions: 100_000 });
    expect(plain.found).toBeNull();
    expect(cached.found).toBeNull();
    expect(plain.exhausted && cached.exhausted).toBe(true);
    expect(cached.executions).toBeLessThan(plain.executions);
  });

  it('iterative bounding finds a race with the fewest preemptions', () => {
    const r = explore(scenario([[{ op: 'locked_get', fn: 'f0' }], [reader()]]), v4);
    expect(r.found).not.toBeNull();
    expect(r.bound).toBe(1);
    const found = must(r.found, 'a schedule found');
    expect(found.preemptions).toBe(1);
    // its trace replays to the same violation
    const again = simulate(found.scenario, v4);
    expect(again.violation).toEqual(found.violation);
  });

  it('with no preemption at all, the two orders of a writer and a reader are both fine on v4', () => {
    const r = explore(scenario([[{ op: 'locked_get', fn: 'f0' }], [reader()]]), v4, {
      preemptionBound: 0,
    });
    expect(r.found).toBeNull();
    expect(r.exhausted).toBe(true);
    expect(r.executions).toBe(2);
  });
});

/** v4 with a trampoline that misbehaves with locks, by function: f0 and f1 get different bodies. */
function lockyTrampoline(body: (kernel: Kernel, ip: number, f0: number) => Op<TrampolineView>): Implementation {
  return {
    ...v4,
    name: 'v4-locky-trampoline',
    create: (kernel) => {
      const store = v4.create(kernel);
      // f0 looked up when a reader runs: create() also runs on the engine's probe kernel (entryLayoutOf), which has no f0
      return Object.assign(Object.create(store) as KfuncMdStore, {
        trampoline: (ip: number) => body(kernel, ip, kernel.fn('f0').ip),
      });
    },
  };
}
const NONE: TrampolineView = { md: 0, users: 0, func: 0 };

describe('I9: lock order and deadlocks', () => {
  it('taking kfunc_md_mutex while holding text_mutex is an inversion', () => {
    const store = lockyTrampoline(function* (k) {
      yield* k.mem.mutexLock(TEXT_MUTEX);
      yield* k.mem.mutexLock(KFUNC_MD_MUTEX);
      yield* k.mem.mutexUnlock(KFUNC_MD_MUTEX);
      yield* k.mem.mutexUnlock(TEXT_MUTEX);
      return NONE;
    });
    const run = simulate(scenario([[reader()]]), store);
    expect(run.violation?.check).toBe('I9');
    expect(run.violation?.message).toBe('lock order inverted: cpu0 takes kfunc_md_mutex while holding text_mutex');
  });

  it('taking a mutex twice is a self-deadlock', () => {
    const store = lockyTrampoline(function* (k) {
      yield* k.mem.mutexLock(KFUNC_MD_MUTEX);
      yield* k.mem.mutexLock(KFUNC_MD_MUTEX);
      return NONE;
    });
    expect(simulate(scenario([[reader()]]), store).violation?.message).toMatch(
      /^self-deadlock: cpu0 in `rcu_read_lock\(\); md = kfunc_md_find\(f0\); md->users, md->func; rcu_read_unlock\(\);` takes kfunc_md_mutex while holding it/,
    );
  });

  it('a grace period waited for under a mutex a reader needs: everyone blocked, and who holds what', () => {
    const store = lockyTrampoline(function* (k, ip, f0) {
      if (ip === f0) {
        yield* k.mem.rcuReadLock();
        yield* k.mem.mutexLock(KFUNC_MD_MUTEX);
        yield* k.mem.mutexUnlock(KFUNC_MD_MUTEX);
        yield* k.mem.rcuReadUnlock();
      } else {
        yield* k.mem.mutexLock(KFUNC_MD_MUTEX);
        yield* k.mem.synchronizeRcu();
        yield* k.mem.mutexUnlock(KFUNC_MD_MUTEX);
      }
      return NONE;
    });
    const r = explore(scenario([[reader('f0')], [reader('f1')]]), store);
    expect(r.found?.violation?.check).toBe('I9');
    expect(r.found?.violation?.message).toMatch(
      /^deadlock: .*cpu0 waits for kfunc_md_mutex held by cpu1.*cpu1 waits in synchronize_rcu for the RCU read-side section of cpu0.*cpu1 holds kfunc_md_mutex/,
    );
  });
});

describe('schedules', () => {
  it('segments run a CPU for n scheduling points, then nobody is preempted', () => {
    const s = scenario([[reader()], [reader()]], {
      schedule: {
        kind: 'segments',
        segments: [
          { cpu: 1, steps: 2 },
          { cpu: 0, steps: 1 },
        ],
      },
    });
    expect(simulate(s, v4).decisions).toEqual([1, 1, 0, 0, 0, 1]);
  });

  it('PCT runs the highest priority first and demotes it at a change point', () => {
    const programs = [[reader()], [reader()]];
    const s = (changePoints: number[]) =>
      scenario(programs, { schedule: { kind: 'pct', priorities: [0, 5], changePoints } });
    expect(simulate(s([]), v4).decisions).toEqual([1, 1, 1, 0, 0, 0]);
    // 7 points estimated for a reader: 14 in all; 150‰ of 14 = point 2
    expect(simulate(s([150]), v4).decisions).toEqual([1, 1, 0, 0, 0, 1]);
    expect(
      schedulerFor({ kind: 'pct', priorities: [0, 5], changePoints: [150] }, programs).pick([0, 1], null, 0, 0),
    ).toBe(1);
  });

  it('a trace replays recorded decisions exactly', () => {
    const decisions = [0, 1, 1, 0, 1, 0];
    expect(
      simulate(scenario([[reader()], [reader()]], { schedule: { kind: 'trace', decisions } }), v4).decisions,
    ).toEqual(decisions);
  });

  it('array initialisation on a block nobody else can see yet is not a scheduling point', () => {
    const s = scenario([[{ op: 'locked_get', fn: 'f0' }], [reader('f1')]], { entriesPerPage: 256, maxOrder: 0 });
    const run = simulate(s, v4);
    expect(run.steps - run.pointDecisions.length).toBeGreaterThanOrEqual(256);
    expect(labelOf(run.violation)).toBe('holds');
  });
});
