import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_PADDING_PARAMS,
  allConfigurations,
  compilerInputFor,
  compilerLayout,
  configurationByName,
  linkTimeImage,
  parsePatchableEntry,
  shapeOf,
} from './index.ts';
import type { CompilerLayoutInput } from './index.ts';

const X86: CompilerLayoutInput = { arch: 'x86', patchable: null, padded: true, alignment: 16, kcfi: null, bti: false };

describe('compilerLayout rules', () => {
  // real-layouts.md rule 10: (M, A) -> leading 0x90s, hash immediate position
  it.each([
    [0, 16, 11, 4],
    [11, 16, 0, 15],
    [16, 16, 11, 20],
    [27, 32, 0, 31],
    [32, 32, 11, 36],
  ])('x86 kCFI with M=%i A=%i: %i leading NOPs, hash at entry-%i', (m, a, leading, hashAt) => {
    const l = compilerLayout({ ...X86, patchable: { n: m, m }, alignment: a, kcfi: { hash: 0x56e5b5a5 } });
    expect(l.window.length % 16).toBe(0);
    expect(l.parts.map((p) => p.kind)).toEqual([
      ...(leading > 0 ? ['cfi-fill'] : []),
      'kcfi',
      ...(m > 0 ? ['patch'] : []),
    ]);
    const at = l.window.length - hashAt;
    expect(Array.from(l.window.subarray(at - 1, at + 4))).toEqual([0xb8, 0xa5, 0xb5, 0xe5, 0x56]);
  });

  it('x86 kCFI build, function without preamble: NOPs up to a 16-byte boundary, no room for a mov; nothing when M = 0', () => {
    const noPreamble = { ...X86, kcfi: { hash: null } };
    // real clang-16 (spec/real-layouts.md rule 10): 16, 16, 32, 32 bytes before the entry
    for (const [m, bytes] of [
      [11, 16],
      [16, 16],
      [27, 32],
      [32, 32],
    ] as const) {
      expect(compilerLayout({ ...noPreamble, patchable: { n: m, m } }).window).toEqual(
        new Uint8Array(bytes).fill(0x90),
      );
    }
    expect(compilerLayout({ ...noPreamble, patchable: null }).window.length).toBe(0);
  });

  it('every shape of every configuration links to what the compiler rule emits for its facts', () => {
    const P = DEFAULT_PADDING_PARAMS;
    for (const c of allConfigurations())
      for (const s of c.shapes) {
        const rule = compilerLayout(compilerInputFor(c, P, s)).window;
        expect(Array.from(linkTimeImage(c, P, s)), `${c.name} ${s.name}`).toEqual(Array.from(rule));
      }
    // the no-preamble input is the rule's hash-null case
    const b = configurationByName('x86-B-kcfi');
    expect(compilerInputFor(b, DEFAULT_PADDING_PARAMS, shapeOf(b, { cfi: false, directCallDest: true })).kcfi).toEqual({
      hash: null,
    });
  });

  it('entry phase follows the window length (entry is aligned only if the window is)', () => {
    expect(compilerLayout({ ...X86, patchable: { n: 5, m: 5 } }).entryPhase).toBe(5);
    expect(compilerLayout({ ...X86, patchable: { n: 32, m: 32 }, alignment: 32, kcfi: { hash: 1 } }).entryPhase).toBe(
      16,
    );
  });

  it('unpadded functions have no window', () => {
    expect(compilerLayout({ ...X86, patchable: { n: 16, m: 16 }, padded: false }).window.length).toBe(0);
  });

  it('arm64: hash word right before the M NOP words; bti and N-M NOPs at the entry', () => {
    const l = compilerLayout({
      arch: 'arm64',
      patchable: { n: 6, m: 4 },
      padded: true,
      alignment: 8,
      kcfi: { hash: 0x56e5b5a5 },
      bti: true,
    });
    expect(l.window.length).toBe(20);
    expect(Array.from(l.window.subarray(0, 4))).toEqual([0xa5, 0xb5, 0xe5, 0x56]);
    expect(l.entryPhase).toBe(4);
    expect(Array.from(l.entryPrefix)).toEqual([0x5f, 0x24, 0x03, 0xd5, 0x1f, 0x20, 0x03, 0xd5, 0x1f, 0x20, 0x03, 0xd5]);
  });

  it('parsePatchableEntry', () => {
    expect(parsePatchableEntry('6,4')).toEqual({ n: 6, m: 4 });
    expect(parsePatchableEntry('2')).toEqual({ n: 2, m: 0 });
    expect(() => parsePatchableEntry('1,2')).toThrow(ConfigError);
    expect(() => parsePatchableEntry('x')).toThrow(ConfigError);
  });
});
