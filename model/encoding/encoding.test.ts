import { describe, expect, it } from 'vitest';
import { decodeWindow, encodeInsn, hex, nopPattern } from './window.ts';

describe('model encoders and decoders', () => {
  it('x86: mov $index,%eax is B8 + LE32 (spec §4.1 example 0x12345)', () => {
    expect(hex(encodeInsn('x86', 0x12345))).toBe('b8 45 23 01 00');
    expect(hex(encodeInsn('x86', 0))).toBe('b8 00 00 00 00');
    expect(nopPattern('x86')).toEqual([0x90, 0x90, 0x90, 0x90, 0x90]);
  });
  it('arm64: the index is a raw LE word; the NOP is 1f 20 03 d5', () => {
    expect(hex(encodeInsn('arm64', 5))).toBe('05 00 00 00');
    expect(hex(nopPattern('arm64'))).toBe('1f 20 03 d5');
  });
  it('decodes NOPs, instructions and foreign bytes strictly', () => {
    expect(decodeWindow('x86', [0x90, 0x90, 0x90, 0x90, 0x90])).toEqual({ kind: 'nops' });
    expect(decodeWindow('x86', [0xb8, 0x07, 0, 0, 0])).toEqual({ kind: 'insn', index: 7 });
    expect(decodeWindow('x86', [0x90, 0x90, 0x90, 0xf3, 0x0f])).toEqual({ kind: 'foreign' });
    expect(decodeWindow('x86', [0xb9, 0, 0, 0, 0])).toEqual({ kind: 'foreign' });
    expect(decodeWindow('x86', [0xb8, 0, 0, 0])).toEqual({ kind: 'foreign' });
    expect(decodeWindow('arm64', [0x1f, 0x20, 0x03, 0xd5])).toEqual({ kind: 'nops' });
    expect(decodeWindow('arm64', [0x00, 0x00, 0x00, 0x00])).toEqual({ kind: 'insn', index: 0 });
    expect(decodeWindow('arm64', [0xc0, 0x03, 0x5f, 0xd6])).toEqual({ kind: 'insn', index: 0xd65f03c0 });
  });
  it('round-trips every encoded index, both arches', () => {
    for (const i of [0, 1, 255, 256, 0x10000, 0x7fffffff, 0xffffffff]) {
      expect(decodeWindow('x86', encodeInsn('x86', i))).toEqual({ kind: 'insn', index: i });
      if (i !== 0xd503201f) expect(decodeWindow('arm64', encodeInsn('arm64', i))).toEqual({ kind: 'insn', index: i });
    }
  });
  it('rejects non-u32 indices', () => {
    expect(() => encodeInsn('x86', -1)).toThrow(RangeError);
    expect(() => encodeInsn('arm64', 2 ** 32)).toThrow(RangeError);
  });
});
