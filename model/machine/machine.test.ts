import { describe, expect, it } from 'vitest';
import { encodeInsn, nopPattern } from '../encoding/window.ts';
import { allEdgeIds } from './graph.ts';
import { DEADLOCK_LOCK, DEADLOCK_PUT, DEADLOCK_PUT_BY_IP, MISUSE_GET, MISUSE_UNLOCK } from './machine.ts';
import { Oracle } from './oracle.ts';
import { V4_DESIGN } from './types.ts';
import type { ModelInput, Outcome } from './types.ts';

function input(over: Partial<ModelInput> = {}): ModelInput {
  return {
    arch: 'x86',
    entriesPerPage: 2,
    maxOrder: 1,
    slotPolicy: 'lowest-free',
    functions: [
      ...['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, padded: true, window: [] })),
      { name: 'asm', padded: false, window: [] },
    ],
    ...over,
  };
}

function locked(over: Partial<ModelInput> = {}): Oracle {
  const o = new Oracle(input(over));
  o.step({ type: 'LOCK' });
  return o;
}

function get(o: Oracle, fn: string): Outcome & { op: 'get' } {
  const r = o.step({ type: 'GET', fn });
  if (r.outcome?.op !== 'get') throw new Error('no get outcome');
  return r.outcome;
}

describe('model: get', () => {
  it('creates the array on first use, takes the lowest free slot, grows by doubling, fails past the max order', () => {
    const o = locked();
    expect(get(o, 'a')).toMatchObject({ md: 0, result: 'installed-first' });
    expect(o.context).toMatchObject({ order: 0, count: 2, used: 1 });
    expect(get(o, 'b')).toMatchObject({ md: 1, result: 'installed-free' });
    expect(get(o, 'c')).toMatchObject({ md: 2, result: 'installed-grow' });
    expect(o.context).toMatchObject({ order: 1, count: 4, used: 3 });
    expect(get(o, 'd')).toMatchObject({ md: 3, result: 'installed-free' });
    const before = o.context;
    expect(get(o, 'e')).toMatchObject({ md: null, result: 'max-order' });
    expect(o.context.slots).toEqual(before.slots);
    expect(o.context.count).toBe(4);
    expect(o.context.windows['c']).toEqual(encodeInsn('x86', 2));
  });
  it('bumps users of an md the function already owns', () => {
    const o = locked();
    get(o, 'a');
    expect(get(o, 'a')).toMatchObject({ md: 0, result: 'existing' });
    expect(o.context.slots[0]).toEqual({ users: 2, func: 'a' });
    expect(o.context.used).toBe(1);
  });
  it('refuses a function without padding', () => {
    const o = locked();
    expect(get(o, 'asm')).toMatchObject({ md: null, result: 'no-padding' });
    expect(o.context.order).toBeNull();
  });
  it('-EBUSY on a foreign window keeps the growth but frees the slot', () => {
    const o = locked();
    o.step({ type: 'FOREIGN_WRITE', fn: 'a', bytes: [0xcc, 0xcc, 0xcc, 0xcc, 0xcc] });
    expect(get(o, 'a')).toMatchObject({ md: null, result: 'ebusy', ebusyCause: 'foreign-write' });
    expect(o.context).toMatchObject({ order: 0, used: 0 });
    expect(o.context.slots[0].users).toBe(0);
  });
  it('-EBUSY from the boot layout is told apart from a foreign write', () => {
    const o = locked({ functions: [{ name: 'a', padded: true, window: [0x90, 0x90, 0x90, 0xf3, 0x0f] }] });
    expect(get(o, 'a')).toMatchObject({ result: 'ebusy', ebusyCause: 'boot' });
  });
  it('already equal: a window that already holds the instruction for the chosen slot is taken as is', () => {
    const o = locked();
    o.step({ type: 'FOREIGN_WRITE', fn: 'a', bytes: encodeInsn('x86', 0) });
    expect(get(o, 'a')).toMatchObject({ md: 0, result: 'already-equal' });
    expect(o.context.used).toBe(1);
  });
  it('allocation failure at the first allocation and at growth', () => {
    const o = locked();
    o.step({ type: 'FAIL_ALLOC' });
    expect(get(o, 'a')).toMatchObject({ md: null, result: 'enomem' });
    expect(o.context.order).toBeNull();
    get(o, 'a');
    get(o, 'b');
    o.step({ type: 'FAIL_ALLOC' });
    expect(get(o, 'c')).toMatchObject({ md: null, result: 'enomem' });
    expect(o.context).toMatchObject({ order: 0, count: 2, pendingAllocFailures: 0 });
    expect(get(o, 'c')).toMatchObject({ md: 2, result: 'installed-grow' });
  });
  it('a pending failure does not hit a get that needs no allocation', () => {
    const o = locked();
    get(o, 'a');
    o.step({ type: 'FAIL_ALLOC' });
    expect(get(o, 'b')).toMatchObject({ md: 1, result: 'installed-free' });
    expect(o.context.pendingAllocFailures).toBe(1);
  });
  it('any-free policy accepts the implementation’s choice among free slots, else falls back to the lowest', () => {
    const o = locked({ slotPolicy: 'any-free' });
    expect(o.step({ type: 'GET', fn: 'a', observedIndex: 1 }).outcome).toMatchObject({ md: 1 });
    expect(o.step({ type: 'GET', fn: 'b', observedIndex: 1 }).outcome).toMatchObject({ md: 0 });
  });
  it('arm64 windows hold the raw index', () => {
    const o = locked({ arch: 'arm64' });
    get(o, 'a');
    get(o, 'b');
    expect(o.context.windows['b']).toEqual([1, 0, 0, 0]);
  });
});

describe('model: put, put_by_ip, find', () => {
  function withTwo(): Oracle {
    const o = locked();
    get(o, 'a');
    get(o, 'a');
    get(o, 'b');
    o.step({ type: 'UNLOCK' });
    return o;
  }
  it('put drops a reference, then releases and restores the NOPs', () => {
    const o = withTwo();
    expect(o.step({ type: 'PUT', index: 0 }).outcome).toMatchObject({ result: 'dropped-ref', restored: false });
    expect(o.step({ type: 'PUT', index: 0 }).outcome).toMatchObject({ result: 'released', restored: true, fn: 'a' });
    expect(o.context.windows['a']).toEqual(nopPattern('x86'));
    expect(o.context.used).toBe(1);
    expect(o.context.slots[0]).toEqual({ users: 0, func: 'a' });
  });
  it('put on a free slot is a double put: WARN, nothing changes', () => {
    const o = withTwo();
    o.step({ type: 'PUT_BY_IP', fn: 'b' });
    const before = o.context;
    expect(o.step({ type: 'PUT', index: 1 }).outcome).toMatchObject({ result: 'double-put', warn: 'put-users' });
    expect(o.context.slots).toEqual(before.slots);
  });
  it('put after a foreign write releases the slot and leaves the foreign bytes alone', () => {
    const o = withTwo();
    o.step({ type: 'FOREIGN_WRITE', fn: 'b', bytes: [0xcc, 0xcc, 0xcc, 0xcc, 0xcc] });
    expect(o.step({ type: 'PUT', index: 1 }).outcome).toMatchObject({ result: 'released', restored: false });
    expect(o.context.used).toBe(1);
    expect(o.context.windows['b']).toEqual([0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
  });
  it('put_by_ip: released, dropped, no md, and a foreign window', () => {
    const o = withTwo();
    expect(o.step({ type: 'PUT_BY_IP', fn: 'a' }).outcome).toMatchObject({ result: 'dropped-ref' });
    expect(o.step({ type: 'PUT_BY_IP', fn: 'a' }).outcome).toMatchObject({ result: 'released', restored: true });
    expect(o.step({ type: 'PUT_BY_IP', fn: 'a' }).outcome).toMatchObject({ result: 'no-md', md: null });
    expect(o.step({ type: 'PUT_BY_IP', fn: 'asm' }).outcome).toMatchObject({ result: 'no-md' });
  });
  it('find: hit, miss, no padding, and a forged instruction is not an md', () => {
    const o = withTwo();
    expect(o.step({ type: 'FIND', fn: 'b' }).outcome).toMatchObject({ md: 1 });
    expect(o.step({ type: 'FIND', fn: 'c' }).outcome).toMatchObject({ md: null });
    expect(o.step({ type: 'FIND', fn: 'asm' }).outcome).toMatchObject({ md: null });
    o.step({ type: 'FOREIGN_WRITE', fn: 'c', bytes: encodeInsn('x86', 1) });
    expect(o.step({ type: 'FIND', fn: 'c' }).outcome).toMatchObject({ md: null });
    o.step({ type: 'FOREIGN_WRITE', fn: 'd', bytes: encodeInsn('x86', 99) });
    expect(o.step({ type: 'FIND', fn: 'd' }).outcome).toMatchObject({ md: null });
  });
  it('a foreign write on a function without padding has nowhere to land', () => {
    const o = withTwo();
    const r = o.step({ type: 'FOREIGN_WRITE', fn: 'asm', bytes: [1, 2, 3, 4, 5] });
    expect(r.edge).toBeNull();
    expect(o.context.windows['asm']).toBeUndefined();
  });
});

describe('model: the lock contract', () => {
  it('put / put_by_ip / lock with the mutex held deadlock, named', () => {
    for (const [event, why] of [
      [{ type: 'PUT', index: 0 }, DEADLOCK_PUT],
      [{ type: 'PUT_BY_IP', fn: 'a' }, DEADLOCK_PUT_BY_IP],
      [{ type: 'LOCK' }, DEADLOCK_LOCK],
    ] as const) {
      const o = locked();
      const r = o.step(event);
      expect(r).toMatchObject({ state: 'deadlocked', violation: why });
      expect(o.stopped).toBe(true);
      expect(() => o.step({ type: 'UNLOCK' })).toThrow(/stopped/);
    }
  });
  it('get without the mutex and unlock without it are contract violations', () => {
    expect(new Oracle(input()).step({ type: 'GET', fn: 'a' })).toMatchObject({
      state: 'misused',
      violation: MISUSE_GET,
    });
    expect(new Oracle(input()).step({ type: 'UNLOCK' })).toMatchObject({ state: 'misused', violation: MISUSE_UNLOCK });
  });
  it('find works with or without the mutex', () => {
    const o = new Oracle(input());
    expect(o.step({ type: 'FIND', fn: 'a' }).state).toBe('unlocked');
    o.step({ type: 'LOCK' });
    expect(o.step({ type: 'FIND', fn: 'a' }).state).toBe('locked');
  });
});

describe('model: input validation', () => {
  it('rejects bad parameters with a clear message', () => {
    expect(() => new Oracle(input({ entriesPerPage: 0 }))).toThrow(/entriesPerPage/);
    expect(() => new Oracle(input({ maxOrder: -1 }))).toThrow(/maxOrder/);
    expect(
      () =>
        new Oracle(
          input({
            functions: [
              { name: 'a', padded: true, window: [] },
              { name: 'a', padded: true, window: [] },
            ],
          }),
        ),
    ).toThrow(/twice/);
    expect(() => new Oracle(input({ functions: [{ name: 'a', padded: true, window: [1, 2] }] }))).toThrow(/2 bytes/);
  });
});

describe('model: coverage map', () => {
  it('this file takes every transition of the machine', () => {
    // rerun the scenarios above into one coverage map
    const taken = new Map<string, number>();
    const o = (over: Partial<ModelInput> = {}) => new Oracle(input(over), taken);
    const a = o();
    a.step({ type: 'GET', fn: 'a' });
    const b = o();
    b.step({ type: 'UNLOCK' });
    const c = o();
    c.step({ type: 'LOCK' });
    c.step({ type: 'LOCK' });
    const d = o();
    d.step({ type: 'LOCK' });
    d.step({ type: 'PUT', index: 0 });
    const e = o();
    e.step({ type: 'LOCK' });
    e.step({ type: 'PUT_BY_IP', fn: 'a' });
    const m = o({
      functions: [...input().functions, { name: 'boot', padded: true, window: [0x90, 0x90, 0x90, 0xf3, 0x0f] }],
    });
    m.step({ type: 'FOREIGN_WRITE', fn: 'asm', bytes: [1] });
    m.step({ type: 'LOCK' });
    m.step({ type: 'GET', fn: 'asm' });
    m.step({ type: 'FAIL_ALLOC' });
    m.step({ type: 'GET', fn: 'b' }); // enomem
    m.step({ type: 'GET', fn: 'b' }); // installed-first, slot 0
    m.step({ type: 'FOREIGN_WRITE', fn: 'a', bytes: encodeInsn('x86', 1) });
    m.step({ type: 'GET', fn: 'a' }); // already-equal, slot 1
    m.step({ type: 'GET', fn: 'a' }); // existing
    m.step({ type: 'GET', fn: 'boot' });
    m.step({ type: 'GET', fn: 'c' });
    m.step({ type: 'GET', fn: 'd' });
    m.step({ type: 'GET', fn: 'e' });
    m.step({ type: 'UNLOCK' });
    m.step({ type: 'FIND', fn: 'a' });
    m.step({ type: 'FIND', fn: 'e' });
    m.step({ type: 'FIND', fn: 'asm' });
    m.step({ type: 'PUT', index: 1 });
    m.step({ type: 'PUT', index: 1 });
    m.step({ type: 'PUT', index: 1 });
    m.step({ type: 'FOREIGN_WRITE', fn: 'b', bytes: [0xcc, 0xcc, 0xcc, 0xcc, 0xcc] });
    m.step({ type: 'PUT', index: 0 });
    m.step({ type: 'LOCK' });
    m.step({ type: 'GET', fn: 'c' });
    m.step({ type: 'GET', fn: 'd' });
    m.step({ type: 'UNLOCK' });
    m.step({ type: 'PUT_BY_IP', fn: 'c' });
    m.step({ type: 'PUT_BY_IP', fn: 'c' });
    m.step({ type: 'PUT_BY_IP', fn: 'c' });
    const g = o();
    for (const event of [
      { type: 'LOCK' },
      { type: 'GET', fn: 'a' },
      { type: 'GET', fn: 'b' },
      { type: 'GET', fn: 'c' },
    ] as const)
      g.step(event);
    // the design parameters' own transitions
    const hash = o({
      design: {
        ...V4_DESIGN,
        storage: 'hash',
        locking: { get: 'takes', put: 'caller-holds', putByIp: 'caller-holds' },
      },
    });
    hash.step({ type: 'GET', fn: 'a' }); // created
    hash.step({ type: 'PUT', index: 0 }); // needs the lock: misuse
    const hash2 = o({
      design: {
        ...V4_DESIGN,
        storage: 'hash',
        locking: { get: 'takes', put: 'caller-holds', putByIp: 'caller-holds' },
      },
    });
    hash2.step({ type: 'GET', fn: 'a' });
    hash2.step({ type: 'LOCK' });
    hash2.step({ type: 'PUT_BY_IP', fn: 'a' }); // released, no window
    hash2.step({ type: 'GRACE' });
    hash2.step({ type: 'UNLOCK' });
    hash2.step({ type: 'PUT_BY_IP', fn: 'a' }); // needs the lock: misuse
    const takes = o({ design: { ...V4_DESIGN, locking: { get: 'takes', put: 'takes', putByIp: 'takes' } } });
    takes.step({ type: 'LOCK' });
    takes.step({ type: 'GET', fn: 'a' }); // takes the lock itself: self-deadlock
    const missing = allEdgeIds().filter((e) => !taken.has(e));
    expect(missing).toEqual([]);
  });
});
