import { describe, expect, it } from 'vitest';
import { arm64PatchableEntry } from './arm64-config.ts';
import { createKernel } from './kernel.ts';
import { u32le, u64le } from './le.ts';
import type { Arm64Options } from './options.ts';
import type { FunctionSpec } from './spec.ts';
import { arm64, bytesAt, padded, staticAddrOf } from '../testing/fixtures.ts';

const NOP = [0x1f, 0x20, 0x03, 0xd5];
const BTI = [0x5f, 0x24, 0x03, 0xd5];
const RET = [0xc0, 0x03, 0x5f, 0xd6];
const ADD = [0x00, 0x00, 0x01, 0x0b];
const nops = (n: number): number[] => Array.from({ length: n }, () => NOP).flat();

function boot(options: Arm64Options, functions: FunctionSpec[] = padded(4)) {
  return createKernel({ options, functions });
}

describe('arm64 patchable-entry arithmetic (v4 Makefile)', () => {
  it.each([
    [arm64(), 1, 1],
    [arm64({ alignment8b: true }), 2, 2],
    [arm64({ withArgs: true }), 3, 1],
    [arm64({ withArgs: true, alignment8b: true }), 4, 2],
    [arm64({ withArgs: true, callOps: true, alignment8b: true }), 6, 4],
    [arm64({ callOps: true }), 6, 4],
  ])('%o -> %i,%i', (o, total, before) => {
    expect(arm64PatchableEntry(o)).toEqual({ total, before });
  });
});

describe('arm64 text placement', () => {
  it('1,1: one NOP word before the entry, previous ret before it', () => {
    const k = boot(arm64());
    const ip = k.fn('f1').ip;
    expect(bytesAt(k, ip - 8, 12)).toEqual([...RET, ...NOP, ...ADD]);
  });

  it('3,1: one NOP before, two at the entry', () => {
    const k = boot(arm64({ withArgs: true }));
    const ip = k.fn('f1').ip;
    expect(bytesAt(k, ip - 8, 20)).toEqual([...RET, ...nops(3), ...ADD]);
  });

  it('2,2 with 8-byte alignment: the pre-entry block starts 8-aligned', () => {
    const k = boot(arm64({ alignment8b: true }));
    for (const f of k.functions) {
      expect(f.blockStart % 8).toBe(0);
      expect(bytesAt(k, f.ip - 8, 12)).toEqual([...nops(2), ...ADD]);
    }
  });

  it('4,2: two NOPs before, two at the entry', () => {
    const k = boot(arm64({ withArgs: true, alignment8b: true }));
    const ip = k.fn('f2').ip;
    expect(ip % 8).toBe(0);
    expect(bytesAt(k, ip - 12, 24)).toEqual([...RET, ...nops(4), ...ADD]);
  });

  it('6,4 CALL_OPS: spare NOP, md NOP, 8-aligned ops literal, two NOPs at the entry', () => {
    const k = boot(arm64({ withArgs: true, callOps: true, alignment8b: true }));
    const ops = staticAddrOf(k, 'ftrace_nop_ops');
    for (const f of k.functions) {
      expect((f.ip - 8) % 8).toBe(0);
      expect(f.blockStart).toBe(f.ip - 16);
      expect(bytesAt(k, f.ip - 16, 28)).toEqual([...nops(2), ...u64le(ops), ...nops(2), ...ADD]);
    }
  });

  it('BTI: bti c at the entry, ftrace NOPs after it', () => {
    const k = boot(arm64({ withArgs: true, bti: true }));
    const ip = k.fn('f0').ip;
    expect(bytesAt(k, ip - 4, 16)).toEqual([...NOP, ...BTI, ...nops(2)]);
  });

  it("notrace (unpadded): the previous function's last word sits right before the entry", () => {
    const literal = u32le(0x00000003);
    const k = boot(arm64({ withArgs: true, callOps: true }), [
      { name: 'a', padded: true },
      { name: 'nt', padded: false, tail: literal },
      { name: 'nt2', padded: false },
    ]);
    const nt = k.fn('nt');
    expect(bytesAt(k, nt.ip - 4, 8)).toEqual([...literal, ...ADD]);
    expect(nt.ip % 8).toBe(0);
    expect(bytesAt(k, k.fn('nt2').ip - 4, 4)).toEqual(RET);
  });

  it('rejects tails that are not whole words', () => {
    expect(() => boot(arm64(), [{ name: 'x', padded: true, tail: [1, 2] }])).toThrow(/whole 4-byte words/);
  });

  it('CFI_CLANG: FUNCTION_METADATA is not built, mainline layout with the hash word', () => {
    const k = boot(arm64({ cfiClang: true, callOps: true }));
    const ip = k.fn('f1').ip;
    expect(bytesAt(k, ip - 12, 4)).toEqual([0xa5, 0xb5, 0xe5, 0x56]);
  });
});
