import { describe, expect, it } from 'vitest';
import type { ArchHooks } from '../arch/hooks.ts';
import { hooksFor } from '../arch/select.ts';
import { EBUSY, EINVAL } from '../kernel/types.ts';
import { arm64, bytesAt, kernelWith, lockedGet, run, x86 } from '../testing/fixtures.ts';
import { ProbeStore } from '../testing/probe.ts';
import { V4Store } from './store.ts';

const arches = [
  ['x86', () => kernelWith(x86(), 2), [0xb8, 9, 0, 0, 0], [0x90, 0x90, 0x90, 0x90, 0x90], 16],
  ['arm64', () => kernelWith(arm64(), 2), [9, 0, 0, 0], [0x1f, 0x20, 0x03, 0xd5], 4],
] as const;

describe.each(arches)('text_poke_helper decision table (%s)', (_arch, make, insn, nops, off) => {
  const setup = () => {
    const k = make();
    const s = new ProbeStore(k);
    const ip = k.fn('f1').ip;
    return { k, s, ip, target: ip - off };
  };
  const other = insn.map((b, i) => (i === 1 ? 0xcc : b));

  it('install, bytes already == insn: 0, nothing written', () => {
    const { k, s, ip, target } = setup();
    k.foreignWrite(target, insn);
    const before = k.textWrites.length;
    expect(run(k, s.helper(ip, Uint8Array.from(insn)))).toBe(0);
    expect(k.textWrites.length).toBe(before);
  });

  it('install, bytes == NOPs: poked, returns the poke result', () => {
    const { k, s, ip, target } = setup();
    expect(run(k, s.helper(ip, Uint8Array.from(insn)))).toBe(0);
    expect(bytesAt(k, target, insn.length)).toEqual([...insn]);
    expect(k.textWrites.map((w) => w.addr - target)).toEqual(insn.map((_, i) => i));
  });

  it('install, anything else: -EBUSY, nothing written', () => {
    const { k, s, ip, target } = setup();
    k.foreignWrite(target, other);
    const before = k.textWrites.length;
    expect(run(k, s.helper(ip, Uint8Array.from(insn)))).toBe(-EBUSY);
    expect(k.textWrites.length).toBe(before);
    expect(bytesAt(k, target, insn.length)).toEqual(other);
  });

  it('restore, bytes == NOPs: 0, nothing written', () => {
    const { k, s, ip } = setup();
    expect(run(k, s.helper(ip, null))).toBe(0);
    expect(k.textWrites).toHaveLength(0);
  });

  it('restore, anything else: NOPs poked unconditionally', () => {
    const { k, s, ip, target } = setup();
    k.foreignWrite(target, other);
    expect(run(k, s.helper(ip, null))).toBe(0);
    expect(bytesAt(k, target, nops.length)).toEqual([...nops]);
  });

  it('holds text_mutex only inside the helper', () => {
    const { k, s, ip } = setup();
    run(k, s.helper(ip, Uint8Array.from(insn)));
    expect(k.mem.mutexes.owner('text_mutex')).toBeUndefined();
  });
});

describe('poke errors propagate and get rolls back', () => {
  it('arm64 misaligned target: -EINVAL; get returns NULL with used and users back to 0', () => {
    const k = kernelWith(arm64(), 2);
    // a doctored hook set whose window is not word aligned
    const hooks: ArchHooks = { ...hooksFor(k), insnOffset: 6, dataOffset: 6 };
    const ip = k.fn('f0').ip;
    k.foreignWrite(ip - 6, [0x1f, 0x20, 0x03, 0xd5]);
    const before = k.textWrites.length;
    expect(run(k, new ProbeStore(k, hooks).helper(ip, hooks.pretend(1)))).toBe(-EINVAL);
    const s = new V4Store(k, hooks);
    expect(run(k, lockedGet(s, ip))).toBe(0);
    expect(k.textWrites.length).toBe(before);
    const v = s.inspect();
    expect(v.used).toBe(0);
    expect(v.entries[0]?.users).toBe(0);
    // the array allocated on the way is kept
    expect(v.arrayBase).not.toBe(0);
  });
});
