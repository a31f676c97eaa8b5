import { describe, expect, it } from 'vitest';
import type { Kernel } from '../kernel/kernel.ts';
import { LIST_POISON2 } from '../kernel/rcu-hlist.ts';
import type { Addr, Step } from '../kernel/types.ts';
import { kernelWith, run, staticAddrOf, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { hashPtr } from './hash.ts';
import { LIST_POISON1 } from './hlist.ts';
import { JUL25_MD_FUNC, JUL25_MD_PCREF, JUL25_MD_SIZE, JUL25_MD_USERS, kfuncMdArraySize } from './layout.ts';
import { Jul25Store, jul25 } from './store.ts';

function setup(n = 40) {
  const k = kernelWith(x86(), n, { pageSize: 4096 });
  const s = new Jul25Store(k);
  const ip = (i: number): Addr => k.fn(`f${i}`).ip;
  const get = (i: number): Addr => run(k, s.get(ip(i)));
  const mds = (): Addr[] => s.inspect().entries.map((e) => e.md);
  return { k, s, ip, get, mds };
}

/** get f0..f(n-1) */
function fill(t: ReturnType<typeof setup>, n: number, from = 0): Addr[] {
  return Array.from({ length: n }, (_, i) => t.get(from + i));
}

const freed = (k: Kernel, a: Addr): boolean | undefined => k.slab.objectAt(a)?.freed;
const isKzallocOf =
  (size: number) =>
  (st: Step): boolean =>
    st.kind === 'alloc_pages' && st.call === 'kzalloc' && st.size === size;

describe('jul25: create, find, put', () => {
  it('creates, finds, counts and releases through percpu_ref_kill, RCU Tasks Trace, RCU Tasks, kfree', () => {
    const { k, s, ip, get } = setup();
    const md = get(0);
    expect(k.slab.objectAt(md)).toEqual({ addr: md, size: JUL25_MD_SIZE, kind: 'kmalloc', freed: false });
    expect(run(k, s.find(ip(0)))).toBe(md);
    expect(get(0)).toBe(md);
    expect(s.inspect()).toEqual({
      arrayBase: staticAddrOf(k, 'default_mds'),
      count: 16,
      used: 1,
      order: 0,
      entriesPerPage: 0,
      layout: { size: 88, users: 80, func: 32 },
      entries: [{ md, users: 2, func: ip(0) }],
    });
    for (const rcu of [true, false])
      expect(run(k, s.trampoline(ip(0), { rcu }))).toEqual({ md, users: 2, func: ip(0) });
    run(k, s.put(md));
    expect(s.inspect().entries).toEqual([{ md, users: 1, func: ip(0) }]);
    run(k, s.putByIp(ip(0)));
    expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
    expect(run(k, s.find(ip(0)))).toBe(0);
    // killed and exited, waiting for the two grace periods
    expect(k.percpuRef.peek(md + JUL25_MD_PCREF)).toMatchObject({ percpu: 0, data: 0, dead: true });
    expect(k.rcu.pendingCallbacks('rcu_tasks_trace')).toBe(1);
    expect(freed(k, md)).toBe(false);
    expect(run(k, k.rcu.invokeCallbacks())).toBe(2);
    expect(freed(k, md)).toBe(true);
    expect(k.warnings).toEqual([]);
    expect(k.violations).toEqual([]);
  });

  it('put_by_ip of an ip without md, put(NULL) and a miss change nothing', () => {
    const { k, s, ip, get } = setup();
    const md = get(1);
    run(k, s.putByIp(ip(0)));
    run(k, s.put(0));
    expect(run(k, s.trampoline(ip(0), { rcu: true }))).toEqual({ md: 0, users: 0, func: 0 });
    expect(s.inspect().entries).toEqual([{ md, users: 1, func: ip(1) }]);
    expect(k.warnings).toEqual([]);
  });

  it('a put past zero WARNs (put-users) before locking; once the md is freed it is a use-after-free', () => {
    const { k, s, get } = setup();
    const md = get(0);
    run(k, s.put(md));
    run(k, s.put(md));
    expect(k.warnings.map((w) => w.site)).toEqual(['put-users']);
    expect(k.rcu.pendingCallbacks()).toBe(1);
    run(k, k.rcu.invokeCallbacks());
    run(k, s.put(md));
    expect(k.violations[0]).toMatchObject({ kind: 'read-freed', addr: md + JUL25_MD_USERS });
  });

  it('declares no index, any free slot, locks taken by the verbs, both readers, immediate reuse, per-md allocations', () => {
    expect(jul25.declares).toEqual({
      index: 'none',
      slotPolicy: 'any-free',
      locking: { get: 'takes', put: 'takes', put_by_ip: 'takes' },
      readers: { rcu: true, norcu: true },
      reuse: 'immediate',
      allocates: 'array-and-md',
    });
  });
});

describe('jul25: growth and shrink re-create every md', () => {
  it('grows 16 → 32 at the 16th md (used 15: 150 >= 144) with new objects; the old ones die, default_mds stays', () => {
    const t = setup();
    const { k, s } = t;
    const old = fill(t, 14);
    t.get(0);
    old.push(t.get(14));
    expect(s.inspect()).toMatchObject({ count: 16, used: 15 });
    const md15 = t.get(15);
    const v = s.inspect();
    expect(v).toMatchObject({ count: 32, used: 16 });
    expect(v.arrayBase).not.toBe(staticAddrOf(k, 'default_mds'));
    expect(k.slab.objectAt(v.arrayBase)).toMatchObject({ size: kfuncMdArraySize(5), freed: false });
    expect(v.entries.map((e) => e.func).sort()).toEqual(Array.from({ length: 16 }, (_, i) => t.ip(i)).sort());
    // the copies carry the users counts: f0 has two
    expect(v.entries.map((e) => (e.func === t.ip(0) ? e.users - 1 : e.users))).toEqual(new Array<number>(16).fill(1));
    expect(t.mds().filter((m) => old.includes(m))).toEqual([]);
    expect(t.mds()).toContain(md15);
    expect(old.every((m) => k.percpuRef.peek(m + JUL25_MD_PCREF).dead)).toBe(true);
    run(k, k.rcu.invokeCallbacks());
    expect(old.every((m) => freed(k, m))).toBe(true);
    expect(k.violations).toEqual([]);
  });

  it('grows 32 → 64 at used 29 (290 >= 288) and frees the replaced 32-bucket array after a grace period', () => {
    const t = setup();
    const { k, s } = t;
    fill(t, 16);
    const array32 = s.inspect().arrayBase;
    fill(t, 13, 16);
    expect(s.inspect()).toMatchObject({ count: 32, used: 29 });
    t.get(29);
    expect(s.inspect()).toMatchObject({ count: 64, used: 30 });
    expect(freed(k, array32)).toBe(false);
    run(k, k.rcu.invokeCallbacks());
    expect(freed(k, array32)).toBe(true);
  });

  it('an existing md at the threshold triggers the growth: kfunc_md_create returns it at a new address', () => {
    const t = setup();
    const [md0] = fill(t, 15);
    const again = t.get(0);
    expect(again).not.toBe(md0);
    expect(t.s.inspect()).toMatchObject({ count: 32, used: 15 });
    expect(t.s.inspect().entries.find((e) => e.md === again)).toEqual({ md: again, users: 2, func: t.ip(0) });
  });

  it('shrinks 32 → 16 on the put that leaves used 9 (90 <= 96), re-creating the nine', () => {
    const t = setup();
    const { k, s } = t;
    fill(t, 16);
    for (let i = 0; i < 6; i++) run(k, s.putByIp(t.ip(i)));
    expect(s.inspect()).toMatchObject({ count: 32, used: 10 });
    const before = t.mds();
    run(k, s.putByIp(t.ip(6)));
    const v = s.inspect();
    expect(v).toMatchObject({ count: 16, used: 9 });
    expect(v.entries.map((e) => e.func).sort()).toEqual(Array.from({ length: 9 }, (_, i) => t.ip(7 + i)).sort());
    expect(t.mds().filter((m) => before.includes(m))).toEqual([]);
    // the 16-bucket array is a new kmalloc one, not default_mds
    expect(k.slab.objectAt(v.arrayBase)).toMatchObject({ size: kfuncMdArraySize(4) });
  });
});

describe('jul25: allocation failures leave the table as it was', () => {
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
    const md = k.slab.list().find((o) => o.size === JUL25_MD_SIZE);
    expect(md?.freed).toBe(true);
    expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
  });

  it('the new array cannot be allocated: NULL, even for an ip that has an md, whose users stay 1', () => {
    const t = setup();
    const old = fill(t, 15);
    t.k.slab.failNextAllocations(1);
    expect(t.get(15)).toBe(0);
    t.k.slab.failNextAllocations(1);
    expect(t.get(0)).toBe(0);
    expect(t.s.inspect()).toMatchObject({ count: 16, used: 15 });
    expect(t.mds().sort()).toEqual([...old].sort());
    expect(t.s.inspect().entries.every((e) => e.users === 1)).toBe(true);
  });

  it('a re-create fails mid-resize: the copies are exited and freed, NULL; the new array leaks', () => {
    const t = setup();
    const { k, s } = t;
    const old = fill(t, 15);
    const live = k.slab.live;
    const w = new Stepper(k, 0, s.get(t.ip(15)));
    for (let copies = 0; copies < 4; copies++) {
      if (copies > 0) w.resume();
      w.runUntil(isKzallocOf(JUL25_MD_SIZE));
    }
    k.slab.failNextAllocations(1);
    expect(w.finish()).toBe(0);
    expect(s.inspect()).toMatchObject({ arrayBase: staticAddrOf(k, 'default_mds'), count: 16, used: 15 });
    expect(t.mds().sort()).toEqual([...old].sort());
    const copies = k.slab.list().filter((o) => o.size === JUL25_MD_SIZE && !old.includes(o.addr));
    expect(copies.map((o) => o.freed)).toEqual([true, true, true]);
    expect(k.slab.list().filter((o) => o.size === kfuncMdArraySize(5))).toMatchObject([{ freed: false }]);
    expect(k.slab.live).toBe(live + 1);
    expect(k.violations).toEqual([]);
  });
});

describe('jul25: hazards kept as posted', () => {
  it("a caller's md pointer across a resize names the old copy: its put unlinks a poisoned node, miscounts, kills twice", () => {
    const t = setup();
    const { k, s } = t;
    const [md0] = fill(t, 16);
    run(k, s.put(md0));
    expect(k.violations.map((v) => [v.kind, v.addr])).toEqual([
      ['write-unmapped', LIST_POISON2],
      ['write-unmapped', LIST_POISON1 + 8],
      ['write-unmapped', 0],
    ]);
    expect(k.warnings.map((w) => w.site)).toEqual(['percpu_ref_kill_and_confirm']);
    // all 16 copies still linked, f0's with its user, but used says 15
    expect(s.inspect()).toMatchObject({ count: 32, used: 15 });
    expect(s.inspect().entries.find((e) => e.func === t.ip(0))?.users).toBe(1);
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
    expect(k.mem.peek32(md + JUL25_MD_USERS) & 0xffff).toBe(65535);
  });
});

describe('jul25: readers during a resize', () => {
  /** Two of f0..f39 in the same bucket of default_mds: [first created, second created]. */
  function collision(t: ReturnType<typeof setup>): [number, number] {
    for (let b = 1; b < 40; b++)
      for (let a = 0; a < b; a++) if (hashPtr(t.ip(a), 4) === hashPtr(t.ip(b), 4)) return [a, b];
    throw new Error('no collision');
  }

  for (const rcu of [true, false]) {
    it(`a reader ${rcu ? 'under rcu_read_lock' : 'without it'} standing on a chain the resize unlinks`, () => {
      const t = setup();
      const { k, s } = t;
      const [a, b] = collision(t);
      const others = Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== a && i !== b);
      t.get(a);
      const mdB = t.get(b);
      for (const i of others.slice(0, 13)) t.get(i);
      // b was added after a: the walk for a passes over b first and stops before loading b->next
      const reader = new Stepper(k, 1, s.trampoline(t.ip(a), { rcu }));
      reader.runUntil((st) => st.call === 'hlist_for_each_entry_rcu' && st.addr === mdB);
      const writer = new Stepper(k, 0, s.get(t.ip(others[13])));
      writer.runUntil((st) => st.kind === 'sync_rcu' && st.blocked === true);
      if (rcu) {
        // synchronize_rcu waits for the reader, which still finds a's (old) md intact
        expect(k.mem.stillBlocked(0, writer.next())).toBe(true);
        expect(reader.finish()).toMatchObject({ users: 1, func: t.ip(a) });
        writer.finish();
        expect(k.violations).toEqual([]);
      } else {
        // no grace period waits for it: hlist_del poisons b->next under it
        expect(writer.pending).toBeUndefined();
        expect(reader.finish()).toEqual({ md: 0, users: 0, func: 0 });
        expect(k.violations[0]).toMatchObject({ kind: 'read-unmapped', addr: LIST_POISON1 + JUL25_MD_FUNC, cpu: 1 });
      }
      expect(s.inspect()).toMatchObject({ count: 32, used: 16 });
    });
  }

  it('a reader without rcu_read_lock on the 32-bucket array reads it after kfree_rcu; RCU Tasks keeps the old mds', () => {
    const t = setup();
    const { k, s } = t;
    fill(t, 29);
    // finish the first resize's release chain, so that only the second one's is left
    run(k, k.rcu.invokeCallbacks());
    const old = t.mds();
    const array32 = s.inspect().arrayBase;
    const reader = new Stepper(k, 1, s.trampoline(t.ip(3), { rcu: false }));
    reader.runUntil((st) => st.call === 'kfunc_md_hash_head');
    expect(reader.next().addr).toBe(array32 + 24);
    t.get(29);
    run(k, k.rcu.invokeCallbacks(), 2);
    expect(freed(k, array32)).toBe(true);
    // step 3 of the release waits for the reader's RCU Tasks read side
    expect(k.rcu.pendingCallbacks('rcu_tasks')).toBe(29);
    expect(old.some((m) => freed(k, m))).toBe(false);
    reader.finish();
    expect(k.violations[0]).toMatchObject({ kind: 'read-freed', addr: array32 + 24, cpu: 1 });
  });
});
