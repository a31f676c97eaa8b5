import { describe, expect, it } from 'vitest';
import { createKernel } from './kernel.ts';
import type { X86Options } from './options.ts';
import type { FunctionSpec } from './spec.ts';
import { x86Filler } from './x86-encodings.ts';
import { bytesAt, padded, x86, x86CaseC } from '../testing/fixtures.ts';

const HASH_LE = [0xa5, 0xb5, 0xe5, 0x56];
const FEB2025 = [0xf3, 0x0f, 0x1e, 0xfa, 0x41, 0x81, 0xea, ...HASH_LE, 0x75, 0xf9, 0x0f, 0x1f, 0x00];
const nops = (n: number): number[] => new Array<number>(n).fill(0x90);

function boot(options: X86Options, functions: FunctionSpec[] = padded(4)) {
  return createKernel({ options, functions });
}

describe('x86 text placement', () => {
  it('case A: 16 NOPs before a 16-aligned entry, filler before them', () => {
    const k = boot(x86());
    for (const f of k.functions) {
      expect(f.ip % 16).toBe(0);
      expect(f.blockStart).toBe(f.ip - 16);
      expect(bytesAt(k, f.ip - 16, 16)).toEqual(nops(16));
      // after a 4-byte body, gas fills 12 bytes: the 11-byte NOP, then 90 (real-layouts.md)
      expect(bytesAt(k, f.ip - 28, 12)).toEqual([0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0, 0x90]);
    }
  });

  it("case A': 32 or 64 NOPs with larger alignment", () => {
    for (const a of [32, 64] as const) {
      const k = boot(x86({ functionAlignment: a }));
      const f = k.fn('f2');
      expect(f.ip % a).toBe(0);
      expect(bytesAt(k, f.ip - a, a)).toEqual(nops(a));
    }
  });

  it('case B: kCFI mov at ip-16, then 11 NOPs (PB = 11)', () => {
    const k = boot(x86({ cfiClang: true, cfiMode: 'kcfi' }));
    const f = k.fn('f1');
    expect(f.ip % 16).toBe(0);
    expect(f.blockStart).toBe(f.ip - 16);
    expect(bytesAt(k, f.ip - 16, 16)).toEqual([0xb8, ...HASH_LE, ...nops(11)]);
  });

  it('case B honours a per-function kCFI hash', () => {
    const k = boot(x86({ cfiClang: true, cfiMode: 'kcfi' }), [{ name: 'g', padded: true, kcfiHash: 0x00050794 }]);
    expect(bytesAt(k, k.fn('g').ip - 16, 5)).toEqual([0xb8, 0x94, 0x07, 0x05, 0x00]);
  });

  it('case C (kCFI mode): kCFI at ip-32, 27 NOPs, call-depth thunk at ip-9', () => {
    const k = boot(x86CaseC({ thunksActive: true }), [{ name: 'g', padded: true, thunkRel32: 0x01020304 }]);
    const ip = k.fn('g').ip;
    expect(ip % 32).toBe(0);
    expect(bytesAt(k, ip - 32, 32)).toEqual([
      0xb8,
      ...HASH_LE,
      ...nops(18),
      0x65,
      0x48,
      0xc1,
      0x3d,
      0x04,
      0x03,
      0x02,
      0x01,
      0x05,
    ]);
  });

  it('case C without thunks active keeps all 27 NOPs', () => {
    const k = boot(x86CaseC());
    const ip = k.fn('f0').ip;
    expect(bytesAt(k, ip - 32, 32)).toEqual([0xb8, ...HASH_LE, ...nops(27)]);
  });

  it('case C (FineIBT mode): FineIBT preamble at ip-16, old kCFI mov stays at ip-32, no thunk', () => {
    const k = boot(x86CaseC({ cfiMode: 'fineibt', thunksActive: true }));
    const ip = k.fn('f3').ip;
    expect(bytesAt(k, ip - 32, 32)).toEqual([0xb8, ...HASH_LE, ...nops(11), ...FEB2025]);
    // callthunks refuses padding that is not all NOPs
    expect(k.bootNotes).toHaveLength(4);
  });

  it('writes each FineIBT encoding', () => {
    const pre = boot(x86CaseC({ cfiMode: 'fineibt', fineibtEncoding: 'pre2025' }));
    expect(bytesAt(pre, pre.fn('f0').ip - 16, 16)).toEqual([
      0xf3,
      0x0f,
      0x1e,
      0xfa,
      0x41,
      0x81,
      0xea,
      ...HASH_LE,
      0x74,
      0x03,
      0x0f,
      0x0b,
      0x90,
    ]);
    const later = boot(x86CaseC({ cfiMode: 'fineibt', fineibtEncoding: 'later' }));
    expect(bytesAt(later, later.fn('f0').ip - 16, 16)).toEqual([
      0xf3,
      0x0f,
      0x1e,
      0xfa,
      0x2d,
      ...HASH_LE,
      0x67,
      0x0f,
      0x1f,
      0x40,
      0xd6,
      0x75,
      0xfd,
    ]);
  });

  it('16-byte FineIBT overwrites the whole padding including the kCFI mov', () => {
    const k = boot(x86({ cfiClang: true, fineibt: true, cfiMode: 'fineibt' }));
    expect(bytesAt(k, k.fn('f1').ip - 16, 16)).toEqual(FEB2025);
  });

  it('FineIBT built but cfi=kcfi leaves the kCFI bytes alone', () => {
    const k = boot(x86CaseC({ callThunks: false }));
    expect(bytesAt(k, k.fn('f1').ip - 32, 5)).toEqual([0xb8, ...HASH_LE]);
    expect(bytesAt(k, k.fn('f1').ip - 16, 16)).toEqual(nops(16));
  });

  it('case A with call-depth thunks: 7 NOPs then the thunk', () => {
    const k = boot(x86({ callThunks: true, thunksActive: true }));
    const ip = k.fn('f1').ip;
    const rel = (0x32c40 - ip) >>> 0;
    expect(bytesAt(k, ip - 16, 16)).toEqual([
      ...nops(7),
      0x65,
      0x48,
      0xc1,
      0x3d,
      rel & 0xff,
      (rel >>> 8) & 0xff,
      (rel >>> 16) & 0xff,
      rel >>> 24,
      0x05,
    ]);
  });

  it('64-byte kCFI: PB = 59, mov at ip-64', () => {
    const k = boot(x86({ cfiClang: true, cfiMode: 'kcfi', functionAlignment: 64 }));
    const ip = k.fn('f1').ip;
    expect(ip % 64).toBe(0);
    expect(bytesAt(k, ip - 64, 64)).toEqual([0xb8, ...HASH_LE, ...nops(59)]);
  });

  it('unpadded functions: the previous tail and filler run right up to the entry', () => {
    const tail = [0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3];
    const k = boot(x86({ cfiClang: true, cfiMode: 'kcfi' }), [
      { name: 'a', padded: true },
      { name: 'asm', padded: false, tail },
      { name: 'b', padded: true },
    ]);
    const f = k.fn('asm');
    expect(f.padded).toBe(false);
    expect(f.blockStart).toBe(f.ip);
    expect(f.ip % 16).toBe(0);
    expect(bytesAt(k, f.ip - 6, 6)).toEqual(tail);
    // the bytes before the tail are filler after the previous body, never a padding run
    expect(bytesAt(k, f.ip - 16, 10)).toEqual([0x8d, 0x04, 0x37, 0xc3, ...x86Filler(6)]);
  });

  it('a tail before a padded function ends where the padding block starts', () => {
    const k = boot(x86(), [{ name: 'g', padded: true, tail: [0xc3, 0xcc], body: [0x0f, 0x0b] }]);
    const ip = k.fn('g').ip;
    expect(bytesAt(k, ip - 18, 20)).toEqual([0xc3, 0xcc, ...nops(16), 0x0f, 0x0b]);
  });

  it('keeps the post-boot image and the text extent', () => {
    const k = boot(x86CaseC({ cfiMode: 'fineibt' }));
    expect(k.initialText.length).toBe(k.textSize);
    expect([...k.initialText.subarray(k.fn('f0').ip - k.textBase - 16, k.fn('f0').ip - k.textBase)]).toEqual(FEB2025);
    expect(k.isText(k.textBase)).toBe(true);
    expect(k.isText(k.textBase + k.textSize)).toBe(false);
  });

  it('alignment filler is made of multi-byte NOPs of the exact length', () => {
    for (let n = 0; n < 40; n++) expect(x86Filler(n)).toHaveLength(n);
    expect(x86Filler(10)).toEqual([0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00]);
  });
});
