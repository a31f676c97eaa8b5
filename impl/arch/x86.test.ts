import { describe, expect, it } from 'vitest';
import { createKernel } from '../kernel/kernel.ts';
import type { Step } from '../kernel/types.ts';
import { padded, run, x86, x86CaseC } from '../testing/fixtures.ts';
import { hooksFor } from './select.ts';
import { x86MdOffsets } from './x86-offsets.ts';

describe('x86 offset macros (§4.3)', () => {
  it.each([
    ['A', x86(), 16, 15],
    ["A' 32", x86({ functionAlignment: 32 }), 32, 31],
    ["A' 64", x86({ functionAlignment: 64 }), 64, 63],
    ['B', x86({ cfiClang: true, cfiMode: 'kcfi' }), 5, 4],
    ['C kconfig', x86CaseC(), 19, 18],
    ['C intent', x86CaseC({ caseCReading: 'intent' }), 24, 23],
    ['C via FINEIBT alone', x86CaseC({ callThunks: false, cfiMode: 'fineibt' }), 19, 18],
    ['C via thunks alone', x86CaseC({ fineibt: false }), 19, 18],
  ])('case %s', (_name, o, insn, data) => {
    expect(x86MdOffsets(o)).toMatchObject({ insnOffset: insn, dataOffset: data });
  });

  it('the reading only matters in case C', () => {
    expect(x86MdOffsets(x86({ caseCReading: 'intent' })).insnOffset).toBe(16);
    expect(x86MdOffsets(x86({ cfiClang: true, caseCReading: 'intent' })).insnOffset).toBe(5);
  });
});

describe('x86 hooks', () => {
  const k = createKernel({ options: x86(), functions: padded(2) });
  const h = hooksFor(k);

  it('encodes mov $index,%eax little-endian and five one-byte NOPs', () => {
    expect([...h.pretend(0x12345)]).toEqual([0xb8, 0x45, 0x23, 0x01, 0x00]);
    expect([...h.pretend(0)]).toEqual([0xb8, 0, 0, 0, 0]);
    expect([...h.nops()]).toEqual([0x90, 0x90, 0x90, 0x90, 0x90]);
    expect(h.insnSize).toBe(5);
  });

  it('exist is one byte load at ip - INSN_OFFSET', () => {
    const ip = k.fn('f0').ip;
    expect(run(k, h.exist(ip))).toBe(false);
    k.foreignWrite(ip - 16, [0xb8]);
    const steps: Step[] = [];
    const op = h.exist(ip);
    let r = op.next();
    while (!r.done) {
      steps.push(r.value);
      r = op.next();
    }
    expect(r.value).toBe(true);
    expect(steps).toEqual([{ kind: 'load8', addr: ip - 16, size: 1 }]);
  });

  it('poke stores the 5 bytes one at a time in pokeByteOrder', () => {
    const k2 = createKernel({ options: x86(), functions: padded(1), pokeByteOrder: [4, 0, 3, 1, 2] });
    const h2 = hooksFor(k2);
    const target = k2.fn('f0').ip - 16;
    const kinds: Step[] = [];
    const op = h2.poke(target, h2.pretend(0x04030201));
    let r = op.next();
    while (!r.done) {
      kinds.push(r.value);
      r = op.next();
    }
    expect(r.value).toBe(0);
    expect(kinds.map((s) => [s.kind, s.addr === undefined ? null : s.addr - target])).toEqual([
      ['store8', 4],
      ['store8', 0],
      ['store8', 3],
      ['store8', 1],
      ['store8', 2],
    ]);
    expect(k2.textWrites.map((w) => w.addr - target)).toEqual([4, 0, 3, 1, 2]);
    expect([...k2.mem.peekBytes(target, 5)]).toEqual([0xb8, 1, 2, 3, 4]);
  });

  it('rejects a bad poke byte order', () => {
    expect(() => createKernel({ options: x86(), functions: [], pokeByteOrder: [0, 1, 2, 3, 3] })).toThrow(
      /permutation/,
    );
  });
});
