import type { Kernel } from './kernel.ts';
import { hex } from './le.ts';
import { RCU_HEAD_SIZE } from './rcu-flavours.ts';
import type { RcuCallback } from './rcu-flavours.ts';
import { E2BIG, EAGAIN, EEXIST, ENOENT, ENOMEM } from './types.ts';
import type { Addr, Op } from './types.ts';

/** sizeof(struct rhashtable) in the simulation: tbl, then nelems */
export const RHASHTABLE_SIZE = 16;
/** offsetof(struct rhashtable, tbl): the current struct bucket_table (RCU) */
export const RHT_TBL = 0;
/** offsetof(struct rhashtable, nelems): atomic_t */
export const RHT_NELEMS = 8;
/** offsetof(struct bucket_table, size) */
export const BUCKET_TABLE_SIZE = 0;
/** offsetof(struct bucket_table, hash_rnd) */
export const BUCKET_TABLE_HASH_RND = 4;
/** offsetof(struct bucket_table, future_tbl): the table a resize moves the entries to (RCU) */
export const BUCKET_TABLE_FUTURE_TBL = 8;
/** offsetof(struct bucket_table, rcu): the rcu_head the old table is freed through */
export const BUCKET_TABLE_RCU = 16;
/** offsetof(struct bucket_table, buckets): `size` bucket heads, NULL when empty */
export const BUCKET_TABLE_BUCKETS = BUCKET_TABLE_RCU + RCU_HEAD_SIZE;
/** HASH_DEFAULT_SIZE: the bucket count without a hint */
export const HASH_DEFAULT_SIZE = 64;
/** HASH_MIN_SIZE: the smallest bucket count (and min_size's default) */
export const HASH_MIN_SIZE = 4;

/** struct rhashtable_params, the parts the simulation uses. The key is a u64 (key_len 8): a function address, say. */
export interface RhashtableParams {
  /** key_offset: where the u64 key sits in an object */
  readonly keyOffset: number;
  /** head_offset: where the struct rhash_head (one next pointer) sits in an object */
  readonly headOffset: number;
  /** nelem_hint: the initial bucket count is roundup_pow_of_two(hint * 4 / 3) */
  readonly nelemHint?: number;
  /** min_size (HASH_MIN_SIZE by default) */
  readonly minSize?: number;
  /** max_size (0: none); it also caps nelems at 2 * max_size */
  readonly maxSize?: number;
  /** automatic_shrinking: a remove below 30 % schedules a shrink */
  readonly automaticShrinking?: boolean;
}

/** One bucket table as the harness sees it (peeks: no step). */
export interface BucketTableView {
  readonly addr: Addr;
  readonly size: number;
  readonly hashRnd: number;
  /** for each bucket, the objects on its chain, in chain order */
  readonly buckets: readonly (readonly Addr[])[];
}

/** RHT_NULLS_MARKER(bkt): what ends the chain of the bucket at `bkt` (bucket addresses are 8-aligned). */
export function rhtNullsMarker(bkt: Addr): number {
  return bkt + 1;
}

/** rht_is_a_nulls(ptr) */
export function rhtIsANulls(ptr: number): boolean {
  return ptr % 2 === 1;
}

/**
 * The hash of a u64 key with a table's hash_rnd. The kernel uses jhash2 (or params->hashfn,
 * hash_ptr for kfunc_md); this is murmur3's 32-bit finaliser over the key's two halves and the
 * seed: deterministic and good in its low bits, which pick the bucket (hash & (size - 1)).
 */
export function rhtHash(key: number, hashRnd: number): number {
  const lo = key >>> 0;
  const hi = Math.floor(key / 2 ** 32) >>> 0;
  let h = (lo ^ Math.imul(hi, 0x9e3779b1) ^ hashRnd) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

interface Geometry {
  readonly size: number;
  readonly rnd: number;
}

/**
 * A resizable RCU hash table with the rhashtable's observable behaviour (lib/rhashtable.c,
 * include/linux/rhashtable.h), in simulated memory: `struct rhashtable` at `ht` (tbl, nelems),
 * kvzalloc'ed bucket tables (size, hash_rnd, future_tbl, an rcu_head, the buckets), chains of
 * struct rhash_head embedded in the caller's objects and ended by the bucket's nulls marker.
 * Every field access is a step; bucket locks and ht->mutex are mutexes
 * (`rht_lock@<bucket>`, `rhashtable.mutex@<ht>`).
 *
 * - rhashtable_lookup (under the caller's rcu_read_lock): walks the key's bucket in ht->tbl,
 *   restarts the bucket when the walk ends at another bucket's nulls marker (an entry moved under
 *   it), then follows future_tbl: a lookup during a resize finds every entry in one of the tables.
 * - rhashtable_insert_fast / rhashtable_lookup_insert_fast: under rcu_read_lock and the bucket
 *   lock, at the head of the chain, nelems++, and schedule_work when above 75 %. With a resize in
 *   progress, or above 100 %, the slow path inserts into the newest table, attaching a new one
 *   first (rhashtable_insert_rehash) when needed. -E2BIG at 2 * max_size; -EEXIST for a duplicate
 *   key (lookup_insert only: insert_fast does not check).
 * - rhashtable_remove_fast: unlinks from whichever table holds the object, nelems--, and with
 *   automatic_shrinking schedules work below 30 %.
 * - rht_deferred_worker (runDeferredWork): under ht->mutex, grows to double above 75 % or
 *   shrinks, attaches the new table (cmpxchg of future_tbl), moves the entries one by one (the
 *   last of each old chain to the head of its new bucket, published before it is unlinked from
 *   the old chain), publishes the new table in ht->tbl and frees the old one with call_rcu.
 *
 * Simplifications: schedule_work sets `workPending` and queues the worker on the kernel's
 * workqueue; it runs when someone calls runDeferredWork or flushes the workqueue (the harness's
 * `quiesce`, a test), as RCU callbacks run when someone invokes
 * them. No elasticity limit (a long chain does not force a rehash), no nested tables, no walkers,
 * no rhltable; hash_rnd comes from a counter, not get_random_u32, so runs replay; keys are u64.
 */
export class Rhashtable {
  /** run_work has been scheduled (schedule_work) and not run yet */
  workPending = false;
  /** bucket tables allocated so far (each gets the next hash_rnd) */
  private tables = 0;
  private readonly freeTable: RcuCallback;
  private readonly minSize: number;
  private readonly maxSize: number;

  constructor(
    private readonly kernel: Pick<Kernel, 'mem' | 'slab' | 'rcu'> & Partial<Pick<Kernel, 'workqueue'>>,
    /** the struct rhashtable (RHASHTABLE_SIZE bytes) */
    readonly ht: Addr,
    readonly params: RhashtableParams,
  ) {
    this.minSize = Math.max(params.minSize ?? HASH_MIN_SIZE, HASH_MIN_SIZE);
    this.maxSize = params.maxSize ?? 0;
    const slab = kernel.slab;
    // bucket_table_free_rcu
    this.freeTable = function* (head: Addr): Op<void> {
      yield* slab.kvfree(head - BUCKET_TABLE_RCU);
    };
  }

  /** &ht->tbl */
  private get tblPtr(): Addr {
    // Stryker disable next-line ArithmeticOperator: tbl is at offset 0, so ht - 0 is an equivalent mutant
    return this.ht + RHT_TBL;
  }

  /** ht->mutex */
  get mutex(): string {
    return `rhashtable.mutex@${hex(this.ht)}`;
  }

  /** the bucket lock of the bucket at `bkt` */
  static bucketLock(bkt: Addr): string {
    return `rht_lock@${hex(bkt)}`;
  }

  // ---- setup and teardown ------------------------------------------------------------------------

  /** rhashtable_init(ht, params): 0, or -ENOMEM when the first bucket table cannot be allocated. */
  *init(): Op<number> {
    const hint = this.params.nelemHint ?? 0;
    const size = Math.max(hint > 0 ? roundupPowOfTwo(Math.floor((hint * 4) / 3)) : HASH_DEFAULT_SIZE, this.minSize);
    const tbl = yield* this.bucketTableAlloc(size);
    if (tbl === 0) return -ENOMEM;
    yield* this.kernel.mem.storeAs('rhashtable_init', this.ht + RHT_NELEMS, 0, 4);
    yield* this.kernel.mem.storeAs('rhashtable_init', this.tblPtr, tbl);
    return 0;
  }

  /**
   * rhashtable_free_and_destroy(ht, free_fn, arg): cancels the pending work, then under ht->mutex
   * calls `free` on every object of every table and frees the tables.
   */
  *destroy(free?: (obj: Addr) => Op<void>): Op<void> {
    const call = 'rhashtable_free_and_destroy';
    const mem = this.kernel.mem;
    this.workPending = false;
    yield* mem.mutexLock(this.mutex);
    for (let tbl = yield* mem.loadAs(call, this.tblPtr); tbl !== 0;) {
      const g = yield* this.geometry(call, tbl);
      if (free) {
        for (let i = 0; i < g.size; i++) {
          const bkt = bucketAt(tbl, i);
          for (let he = rhtPtr(yield* mem.loadAs(call, bkt), bkt); !end(he);) {
            const next = link(yield* mem.loadAs(call, he));
            yield* free(he - this.params.headOffset);
            he = next;
          }
        }
      }
      const next = yield* mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL);
      yield* this.kernel.slab.kvfree(tbl);
      tbl = next;
    }
    yield* mem.mutexUnlock(this.mutex);
  }

  // ---- lookups ---------------------------------------------------------------------------------

  /** rhashtable_lookup(ht, key, params): the object with `key`, or 0; the caller holds rcu_read_lock(). */
  *lookup(key: number): Op<Addr> {
    const call = 'rhashtable_lookup';
    const mem = this.kernel.mem;
    for (let tbl = link(yield* mem.loadAs(call, this.tblPtr)); tbl !== 0;) {
      const g = yield* this.geometry(call, tbl);
      const bkt = this.bucket(tbl, g, key);
      for (;;) {
        let he = rhtPtr(yield* mem.loadAs(call, bkt), bkt);
        for (; !end(he); he = link(yield* mem.loadAs(call, he))) {
          if ((yield* mem.loadAs(call, this.keyOf(he))) === key) return he - this.params.headOffset;
        }
        if (he === 0 || he === rhtNullsMarker(bkt)) break;
        // an entry moved to another chain while we walked it: walk this bucket again, once the
        // mover has unlinked it (the kernel spins on the loads; here that is one blocked step)
        const cpu = mem.currentCpu;
        yield* mem.blockWhile(
          () => this.endsElsewhere(bkt),
          () => ({
            kind: 'load64',
            addr: bkt,
            size: 8,
            call,
            note: `cpu${cpu} in rhashtable_lookup waits to walk bucket ${hex(bkt)} again: an entry on it is being moved`,
          }),
        );
      }
      tbl = link(yield* mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL));
    }
    return 0;
  }

  /** rhashtable_lookup_fast(ht, key, params): rhashtable_lookup inside its own rcu_read_lock(). */
  *lookupFast(key: number): Op<Addr> {
    yield* this.kernel.mem.rcuReadLock();
    const obj = yield* this.lookup(key);
    yield* this.kernel.mem.rcuReadUnlock();
    return obj;
  }

  // ---- updates ---------------------------------------------------------------------------------

  /** rhashtable_insert_fast(ht, &obj->head, params): 0, -ENOMEM or -E2BIG; no duplicate check. */
  insertFast(obj: Addr): Op<number> {
    return this.insert('rhashtable_insert_fast', obj, false);
  }

  /** rhashtable_lookup_insert_fast(ht, &obj->head, params): like insert_fast, -EEXIST when the key is there. */
  lookupInsertFast(obj: Addr): Op<number> {
    return this.insert('rhashtable_lookup_insert_fast', obj, true);
  }

  /** rhashtable_remove_fast(ht, &obj->head, params): 0, or -ENOENT when the object is in no table. */
  *removeFast(obj: Addr): Op<number> {
    const call = 'rhashtable_remove_fast';
    const mem = this.kernel.mem;
    yield* mem.rcuReadLock();
    let tbl = yield* mem.loadAs(call, this.tblPtr);
    let found = yield* this.removeOne(call, tbl, obj);
    // not in this table: it can only be in a newer one (the bucket lock was taken and released)
    while (!found && (tbl = yield* mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL)) !== 0)
      found = yield* this.removeOne(call, tbl, obj);
    yield* mem.rcuReadUnlock();
    return found ? 0 : -ENOENT;
  }

  /** schedule_work(&ht->run_work): on the kernel's workqueue when there is one (the harness flushes it) */
  private scheduleWork(): void {
    this.workPending = true;
    this.kernel.workqueue?.schedule(`rht_deferred_worker@${this.ht.toString(16)}`, () => this.runDeferredWork());
  }

  /** The deferred resize (rht_deferred_worker), if schedule_work queued it; returns whether it ran. */
  *runDeferredWork(): Op<boolean> {
    if (!this.workPending) return false;
    this.workPending = false;
    yield* this.deferredWorker();
    return true;
  }

  // ---- for the harness ---------------------------------------------------------------------------

  /** The table chain from ht->tbl through future_tbl, and nelems, read with peeks. */
  peek(): { readonly nelems: number; readonly tables: readonly BucketTableView[] } {
    const m = this.kernel.mem;
    const tables: BucketTableView[] = [];
    // a freed table stays mapped (poisoned): only NULL ends the chain
    for (let tbl = m.peek64(this.tblPtr); tbl !== 0;) {
      const size = m.peek32(sizeField(tbl));
      const buckets: Addr[][] = [];
      for (let i = 0; i < size; i++) {
        const chain: Addr[] = [];
        const bkt = bucketAt(tbl, i);
        for (let he = rhtPtr(m.peek64(bkt), bkt); !end(he) && m.isMapped(he, 8); he = m.peek64(he))
          chain.push(he - this.params.headOffset);
        buckets.push(chain);
      }
      tables.push({ addr: tbl, size, hashRnd: m.peek32(tbl + BUCKET_TABLE_HASH_RND), buckets });
      tbl = m.peek64(tbl + BUCKET_TABLE_FUTURE_TBL);
    }
    return { nelems: m.peek32(this.ht + RHT_NELEMS), tables };
  }

  /** Whether a walk of the chain at `bkt` would now end at another bucket's nulls marker (read with peeks). */
  private endsElsewhere(bkt: Addr): boolean {
    const m = this.kernel.mem;
    let he = rhtPtr(m.peek64(bkt), bkt);
    // Stryker disable next-line EqualityOperator,UpdateOperator: the bound only stops a corrupted, cyclic chain
    for (let n = 0; !end(he) && n < 1_000_000; n++) he = m.isMapped(he, 8) ? link(m.peek64(he)) : 0;
    return !end(he) || (he !== 0 && he !== rhtNullsMarker(bkt));
  }

  // ---- internals: inserting ----------------------------------------------------------------------

  private *insert(call: string, obj: Addr, unique: boolean): Op<number> {
    const mem = this.kernel.mem;
    yield* mem.rcuReadLock();
    const tbl = yield* mem.loadAs(call, this.tblPtr);
    const g = yield* this.geometry(call, tbl);
    const key = yield* mem.loadAs(call, obj + this.params.keyOffset);
    const bkt = this.bucket(tbl, g, key);
    yield* mem.mutexLock(Rhashtable.bucketLock(bkt));
    // a resize in progress sends every insert to the newest table: the slow path
    const resizing = (yield* mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL)) !== 0;
    const r = resizing ? -EAGAIN : yield* this.insertOne(call, g, bkt, key, obj, unique);
    yield* mem.mutexUnlock(Rhashtable.bucketLock(bkt));
    yield* mem.rcuReadUnlock();
    return r === -EAGAIN ? yield* this.insertSlow(obj, unique) : r;
  }

  /**
   * With the bucket lock held: -EEXIST for a duplicate (when `unique`), -E2BIG at the cap,
   * -EAGAIN above 100 %, else inserts at the head of the chain and returns 0.
   */
  private *insertOne(call: string, g: Geometry, bkt: Addr, key: number, obj: Addr, unique: boolean): Op<number> {
    const mem = this.kernel.mem;
    const first = rhtPtr(yield* mem.loadAs(call, bkt), bkt);
    if (unique && (yield* this.findIn(call, first, key))) return -EEXIST;
    const nelems = yield* mem.loadAs(call, this.ht + RHT_NELEMS, 4);
    if (nelems >= this.maxElems) return -E2BIG;
    if (this.growAbove100(nelems, g.size)) return -EAGAIN;
    yield* mem.storeAs(call, obj + this.params.headOffset, first);
    const n = 1 + (yield* mem.atomicAdd('atomic_inc', this.ht + RHT_NELEMS, 1));
    yield* mem.storeAs(call, bkt, obj + this.params.headOffset);
    if (this.growAbove75(n, g.size)) this.scheduleWork();
    return 0;
  }

  /** rhashtable_insert_slow: rhashtable_try_insert inside rcu_read_lock(), again while it says -EAGAIN. */
  private *insertSlow(obj: Addr, unique: boolean): Op<number> {
    const mem = this.kernel.mem;
    for (;;) {
      yield* mem.rcuReadLock();
      const r = yield* this.tryInsert(obj, unique);
      yield* mem.rcuReadUnlock();
      if (r !== -EAGAIN) return r;
    }
  }

  /** rhashtable_try_insert: into the newest table; above 100 % attach a bigger one first (rhashtable_insert_rehash). */
  private *tryInsert(obj: Addr, unique: boolean): Op<number> {
    const call = 'rhashtable_insert_slow';
    const mem = this.kernel.mem;
    const key = yield* mem.loadAs(call, obj + this.params.keyOffset);
    for (let tbl = yield* mem.loadAs(call, this.tblPtr); ;) {
      const g = yield* this.geometry(call, tbl);
      const bkt = this.bucket(tbl, g, key);
      yield* mem.mutexLock(Rhashtable.bucketLock(bkt));
      const future = yield* mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL);
      let r: number;
      if (future === 0) r = yield* this.insertOne(call, g, bkt, key, obj, unique);
      else if (unique && (yield* this.findIn(call, rhtPtr(yield* mem.loadAs(call, bkt), bkt), key))) r = -EEXIST;
      else r = 0;
      yield* mem.mutexUnlock(Rhashtable.bucketLock(bkt));
      if (r === -EAGAIN) return (yield* this.insertRehash(tbl)) || -EAGAIN;
      if (future === 0 || r !== 0) return r;
      tbl = future;
    }
  }

  /** whether `key` is on the chain that starts at `he` */
  private *findIn(call: string, he: number, key: number): Op<boolean> {
    const mem = this.kernel.mem;
    for (; !end(he); he = link(yield* mem.loadAs(call, he)))
      if ((yield* mem.loadAs(call, this.keyOf(he))) === key) return true;
    return false;
  }

  /**
   * rhashtable_insert_rehash(ht, tbl): attach a table of double size to `tbl` (the newest) and
   * schedule the worker to move the entries. Losing the attach to someone else is fine (0); a
   * failed allocation is -ENOMEM, with the worker scheduled to retry, unless another table got
   * attached meanwhile. (The kernel's same-size rehash for an over-long chain, and its -EBUSY,
   * come with the elasticity limit, which is not modelled: here -EAGAIN only ever means above
   * 100 %, which is above 75 %.)
   */
  private *insertRehash(tbl: Addr): Op<number> {
    const call = 'rhashtable_insert_rehash';
    const g = yield* this.geometry(call, tbl);
    const next = yield* this.bucketTableAlloc(g.size * 2);
    if (next !== 0) {
      if ((yield* this.attach(tbl, next)) === 0) this.scheduleWork();
      else yield* this.kernel.slab.kvfree(next);
      return 0;
    }
    // do not fail the insert if someone else did a rehash
    if ((yield* this.kernel.mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL)) !== 0) return 0;
    this.scheduleWork();
    return -ENOMEM;
  }

  // ---- internals: removing -----------------------------------------------------------------------

  private *removeOne(call: string, tbl: Addr, obj: Addr): Op<boolean> {
    const mem = this.kernel.mem;
    const g = yield* this.geometry(call, tbl);
    const bkt = this.bucket(tbl, g, yield* mem.loadAs(call, obj + this.params.keyOffset));
    const target = obj + this.params.headOffset;
    yield* mem.mutexLock(Rhashtable.bucketLock(bkt));
    let pprev = bkt;
    for (let he = rhtPtr(yield* mem.loadAs(call, bkt), bkt); !end(he);) {
      const next = link(yield* mem.loadAs(call, he));
      if (he !== target) {
        pprev = he;
        he = next;
        continue;
      }
      // the bucket itself holds NULL for an empty chain, an entry's next the nulls marker
      yield* mem.storeAs(call, pprev, pprev === bkt && rhtIsANulls(next) ? 0 : next);
      yield* mem.mutexUnlock(Rhashtable.bucketLock(bkt));
      const n = (yield* mem.atomicAdd('atomic_dec', this.ht + RHT_NELEMS, -1)) - 1;
      if (this.params.automaticShrinking === true && this.shrinkBelow30(n, g.size)) this.scheduleWork();
      return true;
    }
    yield* mem.mutexUnlock(Rhashtable.bucketLock(bkt));
    return false;
  }

  // ---- internals: resizing -----------------------------------------------------------------------

  /** rht_deferred_worker */
  private *deferredWorker(): Op<void> {
    const call = 'rht_deferred_worker';
    const mem = this.kernel.mem;
    yield* mem.mutexLock(this.mutex);
    let tbl = yield* mem.loadAs(call, this.tblPtr);
    for (let f = yield* mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL); f !== 0;) {
      tbl = f; // rhashtable_last_table
      f = yield* mem.loadAs(call, tbl + BUCKET_TABLE_FUTURE_TBL);
    }
    const nelems = yield* mem.loadAs(call, this.ht + RHT_NELEMS, 4);
    const g = yield* this.geometry(call, tbl);
    let err = 0;
    if (this.growAbove75(nelems, g.size)) err = yield* this.rehashAlloc(tbl, g.size * 2);
    else if (this.params.automaticShrinking === true && this.shrinkBelow30(nelems, g.size)) err = yield* this.shrink();
    if (err === 0 || err === -EEXIST) {
      const nerr = yield* this.rehashTable();
      err = err || nerr;
    }
    yield* mem.mutexUnlock(this.mutex);
    if (err !== 0) this.scheduleWork();
  }

  /** rhashtable_shrink: to roundup_pow_of_two(nelems * 3 / 2), at least min_size */
  private *shrink(): Op<number> {
    const call = 'rhashtable_shrink';
    const mem = this.kernel.mem;
    const old = yield* mem.loadAs(call, this.tblPtr);
    const nelems = yield* mem.loadAs(call, this.ht + RHT_NELEMS, 4);
    // (the kernel also returns 0 when the table is no bigger than that: after rht_shrink_below_30
    // it always is, so that test is left out)
    const size = Math.max(roundupPowOfTwo(Math.floor((nelems * 3) / 2)), this.minSize);
    if ((yield* mem.loadAs(call, old + BUCKET_TABLE_FUTURE_TBL)) !== 0) return -EEXIST;
    return yield* this.rehashAlloc(old, size);
  }

  /** rhashtable_rehash_alloc: a new table of `size`, attached to `old` */
  private *rehashAlloc(old: Addr, size: number): Op<number> {
    const next = yield* this.bucketTableAlloc(size);
    // Stryker disable next-line UnaryOperator: the worker tells only 0 and -EEXIST apart
    if (next === 0) return -ENOMEM;
    const err = yield* this.attach(old, next);
    if (err !== 0) yield* this.kernel.slab.kvfree(next);
    return err;
  }

  /** rhashtable_rehash_attach: cmpxchg(&old->future_tbl, NULL, next); -EEXIST if another table is attached already */
  private *attach(old: Addr, next: Addr): Op<number> {
    const was = yield* this.kernel.mem.atomic64('cmpxchg', old + BUCKET_TABLE_FUTURE_TBL, next, (v) =>
      v === 0 ? next : undefined,
    );
    return was === 0 ? 0 : -EEXIST;
  }

  /** rhashtable_rehash_table: move every chain, publish the new table, free the old one after a grace period */
  private *rehashTable(): Op<number> {
    const call = 'rhashtable_rehash_table';
    const mem = this.kernel.mem;
    const old = yield* mem.loadAs(call, this.tblPtr);
    const next = yield* mem.loadAs(call, old + BUCKET_TABLE_FUTURE_TBL);
    if (next === 0) return 0;
    const og = yield* this.geometry(call, old);
    const ng = yield* this.geometry(call, next);
    for (let i = 0; i < og.size; i++) {
      const bkt = bucketAt(old, i);
      yield* mem.mutexLock(Rhashtable.bucketLock(bkt));
      while (yield* this.rehashOne(bkt, next, ng));
      yield* mem.mutexUnlock(Rhashtable.bucketLock(bkt));
    }
    yield* mem.storeAs(call, this.tblPtr, next);
    yield* this.kernel.rcu.call('rcu', old + BUCKET_TABLE_RCU, this.freeTable);
    return (yield* mem.loadAs(call, next + BUCKET_TABLE_FUTURE_TBL)) !== 0 ? -EAGAIN : 0;
  }

  /**
   * rhashtable_rehash_one: moves the last entry of the chain at `bkt` to the head of its bucket in
   * `next` (published there first), then unlinks it from the old chain; false once the chain is empty.
   */
  private *rehashOne(bkt: Addr, next: Addr, ng: Geometry): Op<boolean> {
    const call = 'rhashtable_rehash_one';
    const mem = this.kernel.mem;
    let entry = rhtPtr(yield* mem.loadAs(call, bkt), bkt);
    if (end(entry)) return false;
    let pprev = 0;
    let after: number;
    for (;;) {
      after = link(yield* mem.loadAs(call, entry));
      if (end(after)) break;
      pprev = entry;
      entry = after;
    }
    const nb = this.bucket(next, ng, yield* mem.loadAs(call, this.keyOf(entry)));
    yield* mem.mutexLock(Rhashtable.bucketLock(nb));
    const head = rhtPtr(yield* mem.loadAs(call, nb), nb);
    yield* mem.storeAs(call, entry, head);
    yield* mem.storeAs(call, nb, entry);
    yield* mem.mutexUnlock(Rhashtable.bucketLock(nb));
    if (pprev !== 0) yield* mem.storeAs(call, pprev, after);
    else yield* mem.storeAs(call, bkt, 0);
    return true;
  }

  // ---- internals: tables -------------------------------------------------------------------------

  /** bucket_table_alloc: kvzalloc'ed (every bucket NULL: empty), then size and hash_rnd; 0 on failure */
  private *bucketTableAlloc(size: number): Op<Addr> {
    const call = 'bucket_table_alloc';
    const tbl = yield* this.kernel.slab.kvzalloc(BUCKET_TABLE_BUCKETS + 8 * size);
    if (tbl === 0) return 0;
    yield* this.kernel.mem.storeAs(call, sizeField(tbl), size, 4);
    yield* this.kernel.mem.storeAs(call, tbl + BUCKET_TABLE_HASH_RND, hashRndOf(++this.tables), 4);
    return tbl;
  }

  private *geometry(call: string, tbl: Addr): Op<Geometry> {
    const size = yield* this.kernel.mem.loadAs(call, sizeField(tbl), 4);
    const rnd = yield* this.kernel.mem.loadAs(call, tbl + BUCKET_TABLE_HASH_RND, 4);
    return { size, rnd };
  }

  private bucket(tbl: Addr, g: Geometry, key: number): Addr {
    return bucketAt(tbl, rhtHash(key, g.rnd) & (g.size - 1));
  }

  private keyOf(he: Addr): Addr {
    return he - this.params.headOffset + this.params.keyOffset;
  }

  private get maxElems(): number {
    return this.maxSize > 0 ? this.maxSize * 2 : 2 ** 31;
  }

  /** rht_grow_above_75 */
  private growAbove75(nelems: number, size: number): boolean {
    return nelems > Math.floor(size / 4) * 3 && (this.maxSize === 0 || size < this.maxSize);
  }

  /** rht_grow_above_100 */
  private growAbove100(nelems: number, size: number): boolean {
    return nelems > size && (this.maxSize === 0 || size < this.maxSize);
  }

  /** rht_shrink_below_30 */
  private shrinkBelow30(nelems: number, size: number): boolean {
    return nelems < Math.floor((size * 3) / 10) && size > this.minSize;
  }
}

/** &tbl->size */
function sizeField(tbl: Addr): Addr {
  // Stryker disable next-line ArithmeticOperator: size is at offset 0, so tbl - 0 is an equivalent mutant
  return tbl + BUCKET_TABLE_SIZE;
}

function bucketAt(tbl: Addr, i: number): Addr {
  return tbl + BUCKET_TABLE_BUCKETS + 8 * i;
}

/** rht_ptr: an empty (NULL) bucket reads as its own nulls marker */
function rhtPtr(v: number, bkt: Addr): number {
  return v === 0 ? rhtNullsMarker(bkt) : link(v);
}

/** the end of a walk: a nulls marker, or NULL read from garbage (the read already was a violation) */
function end(he: number): boolean {
  return he === 0 || rhtIsANulls(he);
}

/** a link as loaded (load64: never negative); garbage (poison beyond 2^53) ends the walk like NULL */
function link(v: number): number {
  return Number.isSafeInteger(v) ? v : 0;
}

/** roundup_pow_of_two(n); 1 for 0 */
function roundupPowOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(n, 1)));
}

/** hash_rnd of the n-th table: a fixed sequence instead of get_random_u32 */
function hashRndOf(n: number): number {
  return Math.imul(n, 0x9e3779b9) >>> 0;
}
