import { describe, expect, it } from 'vitest';
import type { Addr } from '../kernel/types.ts';
import { run, staticAddrOf, x86CaseC } from '../testing/fixtures.ts';
import { drain, lockedGet, lockedPut, lockedPutByIp, setup } from './kit.ts';
import { KFUNC_MD_HASH_BITS } from './layout.ts';
import { hashPtr } from './hash.ts';

// hash table mode (01/25): kfunc_md_table keyed by hash_ptr(ip), kzalloc'ed mds, percpu_ref per md

/** FineIBT: the probe picks the hash table; 64 functions so that buckets collide and spread */
const hashed = (n = 64) => setup(x86CaseC({ cfiMode: 'fineibt' }), n, { pageSize: 256 });

describe('may25: hash_ptr', () => {
  it('is hash_64: the top bits of ip * GOLDEN_RATIO_64 mod 2^64 (vectors computed outside kfmd)', () => {
    expect(hashPtr(0xffff_ffff_8100_0000, 10)).toBe(24);
    expect(hashPtr(0xffff_8100_1234, 10)).toBe(512);
    expect(hashPtr(0xffff_c000_0000, 10)).toBe(910);
    expect(hashPtr(1, 10)).toBe(391);
    expect(hashPtr(0xffff_8100_1234, 4)).toBe(8);
    expect(hashPtr(1, 4)).toBe(6);
  });
});

describe('may25: kfunc_md_table', () => {
  it('two functions in one bucket: each lookup walks the chain to the md whose func is its ip', () => {
    // hash_64 spreads evenly spaced ips well: the first collision among 64-byte-apart functions is f0 and f563
    const { k, s, ip } = hashed(600);
    const [a, b] = [0, 563];
    expect(hashPtr(ip(a), KFUNC_MD_HASH_BITS)).toBe(hashPtr(ip(b), KFUNC_MD_HASH_BITS));
    const mdA = run(k, lockedGet(s, ip(a)));
    const mdB = run(k, lockedGet(s, ip(b)));
    expect(mdA).not.toBe(mdB);
    expect(run(k, s.find(ip(a)))).toBe(mdA);
    expect(run(k, s.find(ip(b)))).toBe(mdB);
    // a third function of no md in that bucket is not found
    expect(run(k, s.find(ip(a) + 16))).toBe(0);
    run(k, lockedPutByIp(s, ip(a)));
    expect(run(k, s.find(ip(a)))).toBe(0);
    expect(run(k, s.find(ip(b)))).toBe(mdB);
    expect(s.inspect().entries).toEqual([{ md: mdB, users: 1, func: ip(b) }]);
  });

  it('every bucket of the 1024 is usable: the highest one in use does not spill into the next static', () => {
    const { k, s, ip } = hashed();
    const top = [...Array(64).keys()].reduce((m, i) =>
      hashPtr(ip(i), KFUNC_MD_HASH_BITS) > hashPtr(ip(m), KFUNC_MD_HASH_BITS) ? i : m,
    );
    expect(hashPtr(ip(top), KFUNC_MD_HASH_BITS)).toBeGreaterThan(900);
    const kfuncMds = k.mem.peek64(staticAddrOf(k, 'kfunc_mds'));
    const md = run(k, lockedGet(s, ip(top)));
    expect(run(k, s.find(ip(top)))).toBe(md);
    expect(k.mem.peek64(s.hash?.head(ip(top)) ?? NaN)).toBe(md + (s.layout.hash ?? NaN));
    expect(k.mem.peek64(staticAddrOf(k, 'kfunc_mds'))).toBe(kfuncMds);
    expect(s.inspect().entries).toEqual([{ md, users: 1, func: ip(top) }]);
    expect(k.violations).toEqual([]);
  });

  it('kzalloc failing: create returns NULL and nothing is linked or counted', () => {
    const { k, s, ip } = hashed(4);
    k.failNextAllocations(1);
    expect(run(k, lockedGet(s, ip(0)))).toBe(0);
    expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
    expect(k.slab.live).toBe(0);
  });

  it('percpu_ref_init failing: the md is kfree d, NULL, nothing linked', () => {
    for (const after of [1, 2]) {
      const { k, s, ip } = hashed(4);
      k.failNextAllocations(1, after);
      expect(run(k, lockedGet(s, ip(0)))).toBe(0);
      expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
      expect(k.slab.live).toBe(0);
      expect(run(k, s.find(ip(0)))).toBe(0);
    }
  });

  it('a put that leaves users keeps the md linked and counted; one too many WARNs and changes nothing', () => {
    const { k, s, ip } = hashed(4);
    const md: Addr = run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(0)));
    run(k, lockedPut(s, md));
    expect(run(k, s.find(ip(0)))).toBe(md);
    expect(s.inspect()).toMatchObject({ used: 1, entries: [{ md, users: 1, func: ip(0) }] });
    expect(k.percpuRef.peek(md + s.layout.pcref).dead).toBe(false);
    run(k, lockedPut(s, md));
    expect(s.inspect()).toMatchObject({ used: 0, entries: [] });
    expect(k.percpuRef.peek(md + s.layout.pcref).dead).toBe(true);
    // the md is still allocated (kfree_rcu pending): a stale put reads users 0 and WARNs
    run(k, lockedPut(s, md));
    expect(k.warnings.map((w) => w.site)).toEqual(['put-users']);
    expect(s.inspect().used).toBe(0);
    drain(k);
    expect(k.slab.objectAt(md)?.freed).toBe(true);
  });
});
