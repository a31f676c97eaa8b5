import { describe, expect, it } from 'vitest';
import { createKernel } from '../kernel/kernel.ts';
import { u32le } from '../kernel/le.ts';
import type { Step } from '../kernel/types.ts';
import { arm64, bytesAt, kernelWith, run, x86, x86CaseC } from '../testing/fixtures.ts';
import { Stepper } from '../testing/stepper.ts';
import { lockedFexit, lockedGet, lockedPut, setup } from './kit.ts';
import { may25Layout } from './layout.ts';
import { MdFields } from './md.ts';
import { May25Store, may25, may25Declarations } from './store.ts';

// the contract face of may25: declarations, the trampoline reader, inspect, boot statics

describe('may25: declarations', () => {
  it('padding mode: the index in the padding at the probed offset, v4 s lowest-free slots; hash mode: no text, any slot', () => {
    expect(may25Declarations({ mode: 'padding', insnOffset: 5 })).toMatchObject({
      index: 'padding-insn',
      slotPolicy: 'lowest-free',
      insnOffset: 5,
    });
    const hash = may25Declarations({ mode: 'hash', insnOffset: 0 });
    expect(hash).toMatchObject({ index: 'none', slotPolicy: 'any-free' });
    expect(hash.insnOffset).toBeUndefined();
    for (const d of [hash, may25.declares]) expect(d.readers).toEqual({ rcu: true, norcu: true });
    expect(may25.declares).toMatchObject({ index: 'padding-insn', slotPolicy: 'lowest-free', insnOffset: 16 });
  });

  it('create builds a May25Store on the kernel it is given', () => {
    const k = kernelWith(x86(), 2, { pageSize: 128 });
    const store = may25.create(k);
    expect(store).toBeInstanceOf(May25Store);
    expect(store.inspect()).toMatchObject({ count: 0, used: 0, order: 0, entries: [] });
  });

  it('builds without FUNCTION_METADATA_PADDING keep the probed offsets in __insn_offset and __data_offset', () => {
    const statics = (o: Parameters<typeof setup>[0]) => {
      const { k } = setup(o, 2, { pageSize: 256 });
      const at = (name: string) => k.staticAddr(name);
      const insn = at('__insn_offset');
      const data = at('__data_offset');
      return insn === undefined || data === undefined ? null : [bytesAt(k, insn, 4), bytesAt(k, data, 4)];
    };
    expect(statics(x86({ cfiClang: true, callThunks: true, cfiMode: 'kcfi' }))).toEqual([u32le(5), u32le(4)]);
    expect(statics(x86CaseC({ cfiMode: 'fineibt' }))).toEqual([u32le(0), u32le(0)]);
    expect(statics(x86())).toBeNull();
    expect(statics(arm64({ callOps: true }))).toBeNull();
  });
});

describe('may25: the trampoline reader', () => {
  it('a function with no md reads nothing and touches no md memory', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    for (const rcu of [false, true]) expect(run(k, s.trampoline(ip(1), { rcu }))).toEqual({ md: 0, users: 0, func: 0 });
    expect(k.violations).toEqual([]);
  });

  it('without TRACING_ORIGIN (fentry only) it takes no percpu_ref; with it, one get and one put', () => {
    const { k, s, ip } = setup();
    const md = run(k, lockedGet(s, ip(0)));
    const calls = (): string[] => {
      const seen: string[] = [];
      const r = new Stepper(k, 1, s.trampoline(ip(0), { rcu: false }));
      r.runUntil((st: Step) => {
        if (st.call?.startsWith('percpu_ref_') === true) seen.push(st.call);
        return false;
      });
      return seen;
    };
    const count = () => k.percpuRef.peek(md + s.layout.pcref).count;
    expect(calls()).toEqual([]);
    expect(count()).toBe(1);
    run(k, lockedFexit(s, md));
    expect(calls()).toEqual(['percpu_ref_get', 'percpu_ref_put']);
    expect(count()).toBe(1);
  });
});

describe('may25: inspect', () => {
  it('reports the order of the current array (0 before the first get), the entries of every slot', () => {
    const { k, s, ip } = setup();
    expect(s.inspect()).toMatchObject({ order: 0, count: 0, entries: [] });
    run(k, lockedGet(s, ip(0)));
    expect(s.inspect()).toMatchObject({ order: 0, count: 2, entriesPerPage: 2 });
    for (const i of [1, 2, 3, 4]) run(k, lockedGet(s, ip(i)));
    expect(s.inspect()).toMatchObject({ order: 2, count: 8, used: 5 });
    expect(s.inspect().entries.map((e) => e.users)).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('kfunc_md_put_entry(NULL) does nothing', () => {
    const { k, s, ip } = setup();
    run(k, lockedGet(s, ip(0)));
    run(k, lockedPut(s, 0));
    expect(s.inspect().used).toBe(1);
    expect(k.violations).toEqual([]);
    expect(k.warnings).toEqual([]);
  });
});

describe('may25: struct kfunc_md fields per Kconfig', () => {
  it('a field the Kconfig leaves out is a bug to touch, not offset 0', () => {
    const k = createKernel({ options: x86(), functions: [], pageSize: 128 });
    const padding = new MdFields(k.mem, may25Layout({ metadata: true, padding: true }));
    expect(padding.arrayOff).toBe(32);
    expect(() => padding.hashOff).toThrow('no hash node');
    expect(() => padding.rcuOff).toThrow('no rcu head');
    const arm64Cfi = new MdFields(k.mem, may25Layout({ metadata: false, padding: false }));
    expect(() => arm64Cfi.arrayOff).toThrow('no array field');
    expect([arm64Cfi.hashOff, arm64Cfi.rcuOff]).toEqual([0, 16]);
  });
});
