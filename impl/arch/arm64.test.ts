import { describe, expect, it } from 'vitest';
import { createKernel } from '../kernel/kernel.ts';
import { EFAULT, EINVAL } from '../kernel/types.ts';
import type { Step } from '../kernel/types.ts';
import { arm64, padded, run } from '../testing/fixtures.ts';
import { hooksFor } from './select.ts';

describe('arm64 hooks', () => {
  it('offsets: 4, or 12 with CALL_OPS', () => {
    const a = hooksFor(createKernel({ options: arm64({ withArgs: true }), functions: [] }));
    expect([a.insnOffset, a.dataOffset, a.insnSize]).toEqual([4, 4, 4]);
    const b = hooksFor(createKernel({ options: arm64({ callOps: true }), functions: [] }));
    expect([b.insnOffset, b.dataOffset]).toEqual([12, 12]);
  });

  it('the index is the raw LE word; unused is the A64 NOP', () => {
    const h = hooksFor(createKernel({ options: arm64(), functions: [] }));
    expect([...h.pretend(5)]).toEqual([5, 0, 0, 0]);
    expect([...h.pretend(0x01020304)]).toEqual([4, 3, 2, 1]);
    expect([...h.nops()]).toEqual([0x1f, 0x20, 0x03, 0xd5]);
  });

  it('exist: the word at ip - INSN_OFFSET is not a NOP (index 0 counts)', () => {
    const k = createKernel({ options: arm64(), functions: padded(1) });
    const h = hooksFor(k);
    const ip = k.fn('f0').ip;
    expect(run(k, h.exist(ip))).toBe(false);
    k.foreignWrite(ip - 4, [0, 0, 0, 0]);
    expect(run(k, h.exist(ip))).toBe(true);
  });

  it('poke is one aligned 32-bit store (4 logged bytes)', () => {
    const k = createKernel({ options: arm64(), functions: padded(1) });
    const h = hooksFor(k);
    const target = k.fn('f0').ip - 4;
    const steps: Step[] = [];
    const op = h.poke(target, h.pretend(7));
    let r = op.next();
    while (!r.done) {
      steps.push(r.value);
      r = op.next();
    }
    expect(r.value).toBe(0);
    expect(steps).toEqual([{ kind: 'store32', addr: target, size: 4, value: 7 }]);
    expect(k.textWrites).toHaveLength(4);
    expect([...k.mem.peekBytes(target, 4)]).toEqual([7, 0, 0, 0]);
  });

  it('poke refuses misaligned targets (-EINVAL) and non-text (-EFAULT) without writing', () => {
    const k = createKernel({ options: arm64(), functions: padded(1) });
    const h = hooksFor(k);
    expect(run(k, h.poke(k.fn('f0').ip - 6, h.nops()))).toBe(-EINVAL);
    expect(run(k, h.poke(0x1000, h.nops()))).toBe(-EFAULT);
    expect(k.textWrites).toHaveLength(0);
  });

  it('is unavailable with CFI_CLANG (FUNCTION_METADATA depends on !CFI_CLANG)', () => {
    expect(() => hooksFor(createKernel({ options: arm64({ cfiClang: true }), functions: [] }))).toThrow(/CFI_CLANG/);
  });
});
