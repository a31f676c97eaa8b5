import { describe, expect, it } from 'vitest';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { PERCPU_RELEASE_TEXT } from './functions.ts';
import type { Kernel } from './kernel.ts';
import {
  PERCPU_COUNT_BIAS,
  PERCPU_DATA_COUNT,
  PERCPU_DATA_FORCE_ATOMIC,
  PERCPU_DATA_REF,
  PERCPU_DATA_RELEASE,
  PERCPU_REF_DATA,
  PERCPU_REF_INIT_ATOMIC,
  __PERCPU_REF_ATOMIC_DEAD,
} from './percpu-ref.ts';
import type { PercpuRefRelease } from './percpu-ref.ts';
import { NR_CPUS } from './slab.ts';
import { ENOMEM } from './types.ts';
import type { Addr, Op, Step } from './types.ts';

/** offset of the struct percpu_ref inside the test object (a kfunc_md-like 64-byte struct) */
const PCREF = 16;

interface World {
  readonly k: Kernel;
  readonly obj: Addr;
  readonly ref: Addr;
  /** one entry per release call: the CPU it ran on and the RCU depth of every CPU then */
  readonly released: { cpu: number; ref: Addr; rcuDepth: number[] }[];
}

/** An object with a percpu_ref at PCREF whose release only records that it ran (or also frees the object). */
function world(flags = 0, free: 'none' | 'kfree' | 'kfree_rcu' = 'none'): World {
  const k = kernelWith(x86(), 1, { pageSize: 256 });
  const obj = run(k, k.slab.kzalloc(64));
  const ref = obj + PCREF;
  const released: World['released'] = [];
  const release: PercpuRefRelease = function* (r: Addr): Op<void> {
    released.push({ cpu: k.mem.currentCpu, ref: r, rcuDepth: [0, 1, 2].map((c) => k.mem.rcu.depth(c)) });
    if (free === 'kfree') yield* k.slab.kfree(r - PCREF);
    if (free === 'kfree_rcu') yield* k.slab.kfreeRcu(r - PCREF, 40);
  };
  expect(run(k, k.percpuRef.init(ref, release, flags))).toBe(0);
  return { k, obj, ref, released };
}

function stepsOf(k: Kernel, op: Op<unknown>, cpu = 0): Step[] {
  const steps: Step[] = [];
  k.mem.currentCpu = cpu;
  for (let r = op.next(); !r.done; r = op.next()) {
    steps.push(r.value);
    k.mem.currentCpu = cpu;
  }
  return steps;
}

const zeros = (n = NR_CPUS): number[] => new Array<number>(n).fill(0);

describe('percpu_ref_init', () => {
  it('allocates the per-CPU counters and the data, and starts in percpu mode with one reference', () => {
    const { k, ref } = world();
    const v = k.percpuRef.peek(ref);
    expect(v).toMatchObject({ mode: 'percpu', dead: false, atomic: 1 + PERCPU_COUNT_BIAS, perCpu: zeros(), count: 1 });
    expect(k.mem.peek64(ref)).toBe(v.percpu);
    expect(k.mem.peek64(ref + PERCPU_REF_DATA)).toBe(v.data);
    expect(k.mem.peek64(v.data + PERCPU_DATA_RELEASE)).toBe(PERCPU_RELEASE_TEXT);
    expect(k.mem.peek64(v.data + PERCPU_DATA_REF)).toBe(ref);
    expect(k.mem.peek32(v.data + PERCPU_DATA_FORCE_ATOMIC)).toBe(0);
    expect(k.slab.list().map((o) => o.kind)).toEqual(['kmalloc', 'percpu', 'kmalloc']);
    expect(k.slab.objectAt(v.percpu)?.size).toBe(4 * NR_CPUS);
  });

  it('PERCPU_REF_INIT_ATOMIC starts in atomic mode with a count of one, and no bias', () => {
    const { k, ref } = world(PERCPU_REF_INIT_ATOMIC);
    const v = k.percpuRef.peek(ref);
    expect(v).toMatchObject({ mode: 'atomic', dead: false, atomic: 1, count: 1 });
    expect(k.mem.peek64(ref)).toBe(v.percpu + 1);
    expect(k.mem.peek32(v.data + PERCPU_DATA_FORCE_ATOMIC)).toBe(1);
  });

  it('returns -ENOMEM when the per-CPU counters cannot be allocated, and leaves percpu_count_ptr NULL', () => {
    const k = kernelWith(x86(), 1);
    const ref = k.defineStatic('ref', new Array<number>(16).fill(0xee));
    k.slab.failNextAllocations(1);
    expect(
      run(
        k,
        k.percpuRef.init(ref, function* () {}),
      ),
    ).toBe(-ENOMEM);
    expect(k.mem.peek64(ref)).toBe(0);
    expect(k.slab.list()).toEqual([]);
  });

  it('returns -ENOMEM when the data cannot be allocated, after freeing the per-CPU counters', () => {
    const k = kernelWith(x86(), 1);
    const ref = k.defineStatic('ref', new Array<number>(16).fill(0xee));
    const init = new Stepper(
      k,
      0,
      k.percpuRef.init(ref, function* () {}),
    );
    init.runUntil((s) => s.call === 'kzalloc');
    k.slab.failNextAllocations(1);
    expect(init.finish()).toBe(-ENOMEM);
    expect(k.mem.peek64(ref)).toBe(0);
    expect(k.slab.list().map((o) => [o.kind, o.freed])).toEqual([['percpu', true]]);
    expect(k.violations).toEqual([]);
  });
});

describe('percpu_ref: percpu mode', () => {
  it('get and put add to the calling CPU’s counter: a load of percpu_count_ptr, then this_cpu_add', () => {
    const { k, ref } = world();
    const v = k.percpuRef.peek(ref);
    expect(stepsOf(k, k.percpuRef.get(ref), 1)).toEqual([
      { kind: 'load64', addr: ref, size: 8, call: 'percpu_ref_get' },
      { kind: 'store32', addr: v.percpu + 4, size: 4, call: 'this_cpu_add', operand: 1 },
    ]);
    run(k, k.percpuRef.get(ref), 0);
    run(k, k.percpuRef.getMany(ref, 3), 3);
    expect(stepsOf(k, k.percpuRef.put(ref), 2)).toEqual([
      { kind: 'load64', addr: ref, size: 8, call: 'percpu_ref_put' },
      { kind: 'store32', addr: v.percpu + 8, size: 4, call: 'this_cpu_add', operand: -1 },
    ]);
    run(k, k.percpuRef.putMany(ref, 2), 2);
    expect(k.percpuRef.peek(ref)).toMatchObject({
      mode: 'percpu',
      atomic: 1 + PERCPU_COUNT_BIAS,
      perCpu: [1, 1, -3, 3, 0, 0, 0, 0],
      count: 3,
    });
  });

  it('tryget and tryget_live always succeed in percpu mode, on this CPU’s counter', () => {
    const { k, ref } = world();
    expect(run(k, k.percpuRef.tryGetLive(ref), 2)).toBe(true);
    expect(run(k, k.percpuRef.tryGetAny(ref), 2)).toBe(true);
    expect(k.percpuRef.peek(ref).perCpu).toEqual([0, 0, 2, 0, 0, 0, 0, 0]);
    expect(run(k, k.percpuRef.isDying(ref))).toBe(false);
  });

  it('a CPU without a per-CPU copy is refused', () => {
    const { k, ref } = world();
    expect(() => run(k, k.percpuRef.get(ref), NR_CPUS)).toThrow('cpu8 has no per-CPU counter (NR_CPUS = 8)');
  });
});

describe('percpu_ref_kill: the switch to atomic mode', () => {
  it('marks DEAD, switches to atomic, folds the per-CPU counters in and drops the initial reference', () => {
    const { k, ref, released } = world();
    const v = k.percpuRef.peek(ref);
    run(k, k.percpuRef.get(ref), 0);
    run(k, k.percpuRef.get(ref), 1);
    run(k, k.percpuRef.put(ref), 2);
    const steps = stepsOf(k, k.percpuRef.kill(ref), 3);
    expect(steps.map((s) => [s.kind, s.addr === undefined ? '-' : s.addr - ref, s.call])).toEqual([
      ['load64', 0, 'percpu_ref_kill'],
      ['store64', 0, 'percpu_ref_kill'],
      ['store64', 0, 'percpu_ref_kill'],
      ...Array.from({ length: NR_CPUS }, (_, c) => [
        'load32',
        v.percpu + 4 * c - ref,
        'percpu_ref_switch_to_atomic_rcu',
      ]),
      ['load64', PERCPU_REF_DATA, 'percpu_ref_kill'],
      ['store32', v.data - ref, 'atomic_long_add'],
      ['load64', 0, 'percpu_ref_put'],
      ['load64', PERCPU_REF_DATA, 'percpu_ref_put'],
      ['store32', v.data - ref, 'atomic_long_sub_and_test'],
    ]);
    expect(steps[1].value).toBe(v.percpu + 2); // DEAD first
    expect(steps[2].value).toBe(v.percpu + 3); // then ATOMIC
    expect(steps[3 + NR_CPUS + 1].operand).toBe(1 - PERCPU_COUNT_BIAS);
    expect(k.percpuRef.peek(ref)).toMatchObject({ mode: 'atomic', dead: true, atomic: 1, count: 1 });
    expect(released).toEqual([]);
    expect(run(k, k.percpuRef.isDying(ref))).toBe(true);
    // atomic mode now: a get and a put work on data->count; the put to zero releases, on its CPU
    run(k, k.percpuRef.get(ref), 0);
    expect(k.percpuRef.peek(ref)).toMatchObject({ atomic: 2, perCpu: [1, 1, -1, 0, 0, 0, 0, 0] });
    run(k, k.percpuRef.put(ref), 0);
    expect(released).toEqual([]);
    run(k, k.percpuRef.put(ref), 1);
    expect(released).toEqual([{ cpu: 1, ref, rcuDepth: [0, 0, 0] }]);
    expect(k.percpuRef.peek(ref).count).toBe(0);
    expect(k.warnings).toEqual([]);
  });

  it('tryget_live fails once killed; tryget still succeeds while the count is above zero, then fails without a store', () => {
    const { k, ref, released } = world();
    run(k, k.percpuRef.get(ref), 1);
    run(k, k.percpuRef.kill(ref));
    expect(run(k, k.percpuRef.tryGetLive(ref), 2)).toBe(false);
    expect(k.percpuRef.peek(ref).atomic).toBe(1);
    expect(run(k, k.percpuRef.tryGetAny(ref), 2)).toBe(true);
    expect(k.percpuRef.peek(ref).atomic).toBe(2);
    run(k, k.percpuRef.putMany(ref, 2), 2);
    expect(released).toHaveLength(1);
    const tryget = stepsOf(k, k.percpuRef.tryGetAny(ref), 2);
    expect(tryget.map((s) => s.call)).toEqual(['percpu_ref_tryget', 'percpu_ref_tryget', 'atomic_long_inc_not_zero']);
    expect(run(k, k.percpuRef.tryGetAny(ref), 2)).toBe(false);
    expect(k.percpuRef.peek(ref).atomic).toBe(0);
  });

  it('an atomic-mode ref (PERCPU_REF_INIT_ATOMIC) counts in data->count and is released by kill itself', () => {
    const { k, ref, released } = world(PERCPU_REF_INIT_ATOMIC);
    run(k, k.percpuRef.get(ref), 1);
    expect(k.percpuRef.peek(ref)).toMatchObject({ atomic: 2, perCpu: zeros() });
    expect(run(k, k.percpuRef.tryGetLive(ref), 1)).toBe(true);
    run(k, k.percpuRef.putMany(ref, 2), 1);
    const steps = stepsOf(k, k.percpuRef.kill(ref), 2);
    expect(steps.map((s) => s.call)).toEqual([
      'percpu_ref_kill',
      'percpu_ref_kill',
      'percpu_ref_put',
      'percpu_ref_put',
      'atomic_long_sub_and_test',
      'percpu_ref_put',
      // and the release callback's own steps: none here
    ]);
    expect(released).toEqual([{ cpu: 2, ref, rcuDepth: [0, 0, 0] }]);
    expect(k.percpuRef.peek(ref)).toMatchObject({ mode: 'atomic', dead: true, count: 0 });
  });

  it('killing twice WARNs and drops another reference, as the kernel does', () => {
    const { k, ref, released } = world();
    run(k, k.percpuRef.get(ref));
    run(k, k.percpuRef.kill(ref));
    expect(k.warnings).toEqual([]);
    run(k, k.percpuRef.kill(ref), 1);
    expect(k.warnings.map((w) => [w.site, w.message, w.cpu])).toEqual([
      ['percpu_ref_kill_and_confirm', `percpu_ref_kill_and_confirm called more than once on 0x${ref.toString(16)}!`, 1],
    ]);
    expect(released.map((r) => r.cpu)).toEqual([1]);
  });

  it('a count that folds to zero or below WARNs and is never released', () => {
    const { k, ref, released } = world();
    run(k, k.percpuRef.put(ref), 1); // a put nobody got
    run(k, k.percpuRef.kill(ref));
    expect(k.warnings.map((w) => [w.site, w.message])).toEqual([
      ['percpu_ref_switch_to_atomic_rcu', `percpu ref (0x${ref.toString(16)}) <= 0 (0) after switching to atomic`],
    ]);
    expect(k.percpuRef.peek(ref).atomic).toBe(-1);
    run(k, k.percpuRef.get(ref), 2); // back to zero by a get: a get never releases
    expect(k.percpuRef.peek(ref).atomic).toBe(0);
    expect(released).toEqual([]);
  });

  it('waits for a get that read percpu mode before the switch, so its increment is folded in', () => {
    const { k, ref, released } = world();
    const reader = new Stepper(k, 1, k.percpuRef.get(ref));
    reader.resume(); // loaded percpu_count_ptr: percpu mode; this_cpu_add pending
    expect(reader.next()).toMatchObject({ call: 'this_cpu_add' });
    const killer = new Stepper(k, 0, k.percpuRef.kill(ref));
    killer.runUntil((s) => s.blocked === true);
    expect(killer.next()).toEqual({
      kind: 'sync_rcu',
      call: 'percpu_ref_kill',
      blocked: true,
      note: 'cpu0 waits in percpu_ref_kill for the per-CPU add of cpu1',
    });
    expect(k.mem.stillBlocked(0, killer.next())).toBe(true);
    // a get that starts now reads atomic mode and does not hold the switch up
    run(k, k.percpuRef.get(ref), 2);
    expect(k.mem.stillBlocked(0, killer.next())).toBe(true);
    reader.finish();
    expect(k.mem.stillBlocked(0, killer.next())).toBe(false);
    killer.finish();
    expect(released).toEqual([]); // cpu1 and cpu2 still hold their references
    expect(k.percpuRef.peek(ref)).toMatchObject({ atomic: 2, count: 2 });
    run(k, k.percpuRef.put(ref), 2);
    run(k, k.percpuRef.put(ref), 1);
    expect(released.map((r) => r.cpu)).toEqual([1]);
    expect(k.warnings).toEqual([]);
  });
});

describe('percpu_ref_kill: what it waits for', () => {
  it('a get in flight on another ref does not hold the kill up', () => {
    const { k, ref, released } = world();
    const other = k.defineStatic('other', new Array<number>(16).fill(0));
    expect(
      run(
        k,
        k.percpuRef.init(other, function* () {}),
      ),
    ).toBe(0);
    const reader = new Stepper(k, 1, k.percpuRef.get(other));
    reader.resume(); // in flight on `other`
    const steps = stepsOf(k, k.percpuRef.kill(ref), 0);
    expect(steps.some((s) => s.blocked === true)).toBe(false);
    expect(released).toHaveLength(1);
    reader.finish();
  });

  it('in atomic mode a get is an atomic_long_add, a put an atomic_long_sub_and_test', () => {
    const { k, ref } = world(PERCPU_REF_INIT_ATOMIC);
    expect(stepsOf(k, k.percpuRef.get(ref)).map((s) => s.call)).toEqual([
      'percpu_ref_get',
      'percpu_ref_get',
      'atomic_long_add',
    ]);
    expect(stepsOf(k, k.percpuRef.getMany(ref, 2)).map((s) => [s.call, s.operand])).toEqual([
      ['percpu_ref_get_many', undefined],
      ['percpu_ref_get_many', undefined],
      ['atomic_long_add', 2],
    ]);
    expect(stepsOf(k, k.percpuRef.putMany(ref, 3)).map((s) => [s.call, s.operand])).toEqual([
      ['percpu_ref_put_many', undefined],
      ['percpu_ref_put_many', undefined],
      ['atomic_long_sub_and_test', -3],
    ]);
    expect(k.percpuRef.peek(ref).atomic).toBe(1);
    // get_many(ref, 0) is a get: an add of nothing, never a release
    expect(stepsOf(k, k.percpuRef.getMany(ref, 0)).map((s) => s.call)[2]).toBe('atomic_long_add');
  });
});

describe('percpu_ref: no implied grace period between kill and release', () => {
  /**
   * cpu1 looks the object up inside rcu_read_lock(), takes a reference before the kill, drops it,
   * and reads the object again, still inside the same section. cpu0 kills the ref in between.
   */
  function* reader(k: Kernel, obj: Addr, ref: Addr, log: string[]): Op<void> {
    yield* k.rcu.readLock();
    if (!(yield* k.percpuRef.tryGetLive(ref))) throw new Error('tryget_live failed before the kill');
    log.push(`field ${yield* k.mem.load32(obj)}`);
    yield* k.percpuRef.put(ref);
    log.push(`field ${yield* k.mem.load32(obj)}`);
    yield* k.rcu.readUnlock();
  }

  for (const [mode, flags] of [
    ['percpu', 0],
    ['atomic', PERCPU_REF_INIT_ATOMIC],
  ] as const) {
    it(`${mode} mode: release (kfree) runs inside kill while a reader that took its ref before the kill is still in its RCU section`, () => {
      const { k, obj, ref, released } = world(flags, 'kfree');
      run(k, k.mem.store32(obj, 7));
      const log: string[] = [];
      const r = new Stepper(k, 1, reader(k, obj, ref, log));
      r.runUntil((s) => s.call === 'percpu_ref_put'); // took the ref, read the field, about to put
      expect(log).toEqual(['field 7']);
      const killer = new Stepper(k, 0, k.percpuRef.kill(ref));
      expect(killer.next().call).toBe('percpu_ref_kill');
      killer.finish(); // never blocked: no grace period, and cpu1's add is long done
      r.runUntil((s) => s.kind === 'load32' && s.addr === obj); // cpu1's put released the object
      expect(released).toEqual([{ cpu: 1, ref, rcuDepth: [0, 1, 0] }]);
      expect(k.mem.rcu.gracePeriods).toBe(0);
      r.finish();
      expect(log).toEqual(['field 7', 'field 1802201963']); // 0x6b6b6b6b: POISON_FREE
      expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([['read-freed', 1, obj]]);
    });

    it(`${mode} mode: release on the killing CPU frees the object under a reader still in its RCU section`, () => {
      const { k, obj, ref, released } = world(flags, 'kfree');
      const log: string[] = [];
      const r = new Stepper(k, 1, reader(k, obj, ref, log));
      // cpu1 takes and drops its reference, then pauses before its second read
      r.runUntil((s) => s.kind === 'load32' && s.addr === obj);
      r.resume();
      r.runUntil((s) => s.kind === 'load32' && s.addr === obj);
      run(k, k.percpuRef.kill(ref), 0); // the last reference: release runs here, on cpu0
      expect(released).toEqual([{ cpu: 0, ref, rcuDepth: [0, 1, 0] }]);
      r.finish();
      expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([['read-freed', 1, obj]]);
    });

    it(`${mode} mode: a design that adds the grace period (release frees with kfree_rcu) is safe`, () => {
      const { k, obj, ref, released } = world(flags, 'kfree_rcu');
      const log: string[] = [];
      const r = new Stepper(k, 1, reader(k, obj, ref, log));
      r.runUntil((s) => s.kind === 'load32' && s.addr === obj);
      r.resume();
      r.runUntil((s) => s.kind === 'load32' && s.addr === obj);
      run(k, k.percpuRef.kill(ref), 0);
      expect(released).toHaveLength(1);
      expect(run(k, k.rcu.invokeCallbacks(), 2)).toBe(0); // cpu1's section holds the free up
      r.finish();
      expect(run(k, k.rcu.invokeCallbacks(), 2)).toBe(1);
      expect(k.slab.objectAt(obj)?.freed).toBe(true);
      expect(k.violations).toEqual([]);
    });
  }
});

describe('percpu_ref_exit', () => {
  it('frees the counters and the data; a later get dereferences NULL', () => {
    const { k, ref } = world();
    const v = k.percpuRef.peek(ref);
    run(k, k.percpuRef.kill(ref));
    const steps = stepsOf(k, k.percpuRef.exit(ref));
    expect(steps.map((s) => s.call)).toEqual([
      'percpu_ref_exit',
      'free_percpu',
      'percpu_ref_exit',
      'percpu_ref_exit',
      'percpu_ref_exit',
      'kfree',
    ]);
    expect(k.mem.peek64(ref)).toBe(__PERCPU_REF_ATOMIC_DEAD);
    expect(k.mem.peek64(ref + PERCPU_REF_DATA)).toBe(0);
    expect(k.slab.objectAt(v.percpu)?.freed).toBe(true);
    expect(k.slab.objectAt(v.data)?.freed).toBe(true);
    expect(k.percpuRef.peek(ref)).toMatchObject({ percpu: 0, data: 0, perCpu: [], atomic: 0 });
    expect(stepsOf(k, k.percpuRef.exit(ref)).map((s) => s.call)).toEqual(['percpu_ref_exit', 'percpu_ref_exit']);
    expect(k.violations).toEqual([]);
    run(k, k.percpuRef.get(ref), 1);
    expect(k.violations.map((x) => [x.kind, x.addr, x.cpu])).toEqual([['write-unmapped', PERCPU_DATA_COUNT, 1]]);
  });

  it('a ref can be initialised again after exit (the May design reuses its slots)', () => {
    const { k, ref, released } = world();
    run(k, k.percpuRef.kill(ref));
    run(k, k.percpuRef.exit(ref));
    expect(released).toHaveLength(1);
    expect(
      run(
        k,
        k.percpuRef.init(ref, function* () {}),
      ),
    ).toBe(0);
    expect(k.percpuRef.peek(ref)).toMatchObject({ mode: 'percpu', dead: false, count: 1 });
  });
});

describe('percpu_ref: the release pointer', () => {
  it('a release pointer overwritten in data is a bad callback, not a call', () => {
    const { k, ref, released } = world(PERCPU_REF_INIT_ATOMIC);
    const data = k.percpuRef.peek(ref).data;
    run(k, k.mem.store64(data + PERCPU_DATA_RELEASE, 0x4242));
    run(k, k.percpuRef.kill(ref), 3);
    expect(released).toEqual([]);
    expect(k.violations).toEqual([
      {
        kind: 'bad-callback',
        addr: data,
        cpu: 3,
        step: k.violations[0]?.step,
        note: `percpu_ref_put: percpu_ref_data::release of 0x${ref.toString(16)} is 0x4242, no function`,
      },
    ]);
  });

  it('each release function has its own pointer', () => {
    const k = kernelWith(x86(), 1);
    const a: PercpuRefRelease = function* () {};
    const b: PercpuRefRelease = function* () {};
    expect(k.percpuRef.pointerOf(a)).toBe(PERCPU_RELEASE_TEXT);
    expect(k.percpuRef.pointerOf(b)).toBe(PERCPU_RELEASE_TEXT + 16);
    expect(k.percpuRef.pointerOf(a)).toBe(PERCPU_RELEASE_TEXT);
  });

  it('the data count field is where the atomic count lives', () => {
    const { k, ref } = world(PERCPU_REF_INIT_ATOMIC);
    const data = k.percpuRef.peek(ref).data;
    run(k, k.percpuRef.get(ref));
    expect(k.mem.peek32(data + PERCPU_DATA_COUNT)).toBe(2);
  });
});
