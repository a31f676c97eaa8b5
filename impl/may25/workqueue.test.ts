import { describe, expect, it } from 'vitest';
import type { Addr, Op } from '../kernel/types.ts';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { WORK_DATA, WORK_ENTRY, WORK_FUNC, Workqueue } from './workqueue.ts';

// INIT_WORK / schedule_work on a work_struct in simulated memory (kfunc_md_array's release work)

function world() {
  const k = kernelWith(x86(), 1);
  const work = k.defineStatic('work', new Array<number>(32).fill(0xee));
  const wq = new Workqueue(k.mem);
  const ran: Addr[] = [];
  const fn = function* (w: Addr): Op<void> {
    ran.push(w);
    yield* k.mem.load64(w + WORK_DATA);
  };
  return { k, work, wq, ran, fn };
}

describe('may25 workqueue', () => {
  it('INIT_WORK: data 0 (not pending), an empty entry list pointing at itself, func set', () => {
    const { k, work, wq, fn } = world();
    run(k, wq.initWork(work, fn));
    expect(k.mem.peek64(work + WORK_DATA)).toBe(0);
    expect(k.mem.peek64(work + WORK_ENTRY)).toBe(work + WORK_ENTRY);
    expect(k.mem.peek64(work + WORK_ENTRY + 8)).toBe(work + WORK_ENTRY);
    expect(k.mem.peek64(work + WORK_FUNC)).not.toBe(0);
    // a second INIT_WORK with the same function stores the same pointer
    const func = k.mem.peek64(work + WORK_FUNC);
    run(k, wq.initWork(work, fn));
    expect(k.mem.peek64(work + WORK_FUNC)).toBe(func);
  });

  it('schedule_work runs the work once, with PENDING cleared first; a pending work is not queued again', () => {
    const { k, work, wq, ran, fn } = world();
    run(k, wq.initWork(work, fn));
    expect(run(k, wq.scheduleWork(work))).toBe(true);
    expect(ran).toEqual([work]);
    expect(k.mem.peek64(work + WORK_DATA)).toBe(0);
    // PENDING set (the work queued, not run yet): schedule_work returns false and runs nothing
    k.mem.writeDirect(work + WORK_DATA, [1, 0, 0, 0, 0, 0, 0, 0], false);
    expect(run(k, wq.scheduleWork(work))).toBe(false);
    expect(ran).toEqual([work]);
    expect(k.mem.peek64(work + WORK_DATA)).toBe(1);
    // other bits of data do not count as pending
    k.mem.writeDirect(work + WORK_DATA, [2, 0, 0, 0, 0, 0, 0, 0], false);
    expect(run(k, wq.scheduleWork(work))).toBe(true);
    expect(ran).toEqual([work, work]);
    expect(k.violations).toEqual([]);
  });

  it('a work_struct whose func is garbage is a bad-callback violation, not a call', () => {
    const { k, work, wq, ran, fn } = world();
    run(k, wq.initWork(work, fn));
    k.mem.writeDirect(work + WORK_FUNC, [0x10, 0, 0, 0, 0, 0, 0, 0], false);
    expect(run(k, wq.scheduleWork(work))).toBe(true);
    expect(ran).toEqual([]);
    expect(k.violations.map((v) => [v.kind, v.addr])).toEqual([['bad-callback', work]]);
  });
});
