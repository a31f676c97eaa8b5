import { describe, expect, it } from 'vitest';
import type { Kernel } from '../kernel/kernel.ts';
import { BUCKET_TABLE_BUCKETS, HASH_DEFAULT_SIZE } from '../kernel/rhashtable.ts';
import type { Addr } from '../kernel/types.ts';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { RHT_MD_FUNC, RHT_MD_PCREF, RHT_MD_SIZE, RHT_MD_USERS } from './layout.ts';
import { RhtStore, rht } from './store.ts';

function setup(n = 70) {
  const k = kernelWith(x86(), n, { pageSize: 4096 });
  const s = new RhtStore(k);
  const ip = (i: number): Addr => k.fn(`f${i}`).ip;
  const get = (i: number): Addr => run(k, s.get(ip(i)));
  const fill = (count: number, from = 0): Addr[] => Array.from({ length: count }, (_, i) => get(from + i));
  const mds = (): Addr[] => s.inspect().entries.map((e) => e.md);
  return { k, s, ip, get, fill, mds };
}

const freed = (k: Kernel, a: Addr): boolean | undefined => k.slab.objectAt(a)?.freed;

describe('rht: create, find, put', () => {
  it('creates, finds, counts and releases through call_rcu, percpu_ref_kill, exit and kfree', () => {
    const { k, s, ip, get } = setup();
    const tbl = s.inspect().arrayBase;
    expect(k.slab.objectAt(tbl)).toMatchObject({ size: BUCKET_TABLE_BUCKETS + 8 * HASH_DEFAULT_SIZE, freed: false });
    const md = get(0);
    expect(k.slab.objectAt(md)).toEqual({ addr: md, size: RHT_MD_SIZE, kind: 'kmalloc', freed: false });
    expect(get(0)).toBe(md);
    expect(run(k, s.find(ip(0)))).toBe(md);
    expect(s.inspect()).toEqual({
      arrayBase: tbl,
      count: 64,
      used: 1,
      order: 0,
      entriesPerPage: 0,
      layout: { size: 80, users: 72, func: 24 },
      entries: [{ md, users: 2, func: ip(0) }],
    });
    expect(run(k, s.trampoline(ip(0), { rcu: true }))).toEqual({ md, users: 2, func: ip(0) });
    run(k, s.put(md));
    expect(s.inspect().entries).toEqual([{ md, users: 1, func: ip(0) }]);
    run(k, s.putByIp(ip(0)));
    expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
    expect(run(k, s.find(ip(0)))).toBe(0);
    // alive until kfunc_md_release_rcu kills the ref after a grace period
    expect(k.percpuRef.peek(md + RHT_MD_PCREF).dead).toBe(false);
    expect(k.rcu.pendingCallbacks('rcu')).toBe(1);
    expect(run(k, k.rcu.invokeCallbacks())).toBe(1);
    expect(freed(k, md)).toBe(true);
    expect(k.warnings).toEqual([]);
    expect(k.violations).toEqual([]);
  });

  it('put_by_ip of an ip without md and put(NULL) change nothing; a put past zero WARNs before locking', () => {
    const { k, s, ip, get } = setup();
    const md = get(1);
    run(k, s.putByIp(ip(0)));
    run(k, s.put(0));
    expect(s.inspect().entries).toEqual([{ md, users: 1, func: ip(1) }]);
    expect(k.warnings).toEqual([]);
    run(k, s.put(md));
    run(k, s.put(md));
    expect(k.warnings.map((w) => w.site)).toEqual(['put-users']);
    run(k, k.rcu.invokeCallbacks());
    run(k, s.put(md));
    expect(k.violations[0]).toMatchObject({ kind: 'read-freed', addr: md + RHT_MD_USERS });
  });

  it('declares no index, any free slot, locks taken by the verbs, only the RCU reader, immediate reuse, per-md allocations', () => {
    expect(rht.declares).toEqual({
      index: 'none',
      slotPolicy: 'any-free',
      locking: { get: 'takes', put: 'takes', put_by_ip: 'takes' },
      readers: { rcu: true, norcu: false },
      reuse: 'immediate',
      allocates: 'array-and-md',
    });
  });
});

describe('rht: the deferred worker resizes without moving an md', () => {
  it('grows 64 → 128 after the 49th md (above 75 %) and shrinks to 64 below 30 %', () => {
    const t = setup();
    const { k, s } = t;
    const all = t.fill(48);
    expect(s.rht.workPending).toBe(false);
    all.push(t.get(48));
    expect(s.rht.workPending).toBe(true);
    const tbl64 = s.inspect().arrayBase;
    expect(run(k, s.rht.runDeferredWork())).toBe(true);
    expect(s.inspect()).toMatchObject({ count: 128, used: 49 });
    expect(t.mds().sort()).toEqual([...all].sort());
    run(k, k.rcu.invokeCallbacks());
    expect(freed(k, tbl64)).toBe(true);
    // 49 → 38 keeps 128 buckets (38 is not below 30 %: floor(128 * 3 / 10) = 38), 37 schedules the shrink
    for (let i = 0; i < 11; i++) run(k, s.putByIp(t.ip(i)));
    expect(s.rht.workPending).toBe(false);
    run(k, s.putByIp(t.ip(11)));
    expect(s.rht.workPending).toBe(true);
    run(k, s.rht.runDeferredWork());
    expect(s.inspect()).toMatchObject({ count: 64, used: 37 });
    expect(t.mds().sort()).toEqual(all.slice(12).sort());
    for (let i = 12; i < 49; i++) expect(run(k, s.find(t.ip(i)))).toBe(all[i]);
  });
});

describe('rht: allocation failures leave the table as it was', () => {
  it('kzalloc of the md fails: NULL', () => {
    const { k, s, ip } = setup();
    const objects = k.slab.list().length;
    k.slab.failNextAllocations(1);
    expect(run(k, s.get(ip(0)))).toBe(0);
    expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
    expect(k.slab.list().length).toBe(objects);
  });

  it("percpu_ref_init fails: the md is kfree'd, NULL", () => {
    const { k, s, ip } = setup();
    const w = new Stepper(k, 0, s.get(ip(0)));
    w.runUntil((st) => st.call === '__alloc_percpu_gfp');
    k.slab.failNextAllocations(1);
    expect(w.finish()).toBe(0);
    expect(k.slab.list().find((o) => o.size === RHT_MD_SIZE)?.freed).toBe(true);
    expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
  });

  it('rhashtable_insert_fast fails above 100 % when the rehash table cannot be allocated: exit, kfree, NULL', () => {
    const t = setup();
    const { k, s } = t;
    const all = t.fill(65);
    const live = k.slab.live;
    const w = new Stepper(k, 0, s.get(t.ip(65)));
    w.runUntil((st) => st.call === 'kvzalloc');
    k.slab.failNextAllocations(1);
    expect(w.finish()).toBe(0);
    const md = k.slab.list().filter((o) => o.size === RHT_MD_SIZE && !all.includes(o.addr));
    expect(md).toMatchObject([{ freed: true }]);
    // and its percpu_ref's counters and data
    expect(k.slab.live).toBe(live);
    expect(s.inspect()).toMatchObject({ count: 64, used: 65 });
    expect(t.mds().sort()).toEqual([...all].sort());
    expect(k.violations).toEqual([]);
  });
});

describe('rht: readers and hazards', () => {
  it('a reader under rcu_read_lock during the deferred rehash finds its md; the old table waits for it', () => {
    const t = setup();
    const { k, s } = t;
    const all = t.fill(49);
    const tbl64 = s.inspect().arrayBase;
    const reader = new Stepper(k, 1, s.trampoline(t.ip(7), { rcu: true }));
    reader.runUntil((st) => st.call === 'rhashtable_lookup' && (st.addr ?? 0) >= tbl64 + BUCKET_TABLE_BUCKETS);
    run(k, s.rht.runDeferredWork(), 2);
    expect(s.inspect().count).toBe(128);
    expect(run(k, k.rcu.invokeCallbacks(), 2)).toBe(0);
    expect(reader.finish()).toEqual({ md: all[7], users: 1, func: t.ip(7) });
    run(k, k.rcu.invokeCallbacks(), 2);
    expect(freed(k, tbl64)).toBe(true);
    expect(k.violations).toEqual([]);
  });

  it('a reader under rcu_read_lock holding an md across its last put sees users 0; the free waits for it', () => {
    const { k, s, ip, get } = setup();
    const md = get(0);
    const reader = new Stepper(k, 1, s.trampoline(ip(0), { rcu: true }));
    reader.runUntil((st) => st.addr === md + RHT_MD_USERS);
    run(k, s.put(md));
    expect(run(k, k.rcu.invokeCallbacks())).toBe(0);
    expect(reader.finish()).toEqual({ md, users: 0, func: ip(0) });
    run(k, k.rcu.invokeCallbacks());
    expect(freed(k, md)).toBe(true);
    expect(k.violations).toEqual([]);
  });

  it('no RCU Tasks period in the release: a reader without rcu_read_lock (not offered) reads a freed md', () => {
    const { k, s, ip, get } = setup();
    const md = get(0);
    const reader = new Stepper(k, 1, s.trampoline(ip(0), { rcu: false }));
    reader.runUntil((st) => st.addr === md + RHT_MD_USERS);
    run(k, s.put(md));
    expect(run(k, k.rcu.invokeCallbacks())).toBe(1);
    reader.finish();
    expect(k.violations[0]).toMatchObject({ kind: 'read-freed', addr: md + RHT_MD_USERS, cpu: 1 });
  });

  it('two racing last puts both pass the unlocked WARN check: users wraps to 65535, no WARN', () => {
    const { k, s, get } = setup();
    const md = get(0);
    const a = new Stepper(k, 0, s.put(md));
    const b = new Stepper(k, 1, s.put(md));
    a.runUntil((st) => st.kind === 'mutex_lock');
    b.runUntil((st) => st.kind === 'mutex_lock');
    a.finish();
    b.finish();
    expect(k.warnings).toEqual([]);
    expect(k.mem.peek32(md + RHT_MD_USERS) & 0xffff).toBe(65535);
    expect(k.mem.peek64(md + RHT_MD_FUNC)).not.toBe(0);
  });
});
