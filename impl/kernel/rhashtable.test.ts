import { describe, expect, it } from 'vitest';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import type { Kernel } from './kernel.ts';
import {
  BUCKET_TABLE_BUCKETS,
  BUCKET_TABLE_FUTURE_TBL,
  BUCKET_TABLE_HASH_RND,
  BUCKET_TABLE_SIZE,
  HASH_DEFAULT_SIZE,
  HASH_MIN_SIZE,
  RHASHTABLE_SIZE,
  RHT_NELEMS,
  RHT_TBL,
  Rhashtable,
  rhtHash,
  rhtIsANulls,
  rhtNullsMarker,
} from './rhashtable.ts';
import type { RhashtableParams } from './rhashtable.ts';
import { E2BIG, EEXIST, ENOENT, ENOMEM } from './types.ts';
import type { Addr, Op } from './types.ts';

/** an md-like object: a u64 first, the u64 key (func) at 8, the rhash_head at 16 */
const KEY = 8;
const HEAD = 16;
const OBJ_SIZE = 32;
const PARAMS: RhashtableParams = { keyOffset: KEY, headOffset: HEAD, minSize: 4, nelemHint: 3 };

interface World {
  readonly k: Kernel;
  readonly t: Rhashtable;
  readonly obj: (key: number) => Addr;
}

function world(params: Partial<RhashtableParams> = {}): World {
  const k = kernelWith(x86(), 1, { pageSize: 256 });
  const ht = k.defineStatic('ht', new Array<number>(RHASHTABLE_SIZE).fill(0xee));
  const t = new Rhashtable(k, ht, { ...PARAMS, ...params });
  expect(run(k, t.init())).toBe(0);
  const obj = (key: number): Addr => {
    const o = run(k, k.slab.kzalloc(OBJ_SIZE));
    run(k, k.mem.store64(o + KEY, key));
    return o;
  };
  return { k, t, obj };
}

/** keys that look like function addresses */
const key = (i: number): number => 0xffff_8100_0000 + 16 * i;

function sizes(t: Rhashtable): number[] {
  return t.peek().tables.map((x) => x.size);
}

function all(t: Rhashtable): Addr[] {
  return t
    .peek()
    .tables.flatMap((x) => x.buckets.flat())
    .sort((a, b) => a - b);
}

describe('rhashtable: helpers', () => {
  it('nulls markers are the bucket address with bit 0 set; the hash depends on key and seed', () => {
    expect(rhtNullsMarker(0x1000)).toBe(0x1001);
    expect(rhtIsANulls(0x1001)).toBe(true);
    expect(rhtIsANulls(0x1000)).toBe(false);
    expect(rhtHash(key(1), 0)).toBe(rhtHash(key(1), 0));
    expect(rhtHash(key(1), 0)).not.toBe(rhtHash(key(2), 0));
    expect(rhtHash(key(1), 0)).not.toBe(rhtHash(key(1), 1));
    expect(rhtHash(2 ** 32, 0)).not.toBe(rhtHash(0, 0)); // the high half counts
    const low = new Set(Array.from({ length: 64 }, (_, i) => rhtHash(key(i), 7) & 15));
    expect(low.size).toBeGreaterThan(10); // low bits spread
    for (let i = 0; i < 64; i++) expect(rhtHash(key(i), 123) >>> 0).toBe(rhtHash(key(i), 123));
  });
});

describe('rhashtable_init', () => {
  it('allocates a zeroed bucket table of roundup_pow_of_two(hint * 4 / 3), at least min_size', () => {
    const { k, t } = world({ nelemHint: 12 });
    const tbl = k.mem.peek64(t.ht + RHT_TBL);
    expect(k.mem.peek32(tbl + BUCKET_TABLE_SIZE)).toBe(16);
    expect(k.mem.peek32(tbl + BUCKET_TABLE_HASH_RND)).toBe(Math.imul(1, 0x9e3779b9) >>> 0); // the first table's seed
    expect(k.mem.peek64(tbl + BUCKET_TABLE_FUTURE_TBL)).toBe(0);
    expect(k.mem.peek32(t.ht + RHT_NELEMS)).toBe(0);
    expect(k.slab.objectAt(tbl)).toMatchObject({ addr: tbl, size: BUCKET_TABLE_BUCKETS + 8 * 16 });
    expect(sizes(world({ nelemHint: 1 }).t)).toEqual([4]);
    expect(sizes(world({ nelemHint: 1, minSize: 8 }).t)).toEqual([8]);
    expect(sizes(world({ nelemHint: 1, minSize: 1 }).t)).toEqual([HASH_MIN_SIZE]);
    const k2 = kernelWith(x86(), 1, { pageSize: 256 });
    const plain = new Rhashtable(k2, k2.defineStatic('ht', new Array<number>(16).fill(0)), {
      keyOffset: 0,
      headOffset: 8,
    });
    expect(run(k2, plain.init())).toBe(0);
    expect(sizes(plain)).toEqual([HASH_DEFAULT_SIZE]);
  });

  it('returns -ENOMEM when the table cannot be allocated', () => {
    const k = kernelWith(x86(), 1);
    const t = new Rhashtable(k, k.defineStatic('ht', new Array<number>(16).fill(0)), PARAMS);
    k.slab.failNextAllocations(1);
    expect(run(k, t.init())).toBe(-ENOMEM);
    expect(k.mem.peek64(t.ht)).toBe(0);
    expect(k.violations).toEqual([]);
  });

  it('names its mutex and bucket locks after their addresses', () => {
    const { t } = world();
    expect(t.mutex).toBe(`rhashtable.mutex@0x${t.ht.toString(16)}`);
    expect(Rhashtable.bucketLock(0x40)).toBe('rht_lock@0x40');
  });
});

describe('rhashtable: insert, lookup, remove', () => {
  it('finds what was inserted, by key, and nothing else', () => {
    const { k, t, obj } = world({ nelemHint: 12 });
    const objs = [1, 2, 3, 4, 5].map((i) => obj(key(i)));
    for (const o of objs) expect(run(k, t.insertFast(o))).toBe(0);
    for (let i = 0; i < 5; i++) expect(run(k, t.lookupFast(key(i + 1)))).toBe(objs[i]);
    expect(run(k, t.lookupFast(key(9)))).toBe(0);
    expect(t.peek().nelems).toBe(5);
    expect(all(t)).toEqual([...objs].sort((a, b) => a - b));
    // each object is on the chain of its own bucket
    const view = t.peek().tables[0];
    for (const o of objs) expect(view.buckets[rhtHash(k.mem.peek64(o + KEY), view.hashRnd) & 15]).toContain(o);
    expect(t.workPending).toBe(false);
    expect(k.violations).toEqual([]);
  });

  it('inserts at the head of the chain; the last entry ends with its bucket’s nulls marker', () => {
    const { k, t, obj } = world({ nelemHint: 1, minSize: 4 });
    // three keys in one bucket of the 4-bucket table
    const rnd = t.peek().tables[0].hashRnd;
    const same = Array.from({ length: 64 }, (_, i) => key(i)).filter((x) => (rhtHash(x, rnd) & 3) === 0);
    const objs = same.slice(0, 3).map((x) => obj(x));
    for (const o of objs) run(k, t.insertFast(o));
    const tbl = t.peek().tables[0];
    expect(tbl.buckets[0]).toEqual([objs[2], objs[1], objs[0]]);
    expect(k.mem.peek64(objs[0] + HEAD)).toBe(rhtNullsMarker(tbl.addr + BUCKET_TABLE_BUCKETS));
    expect(run(k, t.lookupFast(same[0]))).toBe(objs[0]);
    // lookup_insert compares keys: another key on the same chain is no duplicate
    const fourth = obj(same[3]);
    expect(run(k, t.lookupInsertFast(fourth))).toBe(0);
    expect(run(k, t.removeFast(fourth))).toBe(0);
    // removing the middle, the head and the last
    expect(run(k, t.removeFast(objs[1]))).toBe(0);
    expect(t.peek().tables[0].buckets[0]).toEqual([objs[2], objs[0]]);
    expect(run(k, t.removeFast(objs[2]))).toBe(0);
    expect(t.peek().tables[0].buckets[0]).toEqual([objs[0]]);
    // the last entry of a longer chain: its predecessor ends with the nulls marker again
    const again = obj(same[1]);
    run(k, t.insertFast(again));
    const steps: { call: string | undefined; operand: number | undefined }[] = [];
    const rm = t.removeFast(objs[0]);
    k.mem.currentCpu = 0;
    for (let r = rm.next(); !r.done; r = rm.next()) steps.push({ call: r.value.call, operand: r.value.operand });
    expect(steps).toContainEqual({ call: 'atomic_dec', operand: -1 });
    expect(k.mem.peek64(again + HEAD)).toBe(rhtNullsMarker(tbl.addr + BUCKET_TABLE_BUCKETS));
    run(k, t.insertFast(objs[0]));
    expect(run(k, t.removeFast(again))).toBe(0);
    expect(run(k, t.removeFast(objs[0]))).toBe(0);
    expect(k.mem.peek64(tbl.addr + BUCKET_TABLE_BUCKETS)).toBe(0); // an empty bucket is NULL again
    expect(t.peek().nelems).toBe(0);
    expect(run(k, t.removeFast(objs[0]))).toBe(-ENOENT);
    expect(run(k, t.lookupFast(same[0]))).toBe(0);
  });

  it('insert_fast does not check for duplicates; lookup_insert_fast returns -EEXIST', () => {
    const { k, t, obj } = world({ nelemHint: 12 });
    const a = obj(key(1));
    const b = obj(key(1));
    expect(run(k, t.insertFast(a))).toBe(0);
    expect(run(k, t.lookupInsertFast(b))).toBe(-EEXIST);
    expect(t.peek().nelems).toBe(1);
    expect(run(k, t.lookupInsertFast(obj(key(2))))).toBe(0);
    expect(run(k, t.insertFast(b))).toBe(0);
    expect(t.peek().nelems).toBe(3);
    expect(run(k, t.lookupFast(key(1)))).toBe(b); // the newer one is first on the chain
  });

  it('a lookup is rhashtable_lookup inside rcu_read_lock: its loads carry the name', () => {
    const { k, t, obj } = world();
    run(k, t.insertFast(obj(key(1))));
    const steps: string[] = [];
    const op = t.lookupFast(key(1));
    for (let r = op.next(); !r.done; r = op.next()) steps.push(r.value.call ?? r.value.kind);
    expect(steps[0]).toBe('rcu_read_lock');
    expect(steps[steps.length - 1]).toBe('rcu_read_unlock');
    expect(steps.slice(1, -1).every((s) => s === 'rhashtable_lookup')).toBe(true);
    expect(steps.length).toBe(2 + 1 + 2 + 1 + 1); // tbl, size, hash_rnd, bucket, key
  });
});

describe('rhashtable: automatic growth and shrinking', () => {
  it('an insert above 75 % schedules the worker, which doubles the table and moves every entry', () => {
    const { k, t, obj } = world(); // 4 buckets
    const objs = [1, 2, 3].map((i) => obj(key(i)));
    for (const o of objs) run(k, t.insertFast(o));
    expect(t.workPending).toBe(false); // 3 is not above 3
    const fourth = obj(key(4));
    run(k, t.insertFast(fourth));
    expect(t.workPending).toBe(true);
    const old = t.peek().tables[0].addr;
    expect(run(k, t.runDeferredWork(), 1)).toBe(true);
    expect(t.workPending).toBe(false);
    expect(sizes(t)).toEqual([8]);
    expect(all(t)).toEqual([...objs, fourth].sort((a, b) => a - b));
    for (let i = 1; i <= 4; i++) expect(run(k, t.lookupFast(key(i)))).not.toBe(0);
    // the old table goes after a grace period
    expect(k.slab.objectAt(old)?.freed).toBe(false);
    run(k, k.rcu.rcuBarrier());
    expect(k.slab.objectAt(old)?.freed).toBe(true);
    expect(run(k, t.runDeferredWork())).toBe(false); // nothing scheduled
    expect(k.violations).toEqual([]);
  });

  it('above 100 % with the worker not run yet, an insert attaches a bigger table and goes there', () => {
    const { k, t, obj } = world();
    for (let i = 1; i <= 4; i++) run(k, t.insertFast(obj(key(i))));
    run(k, t.insertFast(obj(key(5)))); // 4 is not above 4: still the old table
    expect(sizes(t)).toEqual([4]);
    t.workPending = false;
    const sixth = obj(key(6));
    expect(run(k, t.insertFast(sixth))).toBe(0);
    expect(sizes(t)).toEqual([4, 8]);
    expect(t.workPending).toBe(true); // the attach schedules the worker to move the entries
    expect(t.peek().tables[1].buckets.flat()).toEqual([sixth]);
    expect(t.peek().tables[0].buckets.flat()).toHaveLength(5);
    for (let i = 1; i <= 6; i++) expect(run(k, t.lookupFast(key(i)))).not.toBe(0);
    // inserts and duplicate checks now go through both tables
    expect(run(k, t.lookupInsertFast(obj(key(2))))).toBe(-EEXIST);
    const seventh = obj(key(7));
    run(k, t.insertFast(seventh));
    expect(
      t
        .peek()
        .tables[1].buckets.flat()
        .sort((a, b) => a - b),
    ).toEqual([sixth, seventh].sort((a, b) => a - b));
    // removes find the object in whichever table holds it
    expect(run(k, t.removeFast(seventh))).toBe(0);
    expect(run(k, t.removeFast(sixth))).toBe(0);
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([8]);
    expect(t.peek().nelems).toBe(5);
    expect(all(t)).toHaveLength(5);
    // the worker moved into the attached table: it allocated none of its own
    expect(k.slab.list().filter((o) => o.size > OBJ_SIZE)).toHaveLength(2);
  });

  it('a failed allocation in the insert path is -ENOMEM and schedules the worker to retry', () => {
    const { k, t, obj } = world();
    for (let i = 1; i <= 5; i++) run(k, t.insertFast(obj(key(i))));
    t.workPending = false;
    const o = obj(key(6));
    k.slab.failNextAllocations(1);
    expect(run(k, t.insertFast(o))).toBe(-ENOMEM);
    expect(t.workPending).toBe(true);
    expect(run(k, t.insertFast(o))).toBe(0);
  });

  it('an insert that attaches a table first makes the worker’s own attach fail: it frees its table and moves the entries', () => {
    const { k, t, obj } = world();
    const objs = [1, 2, 3, 4, 5].map((i) => obj(key(i)));
    for (const o of objs) run(k, t.insertFast(o));
    const worker = new Stepper(k, 0, t.runDeferredWork());
    worker.runUntil((s) => s.call === 'cmpxchg'); // allocated its table, about to attach it
    const mine = k.slab.list().at(-1)?.addr ?? 0;
    const sixth = obj(key(6));
    expect(run(k, t.insertFast(sixth), 1)).toBe(0); // above 100 %: attaches a table of its own
    expect(sizes(t)).toEqual([4, 8]);
    const theirs = t.peek().tables[1].addr;
    expect(theirs).not.toBe(mine);
    worker.finish();
    expect(k.slab.objectAt(mine)?.freed).toBe(true);
    expect(sizes(t)).toEqual([8]);
    expect(t.peek().tables[0].addr).toBe(theirs);
    expect(all(t)).toEqual([...objs, sixth].sort((a, b) => a - b));
    expect(k.violations).toEqual([]);
  });

  it('an insert whose attach loses to the worker frees its table and inserts into the worker’s', () => {
    const { k, t, obj } = world();
    const objs = [1, 2, 3, 4, 5].map((i) => obj(key(i)));
    for (const o of objs) run(k, t.insertFast(o));
    const sixth = obj(key(6));
    const inserter = new Stepper(k, 1, t.insertFast(sixth));
    inserter.runUntil((s) => s.call === 'cmpxchg');
    const mine = k.slab.list().at(-1)?.addr ?? 0;
    run(k, t.runDeferredWork(), 0); // attaches, moves, publishes
    expect(sizes(t)).toEqual([8]);
    expect(inserter.finish()).toBe(0);
    expect(k.slab.objectAt(mine)?.freed).toBe(true);
    expect(sizes(t)).toEqual([8]);
    expect(all(t)).toEqual([...objs, sixth].sort((a, b) => a - b));
    expect(t.peek().nelems).toBe(6);
  });

  it('a failed allocation in the insert path after another CPU attached a table is not a failure', () => {
    const { k, t, obj } = world();
    for (let i = 1; i <= 5; i++) run(k, t.insertFast(obj(key(i))));
    const sixth = obj(key(6));
    const inserter = new Stepper(k, 1, t.insertFast(sixth));
    inserter.runUntil((s) => s.call === 'kvzalloc'); // rhashtable_insert_rehash allocating
    // meanwhile the worker attaches its table (and is stopped before moving anything)
    const worker = new Stepper(k, 0, t.runDeferredWork());
    worker.runUntil((s) => s.call === 'rhashtable_rehash_table');
    expect(sizes(t)).toEqual([4, 8]);
    k.slab.failNextAllocations(1);
    t.workPending = false;
    expect(inserter.finish()).toBe(0);
    expect(t.workPending).toBe(false);
    expect(t.peek().tables[1].buckets.flat()).toEqual([sixth]);
    worker.finish();
    expect(all(t)).toHaveLength(6);
  });

  it('a burst of inserts chains tables; each worker run publishes the next one and reschedules until the newest', () => {
    const { k, t, obj } = world();
    const objs = Array.from({ length: 20 }, (_, i) => obj(key(i)));
    for (const o of objs) expect(run(k, t.insertFast(o))).toBe(0);
    expect(sizes(t)).toEqual([4, 8, 16, 32]);
    for (let i = 0; i < 20; i++) expect(run(k, t.lookupFast(key(i)))).toBe(objs[i]);
    expect(run(k, t.lookupInsertFast(obj(key(3))))).toBe(-EEXIST); // found in an older table
    const rnds = t.peek().tables.map((x) => x.hashRnd);
    expect(rnds).toEqual([1, 2, 3, 4].map((n) => Math.imul(n, 0x9e3779b9) >>> 0));
    const seen: number[][] = [];
    while (t.workPending) {
      run(k, t.runDeferredWork());
      seen.push(sizes(t));
      for (let i = 0; i < 20; i++) expect(run(k, t.lookupFast(key(i)))).toBe(objs[i]);
    }
    expect(seen).toEqual([[8, 16, 32], [16, 32], [32]]);
    expect(t.peek().nelems).toBe(20);
    run(k, k.rcu.rcuBarrier());
    expect(k.slab.list().filter((o) => o.size > OBJ_SIZE && !o.freed)).toHaveLength(1);
  });

  it('insert_fast of a duplicate key during a resize is still no -EEXIST', () => {
    const { k, t, obj } = world();
    for (let i = 1; i <= 6; i++) run(k, t.insertFast(obj(key(i))));
    expect(sizes(t)).toEqual([4, 8]);
    expect(run(k, t.insertFast(obj(key(1))))).toBe(0);
    expect(run(k, t.lookupInsertFast(obj(key(1))))).toBe(-EEXIST);
    expect(t.peek().nelems).toBe(7);
  });

  it('a shrink while a grown table is still attached waits (-EEXIST): the worker moves, then shrinks on its next run', () => {
    const { k, t, obj } = world({ automaticShrinking: true });
    const objs = Array.from({ length: 6 }, (_, i) => obj(key(i)));
    for (const o of objs) run(k, t.insertFast(o));
    expect(sizes(t)).toEqual([4, 8]);
    for (const o of objs.slice(1)) run(k, t.removeFast(o));
    t.workPending = true;
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([8]);
    expect(t.workPending).toBe(true); // -EEXIST: again
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([4]);
    expect(t.workPending).toBe(false);
    expect(run(k, t.lookupFast(key(0)))).toBe(objs[0]);
  });

  it('max_size above the table: grows up to it, then no more', () => {
    const { k, t, obj } = world({ maxSize: 8 });
    for (let i = 1; i <= 4; i++) run(k, t.insertFast(obj(key(i))));
    expect(t.workPending).toBe(true);
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([8]);
    for (let i = 5; i <= 16; i++) expect(run(k, t.insertFast(obj(key(i))))).toBe(0);
    expect(t.workPending).toBe(false);
    expect(sizes(t)).toEqual([8]);
    expect(run(k, t.insertFast(obj(key(17))))).toBe(-E2BIG);
  });

  it('at min_size removes never schedule a shrink', () => {
    const { k, t, obj } = world({ automaticShrinking: true });
    const objs = [1, 2, 3].map((i) => obj(key(i)));
    for (const o of objs) run(k, t.insertFast(o));
    for (const o of objs) run(k, t.removeFast(o));
    expect(t.workPending).toBe(false);
    expect(sizes(t)).toEqual([4]);
  });

  it('max_size caps the table, and 2 * max_size the elements (-E2BIG)', () => {
    const { k, t, obj } = world({ maxSize: 4 });
    for (let i = 1; i <= 8; i++) expect(run(k, t.insertFast(obj(key(i))))).toBe(0);
    expect(t.workPending).toBe(false); // never above 75 % of a table that may not grow
    expect(run(k, t.insertFast(obj(key(9))))).toBe(-E2BIG);
    expect(sizes(t)).toEqual([4]);
    expect(t.peek().nelems).toBe(8);
  });

  it('with automatic_shrinking a remove below 30 % schedules a shrink to roundup_pow_of_two(nelems * 3 / 2)', () => {
    const { k, t, obj } = world({ nelemHint: 24, automaticShrinking: true }); // 32 buckets
    const objs = Array.from({ length: 10 }, (_, i) => obj(key(i)));
    for (const o of objs) run(k, t.insertFast(o));
    for (const o of objs.slice(0, 1)) run(k, t.removeFast(o));
    expect(t.workPending).toBe(false); // 9 is not below 9
    run(k, t.removeFast(objs[1]));
    expect(t.workPending).toBe(true); // 8 < 32 * 3 / 10
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([16]); // roundup_pow_of_two(12)
    for (const o of objs.slice(2)) expect(run(k, t.lookupFast(k.mem.peek64(o + KEY)))).toBe(o);
    for (const o of objs.slice(2, 9)) run(k, t.removeFast(o));
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([4]); // one left: min_size
    expect(run(k, t.lookupFast(k.mem.peek64(objs[9] + KEY)))).toBe(objs[9]);
  });

  it('without automatic_shrinking removes never shrink', () => {
    const { k, t, obj } = world({ nelemHint: 24 });
    const objs = Array.from({ length: 10 }, (_, i) => obj(key(i)));
    for (const o of objs) run(k, t.insertFast(o));
    for (const o of objs) run(k, t.removeFast(o));
    expect(t.workPending).toBe(false);
    t.workPending = true;
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([32]);
  });

  it('a worker whose allocation fails reschedules itself', () => {
    const { k, t, obj } = world();
    for (let i = 1; i <= 4; i++) run(k, t.insertFast(obj(key(i))));
    k.slab.failNextAllocations(1);
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([4]);
    expect(t.workPending).toBe(true);
    run(k, t.runDeferredWork());
    expect(sizes(t)).toEqual([8]);
  });

  it('rhashtable_free_and_destroy frees every object and table', () => {
    const { k, t, obj } = world();
    for (let i = 1; i <= 6; i++) run(k, t.insertFast(obj(key(i))));
    expect(sizes(t)).toEqual([4, 8]);
    const freed: Addr[] = [];
    function* free(o: Addr): Op<void> {
      freed.push(o);
      yield* k.slab.kfree(o);
    }
    t.workPending = true;
    run(k, t.destroy(free));
    expect(t.workPending).toBe(false);
    expect(freed).toHaveLength(6);
    expect(k.slab.live).toBe(0);
    expect(k.violations).toEqual([]);
    expect(k.mem.mutexes.owner(t.mutex)).toBeUndefined();
  });

  it('destroy without a free function frees only the tables', () => {
    const { k, t, obj } = world();
    for (let i = 1; i <= 2; i++) run(k, t.insertFast(obj(key(i))));
    run(k, t.destroy());
    expect(k.slab.live).toBe(2);
  });
});

describe('rhashtable: lookups under RCU during a resize', () => {
  /** 4 entries in a 4-bucket table (above 75 %, not above 100 %) whose worker will double it */
  function resizing(): { w: World; keys: number[]; objs: Addr[] } {
    const w = world();
    const keys = Array.from({ length: 4 }, (_, i) => key(i + 1));
    const objs = keys.map((x) => w.obj(x));
    for (const o of objs) run(w.k, w.t.insertFast(o));
    expect(w.t.workPending).toBe(true);
    return { w, keys, objs };
  }

  it('at every point of the worker, and every point of the lookup, every key is found', () => {
    let checked = 0;
    let waited = 0;
    for (const which of [0, 1, 3]) {
      for (let j = 0, workerLeft = true; workerLeft; j++) {
        for (let i = 0, readerLeft = true; readerLeft; i++) {
          const { w, keys, objs } = resizing();
          const worker = new Stepper(w.k, 0, w.t.runDeferredWork());
          for (let n = 0; n < j && !worker.done; n++) worker.resume();
          workerLeft = !worker.done;
          const reader = new Stepper(w.k, 1, w.t.lookupFast(keys[which]));
          // a reader waiting for the mover (a blocked step) can only go on once the worker does
          const stuck = (): boolean => reader.pending?.blocked === true && w.k.mem.stillBlocked(1, reader.next());
          for (let n = 0; n < i && !reader.done && !stuck(); n++) reader.resume();
          readerLeft = !reader.done && !stuck();
          if (stuck()) waited++;
          if (!worker.done) worker.finish();
          expect(reader.finish()).toBe(objs[which]);
          expect(w.k.violations).toEqual([]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
    expect(waited).toBeGreaterThan(0); // some schedules caught an entry mid-move
  });

  it('a lookup that walks into a moved entry waits, as one blocked step, until the mover has unlinked it', () => {
    const w = world();
    const { k, t } = w;
    const rnd = t.peek().tables[0].hashRnd;
    // three keys on bucket 0 of the old table
    const same = Array.from({ length: 64 }, (_, i) => key(i)).filter((x) => (rhtHash(x, rnd) & 3) === 0);
    const objs = same.slice(0, 3).map((x) => w.obj(x));
    for (const o of objs) run(k, t.insertFast(o));
    run(k, t.insertFast(w.obj(same[3]))); // the fourth: above 75 %
    const bkt = t.peek().tables[0].addr + BUCKET_TABLE_BUCKETS;
    // chain: same[3], objs[2], objs[1], objs[0]; the worker moves objs[0] (the last) first
    const worker = new Stepper(k, 0, t.runDeferredWork());
    let published = 0;
    worker.runUntil((st) => st.call === 'rhashtable_rehash_one' && st.kind === 'store64' && ++published === 3);
    // objs[0] is on the new chain now, and still linked from objs[1]: the unlink is the pending store
    expect(worker.next()).toMatchObject({ addr: objs[1] + HEAD, value: rhtNullsMarker(bkt) });
    const reader = new Stepper(k, 1, t.lookupFast(same[5])); // absent, on the same bucket
    reader.runUntil((st) => st.blocked === true);
    expect(reader.next()).toEqual({
      kind: 'load64',
      addr: bkt,
      size: 8,
      call: 'rhashtable_lookup',
      blocked: true,
      note: `cpu1 in rhashtable_lookup waits to walk bucket 0x${bkt.toString(16)} again: an entry on it is being moved`,
    });
    expect(k.mem.stillBlocked(1, reader.next())).toBe(true);
    worker.resume(); // the unlink: the old chain (three entries left) ends with its own marker again
    expect(t.peek().tables[0].buckets[0]).toHaveLength(3);
    expect(k.mem.stillBlocked(1, reader.next())).toBe(false);
    expect(reader.finish()).toBe(0);
    worker.finish();
    for (const x of same.slice(0, 4)) expect(run(k, t.lookupFast(x))).not.toBe(0);
  });

  it('a lookup without rcu_read_lock that holds the old table across the resize reads freed memory', () => {
    const { w, keys } = resizing();
    const { k, t } = w;
    const old = t.peek().tables[0].addr;
    const reader = new Stepper(k, 1, t.lookup(keys[0])); // no rcu_read_lock
    reader.runUntil((s) => s.kind === 'load32' && s.addr === old + BUCKET_TABLE_SIZE);
    run(k, t.runDeferredWork(), 0);
    run(k, k.rcu.rcuBarrier(), 0);
    expect(reader.finish()).toBe(0); // the key is missed: the poisoned table leads nowhere
    expect(k.violations.map((v) => [v.kind, v.cpu, v.addr])).toEqual([
      ['read-freed', 1, old + BUCKET_TABLE_SIZE],
      ['read-freed', 1, old + BUCKET_TABLE_HASH_RND],
      ['read-unmapped', 1, k.violations[2]?.addr], // a bucket picked with the poisoned size
      ['read-freed', 1, old + BUCKET_TABLE_FUTURE_TBL],
    ]);
  });

  it('with rcu_read_lock the old table outlives the lookup: rcu_barrier waits for it', () => {
    const { w, keys, objs } = resizing();
    const { k, t } = w;
    const old = t.peek().tables[0].addr;
    const reader = new Stepper(k, 1, t.lookupFast(keys[0]));
    reader.runUntil((s) => s.kind === 'load32' && s.addr === old + BUCKET_TABLE_SIZE);
    run(k, t.runDeferredWork(), 0);
    const barrier = new Stepper(k, 0, k.rcu.rcuBarrier());
    barrier.runUntil((s) => s.blocked === true);
    expect(k.mem.stillBlocked(0, barrier.next())).toBe(true);
    expect(reader.finish()).toBe(objs[0]);
    barrier.finish();
    expect(k.slab.objectAt(old)?.freed).toBe(true);
    expect(k.violations).toEqual([]);
  });

  it('an insert while the worker is moving entries goes to the new table and is found', () => {
    const { w, keys } = resizing();
    const { k, t } = w;
    const worker = new Stepper(k, 0, t.runDeferredWork());
    worker.runUntil((s) => s.call === 'rhashtable_rehash_one');
    expect(sizes(t)).toEqual([4, 8]);
    const late = w.obj(key(40));
    expect(run(k, t.insertFast(late), 1)).toBe(0);
    expect(t.peek().tables[1].buckets.flat()).toContain(late);
    worker.finish();
    expect(sizes(t)).toEqual([8]);
    for (const x of [...keys, key(40)]) expect(run(k, t.lookupFast(x), 2)).not.toBe(0);
    expect(t.peek().nelems).toBe(5);
  });

  it('a remove while the worker is moving entries finds the object in either table', () => {
    for (let at = 0; at < 40; at += 3) {
      const { w, keys, objs } = resizing();
      const { k, t } = w;
      const worker = new Stepper(k, 0, t.runDeferredWork());
      for (let n = 0; n < at && !worker.done; n++) worker.resume();
      // the worker holds at most one bucket lock: cpu1 may have to wait for it
      const remover = new Stepper(k, 1, t.removeFast(objs[2]));
      for (let guard = 0; !remover.done && guard < 10_000; guard++) {
        const p = remover.next();
        if (p.blocked && k.mem.stillBlocked(1, p)) worker.resume();
        else remover.resume();
      }
      expect(remover.value).toBe(0);
      if (!worker.done) worker.finish();
      expect(run(k, t.lookupFast(keys[2]), 2)).toBe(0);
      for (const x of [0, 1, 3]) expect(run(k, t.lookupFast(keys[x]), 2)).toBe(objs[x]);
      expect(t.peek().nelems).toBe(3);
    }
  });
});
