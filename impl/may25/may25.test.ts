import { describe, expect, it } from 'vitest';
import { createKernel } from '../kernel/kernel.ts';
import { u32le } from '../kernel/le.ts';
import { arm64, bytesAt, run, staticAddrOf, x86, x86CaseC } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { may25Boot } from './config.ts';
import { stackGarbage } from './text.ts';
import { drain, lockedFexit, lockedGet, lockedPut, lockedPutByIp, setup } from './kit.ts';
import { ARRAY_FLAGS, ARRAY_MDS, KFUNC_MD_FL_DEAD, may25Layout } from './layout.ts';
import { May25Store, may25 } from './store.ts';

const NOPS = [0x90, 0x90, 0x90, 0x90, 0x90];

describe('may25: create, existing, find, put', () => {
  it('x86 A16: installs the index at ip-16, finds it, counts users, restores the NOPs on the last put', () => {
    const { k, s, ip, slot } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    expect(md).toBe(slot(0));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    expect(run(k, s.find(ip(0)))).toBe(md);
    expect(run(k, lockedGet(s, ip(0)))).toBe(md);
    expect(s.inspect().entries[0]).toEqual({ md, users: 2, func: ip(0) });
    expect(run(k, s.trampoline(ip(0), { rcu: false }))).toEqual({ md, users: 2, func: ip(0) });
    run(k, lockedPut(s, md));
    expect(s.inspect().used).toBe(1);
    run(k, lockedPutByIp(s, ip(0)));
    expect(bytesAt(k, ip(0) - 16, 5)).toEqual(NOPS);
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(s.inspect().used).toBe(0);
    expect(k.warnings).toHaveLength(0);
    expect(k.violations).toHaveLength(0);
  });

  it('arm64: the index is the raw word at ip-4, the NOP word comes back', () => {
    const { k, s, ip } = setup(arm64());
    run(k, lockedGet(s, ip(0)));
    const md1 = run(k, lockedGet(s, ip(1)));
    expect(bytesAt(k, ip(1) - 4, 4)).toEqual([1, 0, 0, 0]);
    run(k, lockedPut(s, md1));
    expect(bytesAt(k, ip(1) - 4, 4)).toEqual([0x1f, 0x20, 0x03, 0xd5]);
  });

  it('a double put WARNs (put-users) and changes nothing', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    run(k, lockedPut(s, md));
    run(k, lockedPut(s, md));
    expect(k.warnings.map((w) => w.site)).toEqual(['put-users']);
  });

  it('the released slot with no reference held is free at once: kill releases it right away', () => {
    const { k, s, ip, slot } = setup(x86(), 6, { pageSize: 256 });
    run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    run(k, lockedPutByIp(s, ip(0)));
    expect(k.mem.peek32(slot(0) + s.layout.flags)).toBe(0);
    expect(run(k, lockedGet(s, ip(2)))).toBe(slot(0));
  });
});

describe('may25: DEAD slots', () => {
  it('a DEAD slot is not reused until its percpu_ref release callback ran', () => {
    const { k, s, ip, slot } = setup(x86(), 6, { pageSize: 256 });
    const md0 = run(k, lockedGet(s, ip(0)));
    expect(run(k, lockedFexit(s, md0))).toBe(0);
    // an fexit trampoline holds md0's percpu_ref (kfunc_md_enter) and has not exited yet
    const reader = new Stepper(k, 2, s.trampoline(ip(0), { rcu: false }));
    reader.runUntil((st) => st.call === 'percpu_ref_put');
    run(k, lockedPut(s, md0));
    expect(k.mem.peek32(md0 + s.layout.flags) & KFUNC_MD_FL_DEAD).toBe(KFUNC_MD_FL_DEAD);
    expect(run(k, lockedGet(s, ip(1)))).toBe(slot(1));
    // it read users before the put; kfunc_md_exit drops the last reference: kfunc_md_release clears the flags
    expect(reader.finish()).toEqual({ md: md0, users: 1, func: ip(0) });
    expect(k.mem.peek32(md0 + s.layout.flags)).toBe(0);
    expect(run(k, lockedGet(s, ip(2)))).toBe(slot(0));
  });
});

describe('may25: growth', () => {
  it('doubles into a fresh zeroed array with fresh refs, and releases the old one through RCU Tasks and the work', () => {
    const { k, s, ip, array, slot } = setup();
    run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    const old = array();
    const oldMds = k.mem.peek64(old + ARRAY_MDS);
    expect(run(k, lockedGet(s, ip(2)))).toBe(slot(2));
    expect(s.inspect().count).toBe(4);
    expect(k.mem.peek64(old + ARRAY_FLAGS) % 2).toBe(1);
    expect(s.inspect().retained).toEqual([oldMds]);
    // each copied live md has its own ref and points at the new array
    const ref = (md: number) => k.percpuRef.peek(md + s.layout.pcref);
    expect(ref(slot(0)).data).not.toBe(ref(oldMds).data);
    expect(k.mem.peek64(slot(0) + (s.layout.array ?? NaN))).toBe(array());
    expect(run(k, s.find(ip(0)))).toBe(slot(0));
    // empty_array's (from the first get) and the old array's
    expect(k.rcu.pendingCallbacks('rcu_tasks')).toBe(2);
    drain(k);
    expect(k.slab.objectAt(oldMds)?.freed).toBe(true);
    expect(k.slab.objectAt(old)?.freed).toBe(true);
    expect(s.inspect().retained).toEqual([]);
    expect(k.violations).toEqual([]);
    expect(k.warnings).toEqual([]);
  });

  it('an RCU Tasks reader (any trampoline) holds the old array: its callback waits for it', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    run(k, lockedGet(s, ip(1)));
    const reader = new Stepper(k, 2, s.trampoline(ip(1), { rcu: false }));
    reader.runUntil((st) => st.kind === 'load64' && st.addr === s.inspect().arrayBase + 64 + s.layout.func);
    run(k, lockedGet(s, ip(2)));
    const barrier = new Stepper(k, 1, k.rcu.barrier('rcu_tasks'));
    barrier.runUntil((st) => st.blocked === true);
    expect(k.mem.stillBlocked(1, barrier.next())).toBe(true);
    expect(reader.finish().func).toBe(ip(1));
    barrier.finish();
    drain(k);
    expect(k.violations).toEqual([]);
  });
});

describe('may25: configurations (Kconfig, kfunc_md_arch_support, static key)', () => {
  it('lays struct kfunc_md out per Kconfig: 64 bytes with FUNCTION_METADATA_PADDING, 96 without, 88 on arm64 CFI', () => {
    expect(may25Layout({ metadata: true, padding: true })).toMatchObject({
      func: 0,
      bpfProgs: 8,
      array: 32,
      pcref: 40,
      flags: 56,
      users: 60,
      bpfProgCnt: 62,
      nrArgs: 63,
      size: 64,
    });
    expect(may25Layout({ metadata: true, padding: false })).toMatchObject({ hash: 0, rcu: 16, func: 32, size: 96 });
    expect(may25Layout({ metadata: false, padding: false })).toMatchObject({ array: null, users: 84, size: 88 });
    expect(new May25Store(setup().k).inspect().layout).toEqual({ size: 64, users: 60, func: 0 });
  });

  it('picks padding or hash mode as the probe does, and declares the index accordingly', () => {
    const cases = [
      [x86(), 'padding', 16],
      [x86({ cfiClang: true, cfiMode: 'kcfi' }), 'padding', 5],
      [x86({ cfiClang: true, callThunks: true, cfiMode: 'kcfi' }), 'padding', 5],
      [x86({ cfiClang: true, callThunks: true, thunksActive: true, cfiMode: 'kcfi' }), 'hash', 0],
      [x86CaseC({ cfiMode: 'fineibt' }), 'hash', 0],
      [arm64({ callOps: true }), 'padding', 12],
      [arm64({ cfiClang: true }), 'hash', 0],
    ] as const;
    for (const [o, mode, offset] of cases) {
      expect(may25Boot(o)).toMatchObject({ mode, insnOffset: offset, unsetOffsetsWarn: false });
      expect(may25.declaresOn?.(o).index).toBe(mode === 'hash' ? 'none' : 'padding-insn');
      // the window is where kfunc_md_arch_support() put it (§4.5), declared for the harness
      expect(may25.declaresOn?.(o).insnOffset).toBe(mode === 'hash' ? undefined : offset);
    }
    expect(may25.declares.locking).toEqual({ get: 'caller-holds', put: 'caller-holds', put_by_ip: 'caller-holds' });
    // a put slot is free again once its percpu_ref releases, at once when no reader holds it
    expect(may25.declares).toMatchObject({ reuse: 'immediate', allocates: 'array-and-md', arrayFrom: 'kvmalloc' });
  });

  it('CFI_CLANG && CALL_THUNKS with thunks idle: padding mode at ip-5 in the 96-byte struct', () => {
    const { k, s, ip } = setup(x86({ cfiClang: true, callThunks: true, cfiMode: 'kcfi' }), 4, { pageSize: 256 });
    const md = run(k, lockedGet(s, ip(0)));
    expect(bytesAt(k, ip(0) - 5, 5)).toEqual([0xb8, 0, 0, 0, 0]);
    expect(s.inspect().entries[0]).toEqual({ md, users: 1, func: ip(0) });
    expect(s.inspect().layout.size).toBe(96);
  });

  it('the unset-offsets path: WARN at boot, then padding mode reads the byte at ip itself and every get is -EBUSY', () => {
    const o = x86({ cfiClang: true, fineibt: true, cfiMode: 'kcfi' });
    const { k, s, ip } = setup(o);
    expect(k.warnings.map((w) => w.site)).toEqual(['kfunc_md_arch_support']);
    expect(may25.declaresOn?.(o).index).toBe('padding-insn');
    expect(run(k, lockedGet(s, ip(0)))).toBe(0);
    expect(s.inspect().used).toBe(0);
    expect(k.textWrites).toHaveLength(0);
  });

  it('the unset-offsets path on a function that starts with NOPs: a 0-byte poke "succeeds", find misses, put WARNs', () => {
    const o = x86({ cfiClang: true, fineibt: true, cfiMode: 'kcfi' });
    const k = createKernel({
      options: o,
      functions: [{ name: 'f0', padded: true, body: [...NOPS, 0xc3] }],
      pageSize: 128,
    });
    const s = new May25Store(k);
    const ip = k.fn('f0').ip;
    const md = run(k, lockedGet(s, ip));
    expect(md).not.toBe(0);
    expect(k.textWrites).toHaveLength(0);
    expect(run(k, s.find(ip))).toBe(0);
    run(k, lockedPut(s, md));
    expect(k.warnings.map((w) => w.site)).toEqual(['kfunc_md_arch_support', 'put-exist']);
    expect(s.inspect().used).toBe(1);
  });
});

describe('may25: kfunc_md_text_poke', () => {
  it('a window that is neither the insn nor all NOPs is -EBUSY, even when its first byte is a NOP; used comes back', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    // ip-16 still 0x90, ip-15 not: memcmp must look past the first byte
    k.foreignWrite(ip(1) - 15, [0xcc]);
    expect(run(k, lockedGet(s, ip(1)))).toBe(0);
    expect(bytesAt(k, ip(1) - 16, 5)).toEqual([0x90, 0xcc, 0x90, 0x90, 0x90]);
    expect(s.inspect().used).toBe(1);
    // the slot it took is free again: the next create gets it
    expect(run(k, lockedGet(s, ip(2)))).toBe(s.inspect().arrayBase + 64);
    expect(k.violations).toEqual([]);
  });

  it('the stack garbage x86 copies past the buffer is never a NOP or a mov opcode', () => {
    const g = stackGarbage(4096);
    expect(g).toHaveLength(4096);
    expect(g.filter((b) => b === 0x90 || b === 0xb8)).toEqual([]);
    expect(new Set(g).size).toBe(254);
  });
});

describe('may25: the missing bound check in kfunc_md_get_noref', () => {
  it('an index past the count gives a pointer past the array, silently (v4 WARNed)', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    const mds = s.inspect().arrayBase;
    k.foreignWrite(ip(1) - 16, [0xb8, ...u32le(1000)]);
    const md = run(k, s.find(ip(1)));
    expect(md).toBe(mds + 1000 * 64);
    expect(s.inspect().count).toBe(2);
    expect(k.slab.objectAt(md)?.addr).not.toBe(mds);
    expect(k.warnings).toEqual([]);
  });
});

describe('may25: hash table mode', () => {
  it('FineIBT: no text is written, mds are kzalloc ed, hashed, counted in the empty array, freed by kfree_rcu', () => {
    const o = x86CaseC({ cfiMode: 'fineibt' });
    const { k, s, ip } = setup(o, 4, { pageSize: 256 });
    const md = run(k, lockedGet(s, ip(0)));
    expect(k.slab.objectAt(md)).toMatchObject({ addr: md, size: 96, kind: 'kmalloc' });
    expect(run(k, lockedGet(s, ip(0)))).toBe(md);
    const md1 = run(k, lockedGet(s, ip(1)));
    expect(run(k, s.find(ip(0)))).toBe(md);
    expect(run(k, s.trampoline(ip(1), { rcu: true }))).toEqual({ md: md1, users: 1, func: ip(1) });
    const view = s.inspect();
    expect(view).toMatchObject({ arrayBase: staticAddrOf(k, 'kfunc_md_table'), count: 1024, used: 2 });
    expect(view.entriesPerPage).toBe(0);
    expect(new Set(view.entries)).toEqual(
      new Set([
        { md, users: 2, func: ip(0) },
        { md: md1, users: 1, func: ip(1) },
      ]),
    );
    run(k, lockedPutByIp(s, ip(0)));
    run(k, lockedPutByIp(s, ip(0)));
    expect(run(k, s.find(ip(0)))).toBe(0);
    expect(s.inspect().used).toBe(1);
    expect(k.slab.objectAt(md)?.freed).toBe(false);
    drain(k);
    expect(k.slab.objectAt(md)?.freed).toBe(true);
    // kfunc_md_hash_release never calls percpu_ref_exit: the freed md's per-CPU counters leak
    const percpu = k.slab.list().filter((b) => b.kind === 'percpu' && !b.freed);
    expect(percpu).toHaveLength(2);
    expect(k.textWrites).toHaveLength(0);
    expect(k.violations).toEqual([]);
  });

  it('arm64 with CFI_CLANG: no FUNCTION_METADATA, hash table with the 88-byte struct', () => {
    const { k, s, ip } = setup(arm64({ cfiClang: true }), 2, { pageSize: 256 });
    const md = run(k, lockedGet(s, ip(0)));
    expect(s.inspect().entries).toEqual([{ md, users: 1, func: ip(0) }]);
    expect(s.inspect().layout).toEqual({ size: 88, users: 84, func: 32 });
  });
});
