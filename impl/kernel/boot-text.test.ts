import { describe, expect, it } from 'vitest';
import { arm64, bytesAt, kernelWith, staticAddrOf, x86, x86CaseC } from '../testing/fixtures.ts';
import { arm64PatchableEntry } from './arm64-config.ts';
import { createKernel } from './kernel.ts';
import type { Kernel } from './kernel.ts';
import { A64_ADD, A64_NOP } from './arm64-encodings.ts';
import { layoutArm64 } from './arm64-text.ts';
import { hex, readU32le, toI32, u32le, u64le } from './le.ts';
import { callThunksActive, fineibtActive } from './x86-config.ts';
import { CALL_DEPTH_THUNK_SIZE } from './x86-encodings.ts';

describe('x86 configuration predicates', () => {
  it('FineIBT runs only when built (CFI_CLANG and FINEIBT) and chosen at boot', () => {
    expect(fineibtActive(x86({ cfiClang: true, fineibt: true, cfiMode: 'fineibt' }))).toBe(true);
    expect(fineibtActive(x86({ cfiClang: true, fineibt: false, cfiMode: 'fineibt' }))).toBe(false);
    expect(fineibtActive(x86({ cfiClang: false, fineibt: true, cfiMode: 'fineibt' }))).toBe(false);
    expect(fineibtActive(x86({ cfiClang: true, fineibt: true, cfiMode: 'kcfi' }))).toBe(false);
  });

  it('thunks are written only when built and enabled at boot', () => {
    expect(callThunksActive(x86({ callThunks: true, thunksActive: true }))).toBe(true);
    expect(callThunksActive(x86({ callThunks: true, thunksActive: false }))).toBe(false);
    expect(callThunksActive(x86({ callThunks: false, thunksActive: true }))).toBe(false);
  });
});

describe('arm64 patchable entry', () => {
  it('without metadata (CFI_CLANG) and without CALL_OPS or WITH_ARGS: no patchable entry at all', () => {
    expect(arm64PatchableEntry(arm64({ cfiClang: true }))).toEqual({ total: 0, before: 0 });
    expect(arm64PatchableEntry(arm64({ cfiClang: true, withArgs: true }))).toEqual({ total: 2, before: 0 });
    expect(arm64PatchableEntry(arm64({ cfiClang: true, callOps: true }))).toEqual({ total: 4, before: 2 });
  });
});

describe('arm64 text layout', () => {
  it('starts with one ADD word, so the first function has a body before it', () => {
    const t = layoutArm64(arm64(), [{ name: 'f', padded: true }], 0x1000);
    expect([...t.bytes.subarray(0, 4)]).toEqual(u32le(A64_ADD));
    expect(t.functions[0]?.ip).toBe(0x1000 + 12); // ADD, RET tail, one NOP before the entry
  });

  it('refuses a tail or a body that is not whole 4-byte words', () => {
    const o = arm64();
    expect(() => layoutArm64(o, [{ name: 'f', padded: true, tail: [1, 2, 3] }], 0)).toThrow(
      'arm64 function f: tail and body must be whole 4-byte words',
    );
    expect(() => layoutArm64(o, [{ name: 'g', padded: true, body: [1, 2, 3, 4, 5, 6] }], 0)).toThrow('whole 4-byte');
    expect(() =>
      layoutArm64(o, [{ name: 'h', padded: true, tail: [1, 2, 3, 4], body: [1, 2, 3, 4] }], 0),
    ).not.toThrow();
  });
});

const bytes = (k: Kernel, addr: number, n: number): string =>
  bytesAt(k, addr, n)
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(' ');

describe('boot', () => {
  it('x86 thunks over a FineIBT preamble: callthunks finds the padding taken, writes no thunk, says so', () => {
    const k = kernelWith(x86CaseC({ cfiMode: 'fineibt', thunksActive: true }), 2);
    expect(k.bootNotes).toEqual([
      'callthunks: invalid padding area for f0, no thunk',
      'callthunks: invalid padding area for f1, no thunk',
    ]);
    const f0 = k.fn('f0').ip;
    expect(bytesAt(k, f0 - CALL_DEPTH_THUNK_SIZE, CALL_DEPTH_THUNK_SIZE)).not.toEqual(
      new Array<number>(CALL_DEPTH_THUNK_SIZE).fill(0x90),
    );
  });

  it('FINEIBT_BHI: the preamble tail by arity (none, inline, __bhi_args call), the kept kCFI mov names the arity register', () => {
    const options = x86CaseC({ callThunks: false, cfiMode: 'fineibt', fineibtEncoding: 'later', fineibtBhi: true });
    const k = createKernel({
      options,
      functions: [0, 1, 2, 7].map((arity) => ({ name: `a${arity}`, padded: true, arity, kcfiHash: 0x12345678 })),
    });
    // spec §4.1, written out: ip-32 the kCFI mov, ip-16..ip+4 the FineIBT preamble and the entry
    const seen = (name: string): string => {
      const ip = k.fn(name).ip;
      return `${bytes(k, ip - 32, 1)} | ${bytes(k, ip - 16, 20)}`;
    };
    const head = 'f3 0f 1e fa 2d 78 56 34 12';
    const entry = '0f 1f 40 d6'; // poison_endbr; the arity-1 sequence runs on through these same bytes
    expect(seen('a0')).toBe(`b8 | ${head} 67 0f 1f 40 d6 75 fd ${entry}`);
    expect(seen('a1')).toBe(`b9 | ${head} 2e 49 0f 45 fa 75 03 ${entry}`);
    // cs cs call rel32, rel32 from the end of the call (ip) to __bhi_args[arity], 32-byte thunks
    const callTarget = (name: string): number => {
      const ip = k.fn(name).ip;
      expect(bytes(k, ip - 7, 3)).toBe('2e 2e e8');
      return (readU32le(bytesAt(k, ip - 4, 4)) + ip) % 2 ** 32;
    };
    expect(callTarget('a7') - callTarget('a2')).toBe(32 * 5);
    expect(bytes(k, k.fn('a2').ip - 32, 1)).toBe('ba');
    expect(bytes(k, k.fn('a7').ip - 32, 1)).toBe('bf');
    // without the bhi rewrite the later preamble keeps its own tail
    const plain = createKernel({
      options: { ...options, fineibtBhi: false },
      functions: [{ name: 'a1', padded: true, arity: 1 }],
    });
    expect(bytes(plain, plain.fn('a1').ip - 7, 7)).toBe('67 0f 1f 40 d6 75 fd');
    expect(bytes(plain, plain.fn('a1').ip - 32, 1)).toBe('b8');
  });

  it('x86 thunks over NOPs are written, without a note', () => {
    const k = kernelWith(x86({ callThunks: true, thunksActive: true }), 2);
    expect(k.bootNotes).toEqual([]);
    expect(bytesAt(k, k.fn('f0').ip - CALL_DEPTH_THUNK_SIZE, 1)).not.toEqual([0x90]);
  });

  it('arm64: the CALL_OPS literal at ip-8 points at ftrace_nop_ops only with CALL_OPS', () => {
    const ops = kernelWith(arm64({ callOps: true }), 2);
    expect(ops.bootNotes).toEqual([]);
    expect(bytesAt(ops, ops.fn('f0').ip - 8, 8)).toEqual(u64le(staticAddrOf(ops, 'ftrace_nop_ops')));
    const plain = kernelWith(arm64({ withArgs: true, alignment8b: true }), 2);
    expect(plain.bootNotes).toEqual([]);
    expect(bytesAt(plain, plain.fn('f0').ip - 8, 8)).toEqual([...u32le(A64_NOP), ...u32le(A64_NOP)]);
  });
});

describe('little-endian helpers', () => {
  it('readU32le reads four bytes at an offset, unsigned; toI32 is the signed view; hex names an address', () => {
    const bytes = [0xaa, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff];
    expect(readU32le(bytes)).toBe(0x345678aa);
    expect(readU32le(bytes, 1)).toBe(0x12345678);
    expect(readU32le(bytes, 5)).toBe(0xffffffff);
    expect(toI32(0xffffffff)).toBe(-1);
    expect(toI32(0x7fffffff)).toBe(0x7fffffff);
    expect(hex(0xffff81000010)).toBe('0xffff81000010');
  });
});
