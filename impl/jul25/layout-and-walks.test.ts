import { describe, expect, it } from 'vitest';
import type { Kernel } from '../kernel/kernel.ts';
import type { Addr, Op, Step } from '../kernel/types.ts';
import { kernelWith, run, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { hashPtr } from './hash.ts';
import {
  JUL25_MD_BPF_ORIGIN_CALL,
  JUL25_MD_BPF_PROGS,
  JUL25_MD_BPF_PROG_CNT,
  JUL25_MD_FUNC,
  JUL25_MD_NR_ARGS,
  JUL25_MD_SIZE,
  JUL25_MD_USERS,
  KFUNC_MD_ARRAY_HASH_BITS,
  minArrayBits,
} from './layout.ts';
import { Jul25Store, jul25 } from './store.ts';
import { defineGlobals } from './context.ts';
import { __kfuncMdCreate } from './create.ts';
import { kfuncMdArrayAdjust, kfuncMdArrayInc } from './resize.ts';
import { ENOMEM } from '../kernel/types.ts';

function setup(n = 40) {
  const k = kernelWith(x86(), n, { pageSize: 4096 });
  const s = new Jul25Store(k);
  const ip = (i: number): Addr => k.fn(`f${i}`).ip;
  const get = (i: number): Addr => run(k, s.get(ip(i)));
  return { k, s, ip, get };
}

/** Run op alone on cpu0, recording every step it yields. */
function traced<T>(k: Kernel, op: Op<T>): { value: T; steps: Step[] } {
  const steps: Step[] = [];
  k.mem.currentCpu = 0;
  for (let r = op.next(); ; r = op.next()) {
    if (r.done === true) return { value: r.value, steps };
    steps.push(r.value);
  }
}

/** Two entries next to each other in inspect() order (the walk order) that share a bucket. */
function chainPair(s: Jul25Store, bits: number): number {
  const e = s.inspect().entries;
  const j = e.findIndex((x, i) => i + 1 < e.length && hashPtr(x.func, bits) === hashPtr(e[i + 1]?.func ?? 0, bits));
  if (j < 0) throw new Error('no bucket holds two mds');
  return j;
}

describe('jul25: struct kfunc_md and the array, as posted', () => {
  it('the u8 fields after the u16 users, and the size rounded to 8', () => {
    expect([JUL25_MD_FUNC, JUL25_MD_BPF_PROGS, JUL25_MD_USERS]).toEqual([32, 40, 80]);
    expect([JUL25_MD_BPF_ORIGIN_CALL, JUL25_MD_BPF_PROG_CNT, JUL25_MD_NR_ARGS, JUL25_MD_SIZE]).toEqual([
      82, 83, 84, 88,
    ]);
  });

  it('the smallest table: 16 buckets from 4 KiB pages up, fewer with smaller pages, never below 2', () => {
    expect([65536, 8192, 4096, 2048, 1024, 512, 256, 64].map(minArrayBits)).toEqual([4, 4, 4, 3, 2, 1, 1, 1]);
  });

  it('hash_ptr is hash_64 with GOLDEN_RATIO_64: the top bits of the product', () => {
    expect(hashPtr(0x1234, 4)).toBe(15);
    expect(hashPtr(0x1234, 32)).toBe(4130093918);
    expect(hashPtr(0xffff81000000, 16)).toBe(35344);
    expect(hashPtr(0xffff81001230, 20)).toBe(1020337);
  });
});

describe('jul25: walks', () => {
  it('a lookup stops at the first md of its ip: the rest of the chain is not read', () => {
    const t = setup();
    for (let i = 0; i < 12; i++) t.get(i);
    const j = chainPair(t.s, 4);
    const [first, second] = t.s.inspect().entries.slice(j, j + 2);
    if (first === undefined || second === undefined) throw new Error('unreachable: chainPair found two');
    const { value, steps } = traced(t.k, t.s.find(first.func));
    expect(value).toBe(first.md);
    expect(steps.filter((st) => st.addr === second.md + JUL25_MD_FUNC)).toEqual([]);
  });

  it('a re-create failing mid-chain stops the copy there: no md after it is re-created', () => {
    const t = setup();
    const old = Array.from({ length: 15 }, (_, i) => t.get(i));
    const j = chainPair(t.s, 4);
    const w = new Stepper(t.k, 0, t.s.get(t.ip(15)));
    const isMdAlloc = (st: Step) => st.kind === 'alloc_pages' && st.call === 'kzalloc' && st.size === JUL25_MD_SIZE;
    for (let copies = 0; copies <= j; copies++) {
      if (copies > 0) w.resume();
      w.runUntil(isMdAlloc);
    }
    t.k.slab.failNextAllocations(1); // the copy of entry j, which has a successor in its bucket
    expect(w.finish()).toBe(0);
    const copies = t.k.slab.list().filter((o) => o.size === JUL25_MD_SIZE && !old.includes(o.addr));
    expect(copies.map((o) => o.freed)).toEqual(new Array<boolean>(j).fill(true));
  });

  it('a resize copies users and the three prog lists into the new md', () => {
    const t = setup();
    const md0 = t.get(0);
    t.get(0); // users 2
    for (let i = 1; i < 15; i++) t.get(i);
    for (let tr = 0; tr < 3; tr++)
      t.k.foreignWrite(md0 + JUL25_MD_BPF_PROGS + 8 * tr, [0x10 + tr, 0, 0, 0, 0, 0, 0, 0]);
    t.get(15); // 16 → 32: every md re-created
    const now = run(t.k, t.s.find(t.ip(0)));
    expect(now).not.toBe(md0);
    expect([0, 1, 2].map((tr) => t.k.mem.peek64(now + JUL25_MD_BPF_PROGS + 8 * tr))).toEqual([0x10, 0x11, 0x12]);
    expect(t.s.inspect().entries.find((e) => e.md === now)?.users).toBe(2);
  });

  it('the table never shrinks below its minimum', () => {
    const t = setup();
    const a = t.get(0);
    const b = t.get(1);
    run(t.k, t.s.put(a));
    run(t.k, t.s.put(b));
    expect(t.s.inspect()).toMatchObject({ count: 16, used: 0, entries: [] });
  });
});

describe('jul25: the last put, readers, inspect', () => {
  it('the last put decrements kfunc_mds->used with atomic_dec(1)', () => {
    const t = setup();
    const md = t.get(0);
    const dec = traced(t.k, t.s.put(md)).steps.filter((st) => st.call === 'atomic_dec');
    expect(dec.map((st) => st.operand)).toEqual([-1]);
    expect(t.s.inspect().used).toBe(0);
  });

  it('a miss loads nothing and reads zeros, with or without rcu_read_lock', () => {
    const t = setup();
    for (const rcu of [true, false]) {
      expect(run(t.k, t.s.trampoline(t.ip(1), { rcu }))).toEqual({ md: 0, users: 0, func: 0 });
    }
    expect(t.k.violations).toEqual([]);
  });

  it('inspect of an array whose hash_bits is garbage lists no bucket', () => {
    const t = setup();
    t.get(0);
    const base = t.s.inspect().arrayBase;
    t.k.foreignWrite(base + KFUNC_MD_ARRAY_HASH_BITS, [0xff, 0, 0, 0]);
    expect(t.s.inspect()).toMatchObject({ arrayBase: base, count: 0, entries: [] });
  });

  it('create boots a store on the kernel it is given', () => {
    const k = kernelWith(x86(), 2, { pageSize: 4096 });
    const s = jul25.create(k);
    expect(s).toBeInstanceOf(Jul25Store);
    expect(run(k, s.get(k.fn('f0').ip))).not.toBe(0);
  });
});

describe('jul25: kfunc_md_array_inc and _adjust return -ENOMEM', () => {
  function filled() {
    const k = kernelWith(x86(), 16, { pageSize: 4096 });
    const g = defineGlobals(k);
    for (let i = 0; i < 15; i++) run(k, __kfuncMdCreate(g, g.defaultMds, k.fn(`f${i}`).ip, 0));
    return { k, g };
  }

  it('when the new array cannot be allocated', () => {
    const { k, g } = filled();
    k.slab.failNextAllocations(1);
    expect(run(k, kfuncMdArrayInc(g))).toBe(-ENOMEM);
    expect(run(k, kfuncMdArrayInc(g))).toBe(0); // the next attempt grows it
  });

  it('when a re-create fails', () => {
    const { k, g } = filled();
    const w = new Stepper(k, 0, kfuncMdArrayAdjust(g, true));
    w.runUntil((st) => st.kind === 'alloc_pages' && st.call === 'kzalloc' && st.size === JUL25_MD_SIZE);
    k.slab.failNextAllocations(1);
    expect(w.finish()).toBe(-ENOMEM);
  });
});
