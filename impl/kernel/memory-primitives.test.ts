import { describe, expect, it } from 'vitest';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { FunctionTable } from './functions.ts';
import type { Op, Step } from './types.ts';

// the door kernel primitives outside memory.ts build on: named loads and stores, atomics, blocking

describe('Memory: named loads and stores', () => {
  it('loadAs and storeAs are one step each, carrying the kernel function', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', new Array<number>(16).fill(0));
    const st = k.mem.storeAs('rcu_assign_pointer', a, 0xffff_8100_1234);
    expect(st.next().value).toEqual({
      kind: 'store64',
      addr: a,
      size: 8,
      value: 0xffff_8100_1234,
      call: 'rcu_assign_pointer',
    });
    expect(k.mem.peek64(a)).toBe(0);
    const t = k.mem.tick;
    expect(st.next().done).toBe(true);
    expect(k.mem.tick).toBe(t + 1);
    expect([...k.mem.peekBytes(a, 8)]).toEqual([0x34, 0x12, 0x00, 0x81, 0xff, 0xff, 0x00, 0x00]);
    const s32 = k.mem.storeAs('WRITE_ONCE', a + 8, -2, 4);
    expect(s32.next().value).toEqual({ kind: 'store32', addr: a + 8, size: 4, value: -2, call: 'WRITE_ONCE' });
    s32.next();
    expect([...k.mem.peekBytes(a + 8, 4)]).toEqual([0xfe, 0xff, 0xff, 0xff]);
    const ld = k.mem.loadAs('rcu_dereference', a);
    expect(ld.next().value).toEqual({ kind: 'load64', addr: a, size: 8, call: 'rcu_dereference' });
    expect(ld.next()).toEqual({ done: true, value: 0xffff_8100_1234 });
    expect(run(k, k.mem.loadAs('READ_ONCE', a + 8, 4))).toBe(0xfffffffe);
    expect(k.mem.tick).toBe(t + 4);
  });

  it('storeAs refuses a 64-bit value that is no address', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', new Array<number>(8).fill(0));
    expect(() => run(k, k.mem.storeAs('WRITE_ONCE', a, -1))).toThrow('WRITE_ONCE: store64 of non-address -1');
    expect(() => run(k, k.mem.storeAs('WRITE_ONCE', a, 2 ** 60))).toThrow(RangeError);
  });

  it('named accesses to freed or unmapped memory are violations like plain ones', () => {
    const k = kernelWith(x86(), 1);
    const b = run(k, k.mem.allocPages(0));
    run(k, k.mem.freePages(b, 0));
    run(k, k.mem.loadAs('rcu_dereference', b));
    run(k, k.mem.storeAs('WRITE_ONCE', b, 0));
    run(k, k.mem.loadAs('rcu_dereference', 0x10));
    expect(k.violations.map((v) => [v.kind, v.addr])).toEqual([
      ['read-freed', b],
      ['write-freed', b],
      ['read-unmapped', 0x10],
    ]);
  });
});

describe('Memory: atomic read-modify-write', () => {
  it('is one store32 step with the operand and no value, performed when resumed', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', [5, 0, 0, 0]);
    const op = k.mem.atomic32('atomic_add_return', a, 3, (old) => old + 3);
    expect(op.next().value).toEqual({ kind: 'store32', addr: a, size: 4, call: 'atomic_add_return', operand: 3 });
    run(k, k.mem.store32(a, 10)); // another CPU's store lands between the yield and the resume
    const t = k.mem.tick;
    expect(op.next()).toEqual({ done: true, value: 10 });
    expect(k.mem.peek32(a)).toBe(13);
    expect(k.mem.tick).toBe(t + 1);
  });

  it('reads the old value as an i32 and stores the new one as its bit pattern', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', [0, 0, 0, 0]);
    expect(
      run(
        k,
        k.mem.atomic32('atomic_dec', a, -1, (old) => old - 1),
      ),
    ).toBe(0);
    expect(k.mem.peek32(a)).toBe(0xffffffff);
    expect(
      run(
        k,
        k.mem.atomic32('atomic_inc', a, 1, (old) => old + 1),
      ),
    ).toBe(-1);
    expect(k.mem.peek32(a)).toBe(0);
  });

  it('stores nothing when update says so (a failed atomic_inc_not_zero), still one tick', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', [0, 0, 0, 0]);
    const t = k.mem.tick;
    expect(
      run(
        k,
        k.mem.atomic32('atomic_inc_not_zero', a, 1, (old) => (old === 0 ? undefined : old + 1)),
      ),
    ).toBe(0);
    expect(k.mem.peek32(a)).toBe(0);
    expect(k.mem.tick).toBe(t + 1);
    expect(k.violations).toEqual([]);
  });

  it('atomicAdd adds its delta, carries it as the operand and returns the old i32', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', [1, 0, 0, 0]);
    const op = k.mem.atomicAdd('atomic_dec_and_test', a, -1);
    expect(op.next().value).toEqual({ kind: 'store32', addr: a, size: 4, call: 'atomic_dec_and_test', operand: -1 });
    expect(op.next()).toEqual({ done: true, value: 1 });
    expect(k.mem.peek32(a)).toBe(0);
    expect(run(k, k.mem.atomicAdd('atomic_dec', a, -1))).toBe(0);
    expect(k.mem.peek32(a) | 0).toBe(-1);
    expect(run(k, k.mem.atomicAdd('atomic_add', a, 5))).toBe(-1);
    expect(k.mem.peek32(a)).toBe(4);
  });

  it('setBit sets one bit of an unsigned long in one atomic step, idempotently; testBit reads it', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('flags', [0b100, 0, 0, 0, 0, 0, 0, 0]);
    const op = k.mem.setBit(a, 0);
    expect(op.next().value).toEqual({ kind: 'store64', addr: a, size: 8, call: 'set_bit', operand: 0 });
    expect(op.next()).toEqual({ done: true, value: 0b100 });
    expect(k.mem.peek64(a)).toBe(0b101);
    // already set: the word is unchanged
    expect(run(k, k.mem.setBit(a, 0))).toBe(0b101);
    expect(k.mem.peek64(a)).toBe(0b101);
    run(k, k.mem.setBit(a, 40));
    expect(k.mem.peek64(a)).toBe(2 ** 40 + 0b101);
    const t = k.mem.tick;
    expect([0, 1, 2, 3, 40, 41].map((nr) => run(k, k.mem.testBit(a, nr)))).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(k.mem.tick).toBe(t + 6);
    const ld = k.mem.testBit(a, 2);
    expect(ld.next().value).toEqual({ kind: 'load64', addr: a, size: 8, call: 'test_bit' });
  });

  it('logs a text write like a plain store', () => {
    const k = kernelWith(x86());
    const ip = k.fn('f0').ip;
    run(
      k,
      k.mem.atomic32('atomic_inc', ip - 16, 1, (old) => old + 1),
      2,
    );
    expect(k.textWrites.map((w) => [w.addr - ip, w.before, w.after, w.cpu])).toEqual([
      [-16, 0x90, 0x91, 2],
      [-15, 0x90, 0x90, 2],
      [-14, 0x90, 0x90, 2],
      [-13, 0x90, 0x90, 2],
    ]);
  });

  it('on freed memory is a write-freed (or read-freed without a store), on unmapped memory a write-unmapped', () => {
    const k = kernelWith(x86(), 1);
    const b = run(k, k.mem.allocPages(0));
    run(k, k.mem.freePages(b, 0));
    expect(
      run(
        k,
        k.mem.atomic32('atomic_inc', b, 1, (old) => old + 1),
      ),
    ).toBe(0x6b6b6b6b);
    expect(
      run(
        k,
        k.mem.atomic32('atomic_inc_not_zero', b + 4, 1, () => undefined),
      ),
    ).toBe(0x6b6b6b6b);
    const t = k.mem.tick;
    expect(
      run(
        k,
        k.mem.atomic32('atomic_inc', 0x20, 1, (old) => old + 1),
      ),
    ).toBe(0);
    expect(k.mem.tick).toBe(t + 1);
    expect(k.violations.map((v) => [v.kind, v.addr, v.note])).toEqual([
      ['write-freed', b, `store32 to freed pages@order0 at 0x${b.toString(16)}`],
      ['read-freed', b + 4, `atomic_inc_not_zero reads freed pages@order0 at 0x${(b + 4).toString(16)}`],
      ['write-unmapped', 0x20, 'atomic_inc on unmapped 0x20'],
    ]);
  });
});

describe('Memory: atomic read-modify-write of a pointer', () => {
  it('cmpxchg: one store64 step with the new value as operand; stores only when the old value matches', () => {
    const k = kernelWith(x86());
    const a = k.defineStatic('v', new Array<number>(8).fill(0));
    const cas = (expected: number, next: number) =>
      k.mem.atomic64('cmpxchg', a, next, (old) => (old === expected ? next : undefined));
    const op = cas(0, 0xffff_8100_0040);
    expect(op.next().value).toEqual({ kind: 'store64', addr: a, size: 8, call: 'cmpxchg', operand: 0xffff_8100_0040 });
    const t = k.mem.tick;
    expect(op.next()).toEqual({ done: true, value: 0 });
    expect(k.mem.tick).toBe(t + 1);
    expect(k.mem.peek64(a)).toBe(0xffff_8100_0040);
    expect(run(k, cas(0, 0x1234))).toBe(0xffff_8100_0040); // lost: nothing stored
    expect(k.mem.peek64(a)).toBe(0xffff_8100_0040);
    expect(k.mem.tick).toBe(t + 2);
    expect(k.violations).toEqual([]);
    expect(() =>
      run(
        k,
        k.mem.atomic64('xchg', a, -1, () => -1),
      ),
    ).toThrow('xchg: store64 of non-address -1');
    expect(
      run(
        k,
        k.mem.atomic64('xchg', a, 0, () => 0),
      ),
    ).toBe(0xffff_8100_0040); // NULL is a pointer too
    expect(k.mem.peek64(a)).toBe(0);
  });

  it('on freed memory is a write-freed (or read-freed without a store), on unmapped memory a write-unmapped', () => {
    const k = kernelWith(x86(), 1);
    const b = run(k, k.mem.allocPages(0));
    run(k, k.mem.freePages(b, 0));
    expect(
      run(
        k,
        k.mem.atomic64('xchg', b, 5, () => 5),
      ),
    ).toBe(Number(0x6b6b6b6b6b6b6b6bn));
    run(
      k,
      k.mem.atomic64('cmpxchg', b + 8, 5, () => undefined),
    );
    const t = k.mem.tick;
    expect(
      run(
        k,
        k.mem.atomic64('cmpxchg', 0x20, 5, () => 5),
      ),
    ).toBe(0);
    expect(k.mem.tick).toBe(t + 1);
    expect(k.mem.peek64(b)).toBe(5);
    expect(k.violations.map((v) => [v.kind, v.addr, v.note])).toEqual([
      ['write-freed', b, `store64 to freed pages@order0 at 0x${b.toString(16)}`],
      ['read-freed', b + 8, `cmpxchg reads freed pages@order0 at 0x${(b + 8).toString(16)}`],
      ['write-unmapped', 0x20, 'cmpxchg on unmapped 0x20'],
    ]);
  });

  it('logs text writes like a plain store', () => {
    const k = kernelWith(x86());
    const ip = k.fn('f0').ip;
    run(
      k,
      k.mem.atomic64('xchg', ip - 16, 0x9090909090, () => 0x9090909091),
      1,
    );
    expect(k.textWrites.map((w) => [w.addr - ip, w.after, w.cpu])[0]).toEqual([-16, 0x91, 1]);
    expect(k.textWrites).toHaveLength(8);
  });
});

describe('Memory: other steps and blocking', () => {
  it('primitive yields the step, counts it, then acts', () => {
    const k = kernelWith(x86());
    let acted = 0;
    const op = k.mem.primitive({ kind: 'alloc_pages', call: 'kvmalloc', size: 8 }, () => ++acted);
    expect(op.next().value).toEqual({ kind: 'alloc_pages', call: 'kvmalloc', size: 8 });
    expect(acted).toBe(0);
    const t = k.mem.tick;
    expect(op.next()).toEqual({ done: true, value: 1 });
    expect(k.mem.tick).toBe(t + 1);
  });

  it('blockWhile re-yields a blocked step while waiting, and stillBlocked asks the same condition', () => {
    const k = kernelWith(x86());
    let wait = true;
    let made = 0;
    const op = k.mem.blockWhile(
      () => wait,
      () => ({ kind: 'sync_rcu', call: 'percpu_ref_kill', note: `try ${++made}` }),
    );
    const first = op.next().value as Step;
    expect(first).toEqual({ kind: 'sync_rcu', call: 'percpu_ref_kill', note: 'try 1', blocked: true });
    expect(k.mem.stillBlocked(0, first)).toBe(true);
    const t = k.mem.tick;
    const second = op.next().value as Step;
    expect(second.note).toBe('try 2');
    expect(k.mem.tick).toBe(t + 1);
    wait = false;
    expect(k.mem.stillBlocked(0, second)).toBe(false);
    expect(op.next().done).toBe(true);
    expect(k.mem.tick).toBe(t + 2);
    // a step nobody registered is judged by its kind, as before (a free mutex: not blocked)
    expect(k.mem.stillBlocked(0, { kind: 'mutex_lock', lock: 'm', blocked: true })).toBe(false);
  });

  it('blockWhile yields nothing when there is nothing to wait for', () => {
    const k = kernelWith(x86());
    function* op(): Op<number> {
      yield* k.mem.blockWhile(
        () => false,
        () => ({ kind: 'sync_rcu' }),
      );
      return 7;
    }
    expect(op().next()).toEqual({ done: true, value: 7 });
  });

  it('report records a violation at the current CPU and tick', () => {
    const k = kernelWith(x86());
    k.mem.currentCpu = 3;
    k.mem.report('double-free', 0x40, 'kfree twice');
    k.mem.report('free-unknown', undefined, 'no addr');
    expect(k.violations).toEqual([
      { kind: 'double-free', addr: 0x40, cpu: 3, step: 0, note: 'kfree twice' },
      { kind: 'free-unknown', cpu: 3, step: 0, note: 'no addr' },
    ]);
  });
});

describe('FunctionTable', () => {
  it('gives each function a stable address 16 bytes apart and finds it back', () => {
    const t = new FunctionTable<() => void>(0x1000);
    const f = (): void => {};
    const g = (): void => {};
    expect(t.pointer(f)).toBe(0x1000);
    expect(t.pointer(g)).toBe(0x1010);
    expect(t.pointer(f)).toBe(0x1000);
    expect(t.lookup(0x1010)).toBe(g);
    expect(t.lookup(0x1000)).toBe(f);
    expect(t.lookup(0x1020)).toBeUndefined();
  });
});
