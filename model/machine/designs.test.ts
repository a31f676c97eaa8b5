import { describe, expect, it } from 'vitest';
import { DEADLOCK_GET, MISUSE_PUT } from './machine.ts';
import { Oracle } from './oracle.ts';
import { V4_DESIGN } from './types.ts';
import type { Design, ModelInput, Outcome } from './types.ts';

const HASH: Design = {
  storage: 'hash',
  reuse: 'immediate',
  allocates: 'array-and-md',
  growthLimit: 'none',
  maxOrderWarns: false,
  locking: { get: 'takes', put: 'takes', putByIp: 'takes' },
};
const MAY25_LIKE: Design = { ...V4_DESIGN, reuse: 'after-grace', allocates: 'array-and-md' };

function oracle(design: Design, over: Partial<ModelInput> = {}): Oracle {
  return new Oracle({
    arch: 'x86',
    entriesPerPage: 2,
    maxOrder: 2,
    slotPolicy: 'any-free',
    design,
    functions: [
      ...['a', 'b', 'c'].map((name) => ({ name, padded: true, window: [] })),
      { name: 'asm', padded: false, window: [] },
    ],
    ...over,
  });
}

function get(o: Oracle, fn: string, at: { observedIndex?: number; observedNull?: boolean } = {}): Outcome {
  const r = o.step({ type: 'GET', fn, ...at });
  if (!r.outcome) throw new Error(`no outcome: ${r.violation ?? ''}`);
  return r.outcome;
}

describe('model: a hash design (no index in the text)', () => {
  it('gives every function an md, padded or not, with no capacity and no window', () => {
    const o = oracle(HASH);
    expect(get(o, 'asm')).toMatchObject({ md: 0, result: 'created' });
    expect(get(o, 'a', { observedIndex: 7 })).toMatchObject({ md: 7, result: 'created' });
    expect(get(o, 'b')).toMatchObject({ md: 1, result: 'created' });
    expect(get(o, 'a')).toMatchObject({ md: 7, result: 'existing' });
    expect(o.context).toMatchObject({ order: null, used: 3 });
    expect(o.context.slots.length).toBe(8);
    expect(o.step({ type: 'FIND', fn: 'asm' }).outcome).toMatchObject({ md: 0 });
    expect(o.step({ type: 'FIND', fn: 'c' }).outcome).toMatchObject({ md: null });
  });

  it('releases without touching text and reuses the identity at once', () => {
    const o = oracle(HASH);
    get(o, 'a');
    expect(o.step({ type: 'PUT_BY_IP', fn: 'a' }).outcome).toMatchObject({ result: 'released', restored: false });
    expect(o.context.used).toBe(0);
    expect(get(o, 'a', { observedIndex: 0 })).toMatchObject({ md: 0, result: 'created' });
  });

  it('with a failure injected, a new md may come back NULL (spending it) or not; NULL without one is no outcome of the model', () => {
    const o = oracle(HASH);
    o.step({ type: 'FAIL_ALLOC' });
    expect(get(o, 'a', { observedNull: true })).toMatchObject({ md: null, result: 'enomem' });
    expect(o.context.pendingAllocFailures).toBe(0);
    expect(get(o, 'a', { observedNull: true })).toMatchObject({ md: 0, result: 'created' });
    o.step({ type: 'FAIL_ALLOC' });
    expect(get(o, 'b')).toMatchObject({ md: 1, result: 'created' });
    expect(o.context.pendingAllocFailures).toBe(1);
  });

  it('takes kfunc_md_mutex itself: a get under the caller’s lock self-deadlocks, and no verb needs it', () => {
    const o = oracle(HASH);
    o.step({ type: 'LOCK' });
    const r = o.step({ type: 'GET', fn: 'a' });
    expect(r.state).toBe('deadlocked');
    expect(r.violation).toBe(DEADLOCK_GET);
  });
});

describe('model: a design whose released slots wait for a grace period', () => {
  it('does not hand a released slot out again before GRACE, and grows instead', () => {
    const o = oracle(MAY25_LIKE, { slotPolicy: 'lowest-free' });
    o.step({ type: 'LOCK' });
    get(o, 'a');
    get(o, 'b');
    o.step({ type: 'UNLOCK' });
    o.step({ type: 'PUT_BY_IP', fn: 'a' });
    expect(o.context.slots[0]).toMatchObject({ users: 0, retiring: true });
    o.step({ type: 'LOCK' });
    expect(get(o, 'c')).toMatchObject({ md: 2, result: 'installed-grow' });
    o.step({ type: 'UNLOCK' });
    o.step({ type: 'PUT_BY_IP', fn: 'c' });
    o.step({ type: 'GRACE' });
    expect(o.context.slots.some((s) => s.retiring === true)).toBe(false);
    o.step({ type: 'LOCK' });
    expect(get(o, 'c')).toMatchObject({ md: 0, result: 'installed-free' });
  });

  it('fails a new md on an injected failure even when a free slot needs no new array (its percpu_ref)', () => {
    const o = oracle(MAY25_LIKE, { slotPolicy: 'lowest-free' });
    o.step({ type: 'LOCK' });
    get(o, 'a');
    o.step({ type: 'FAIL_ALLOC' });
    expect(get(o, 'b')).toMatchObject({ md: null, result: 'enomem' });
    expect(o.context.used).toBe(1);
  });

  it('v4 reuses at once: GRACE changes nothing', () => {
    const o = oracle(V4_DESIGN, { slotPolicy: 'lowest-free' });
    o.step({ type: 'LOCK' });
    get(o, 'a');
    o.step({ type: 'UNLOCK' });
    o.step({ type: 'PUT_BY_IP', fn: 'a' });
    const before = o.context.slots;
    o.step({ type: 'GRACE' });
    expect(o.context.slots).toEqual(before);
  });
});

describe('model: where the array comes from', () => {
  it('an array from kvmalloc grows past MAX_PAGE_ORDER; one from the page allocator does not', () => {
    for (const [growthLimit, last] of [
      ['none', 'installed-grow'],
      ['max-order', 'max-order'],
    ] as const) {
      const o = oracle({ ...V4_DESIGN, growthLimit }, { maxOrder: 0, slotPolicy: 'lowest-free' });
      o.step({ type: 'LOCK' });
      get(o, 'a');
      get(o, 'b');
      expect(get(o, 'c')).toMatchObject({ result: last });
    }
  });

  it("growth past MAX_PAGE_ORDER that asks the page allocator predicts __alloc_pages' WARN; refused before asking, none", () => {
    for (const maxOrderWarns of [true, false]) {
      const o = oracle({ ...V4_DESIGN, maxOrderWarns }, { maxOrder: 0, slotPolicy: 'lowest-free' });
      o.step({ type: 'LOCK' });
      expect(get(o, 'a')).toMatchObject({ warn: null });
      get(o, 'b');
      expect(get(o, 'c')).toMatchObject({ result: 'max-order', warn: maxOrderWarns ? 'alloc_pages-order' : null });
    }
  });
});

describe('model: lock rules per verb', () => {
  it('a put that needs the caller to hold kfunc_md_mutex is misuse without it', () => {
    const o = oracle({ ...V4_DESIGN, locking: { get: 'caller-holds', put: 'caller-holds', putByIp: 'caller-holds' } });
    o.step({ type: 'LOCK' });
    get(o, 'a');
    expect(o.step({ type: 'PUT', index: 0 }).outcome).toMatchObject({ result: 'released' });
    o.step({ type: 'UNLOCK' });
    const r = o.step({ type: 'PUT', index: 0 });
    expect(r.state).toBe('misused');
    expect(r.violation).toBe(MISUSE_PUT);
  });
});
