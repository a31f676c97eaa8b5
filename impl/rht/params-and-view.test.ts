import { describe, expect, it } from 'vitest';
import { RHASHTABLE_SIZE } from '../kernel/rhashtable.ts';
import type { Addr } from '../kernel/types.ts';
import { kernelWith, run, staticAddrOf, x86 } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { KFUNC_MD_RHT_PARAMS, rhtParamsFor } from './layout.ts';
import { RhtStore, rht } from './store.ts';

describe('rht: the table parameters per PAGE_SIZE', () => {
  it('the posted params from 4 KiB pages up', () => {
    expect(rhtParamsFor(4096)).toBe(KFUNC_MD_RHT_PARAMS);
    expect(rhtParamsFor(65536)).toBe(KFUNC_MD_RHT_PARAMS);
  });

  it('below 4 KiB, a first table scaled with the page (3 elements per 4 buckets, at least 4 buckets)', () => {
    expect(rhtParamsFor(2048)).toEqual({ ...KFUNC_MD_RHT_PARAMS, nelemHint: 24 });
    expect(rhtParamsFor(1024)).toEqual({ ...KFUNC_MD_RHT_PARAMS, nelemHint: 12 });
    expect(rhtParamsFor(64)).toEqual({ ...KFUNC_MD_RHT_PARAMS, nelemHint: 3 });
  });
});

describe('rht: boot', () => {
  it('kfunc_md_rht reserves a whole struct rhashtable', () => {
    const k = kernelWith(x86(), 2, { pageSize: 4096 });
    new RhtStore(k);
    const next = k.defineStatic('after_kfunc_md_rht', [0]);
    expect(next - staticAddrOf(k, 'kfunc_md_rht')).toBeGreaterThanOrEqual(RHASHTABLE_SIZE);
  });

  it('a failed rhashtable_init at boot is fatal', () => {
    const k = kernelWith(x86(), 2, { pageSize: 4096 });
    k.failNextAllocations(1);
    expect(() => new RhtStore(k)).toThrow('init_kfunc_md: rhashtable_init failed at boot');
  });

  it('create boots a store on the kernel it is given', () => {
    const k = kernelWith(x86(), 2, { pageSize: 4096 });
    const s = rht.create(k);
    expect(s).toBeInstanceOf(RhtStore);
    expect(s.name).toBe('rht');
    expect(run(k, s.get(k.fn('f0').ip))).not.toBe(0);
  });
});

describe('rht: readers and inspect', () => {
  it('a miss loads nothing and reads zeros, with or without rcu_read_lock', () => {
    const k = kernelWith(x86(), 2, { pageSize: 4096 });
    const s = new RhtStore(k);
    for (const rcu of [true, false]) {
      expect(run(k, s.trampoline(k.fn('f1').ip, { rcu }))).toEqual({ md: 0, users: 0, func: 0 });
    }
    const md = run(k, s.get(k.fn('f0').ip));
    expect(run(k, s.trampoline(k.fn('f0').ip, { rcu: false }))).toEqual({ md, users: 1, func: k.fn('f0').ip });
    expect(k.violations).toEqual([]);
  });

  it('inspect lists each md once at every point of a rehash, though it is linked in two tables', () => {
    const k = kernelWith(x86(), 49, { pageSize: 4096 });
    const s = new RhtStore(k);
    const all: Addr[] = Array.from({ length: 49 }, (_, i) => run(k, s.get(k.fn(`f${i}`).ip)));
    const sorted = [...all].sort((a, b) => a - b);
    const worker = new Stepper(k, 0, s.rht.runDeferredWork());
    let twoTables = 0;
    while (!worker.done) {
      if (s.rht.peek().tables.length === 2) twoTables++;
      expect(
        s
          .inspect()
          .entries.map((e) => e.md)
          .sort((a, b) => a - b),
      ).toEqual(sorted);
      worker.resume();
    }
    expect(twoTables).toBeGreaterThan(0);
    expect(s.inspect().count).toBe(128);
  });
});
