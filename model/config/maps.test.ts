import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PADDING_PARAMS,
  ORDINARY_FUNCTION,
  allConfigurations,
  configurationByName,
  formatStrip,
  paddingImage,
  shapeOf,
} from './index.ts';

const hexOf = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** Byte maps from spec §4.4 (X1-X5) and §5, written out by hand. */
const EXPECTED: Record<string, string> = {
  'x86-A16': 'md[-16,-11) nop[-11,0)',
  'x86-A16-thunks-idle': 'md[-16,-11) nop[-11,0)',
  'x86-A16-thunks': 'md[-16,-11) nop[-11,-9) thunk[-9,0)',
  'x86-A32': 'md[-32,-27) nop[-27,0)',
  'x86-A64-thunks': 'md[-64,-59) nop[-59,-9) thunk[-9,0)',
  'x86-B-kcfi': 'kcfi[-16,-11) nop[-11,-5) md[-5,0)',
  // FINEIBT_BHI, an ordinary function (two arguments): the preamble's tail is the __bhi_args call
  'x86-C-fineibt-bhi-intent': 'kcfi[-32,-27) nop[-27,-24) md[-24,-19) nop[-19,-16) fineibt[-16,-7) bhi[-7,0)',
  'x86-C-kcfi-kconfig-thunks': 'kcfi[-32,-27) nop[-27,-19) md[-19,-14) nop[-14,-9) thunk[-9,0)',
  'x86-C-kcfi-kconfig-thunks-idle': 'kcfi[-32,-27) nop[-27,-19) md[-19,-14) nop[-14,0)',
  'x86-C-kcfi-intent-thunks': 'kcfi[-32,-27) nop[-27,-24) md[-24,-19) nop[-19,-9) thunk[-9,0)',
  'x86-C-fineibt-kconfig': 'kcfi[-32,-27) nop[-27,-19) md[-19,-14) fineibt[-16,0)',
  'x86-C-fineibt-intent': 'kcfi[-32,-27) nop[-27,-24) md[-24,-19) nop[-19,-16) fineibt[-16,0)',
  'x86-C-kcfi-kconfig-fineibt-built': 'kcfi[-32,-27) nop[-27,-19) md[-19,-14) nop[-14,0)',
  'arm64-md-1,1': 'md[-4,0)',
  'arm64-md8-2,2': 'nop[-8,-4) md[-4,0)',
  'arm64-args-3,1': 'md[-4,0)',
  'arm64-args8-4,2-bti': 'nop[-8,-4) md[-4,0)',
  'arm64-callops-6,4': 'nop[-16,-12) md[-12,-8) callops[-8,0)',
};

/**
 * Every function shape of a configuration (spec §4.4 X5, real-layouts.md rules 9-10): a static
 * whose address is never taken has no kCFI preamble, so all NOPs and no FineIBT; a function never
 * called directly gets no call-depth thunk. Written out by hand.
 */
const SHAPES: Record<string, Record<string, string>> = {
  'x86-A16': { plain: 'md[-16,-11) nop[-11,0)' },
  'x86-A16-thunks-idle': { plain: 'md[-16,-11) nop[-11,0)' },
  'x86-A16-thunks': { thunk: 'md[-16,-11) nop[-11,-9) thunk[-9,0)', 'no-thunk': 'md[-16,-11) nop[-11,0)' },
  'x86-B-kcfi': { kcfi: 'kcfi[-16,-11) nop[-11,-5) md[-5,0)', 'no-kcfi': 'nop[-16,-5) md[-5,0)' },
  'x86-C-kcfi-kconfig-thunks': {
    'kcfi+thunk': 'kcfi[-32,-27) nop[-27,-19) md[-19,-14) nop[-14,-9) thunk[-9,0)',
    'kcfi+no-thunk': 'kcfi[-32,-27) nop[-27,-19) md[-19,-14) nop[-14,0)',
    'no-kcfi+thunk': 'nop[-32,-19) md[-19,-14) nop[-14,-9) thunk[-9,0)',
    'no-kcfi+no-thunk': 'nop[-32,-19) md[-19,-14) nop[-14,0)',
  },
  'x86-C-fineibt-kconfig': {
    kcfi: 'kcfi[-32,-27) nop[-27,-19) md[-19,-14) fineibt[-16,0)',
    // apply_fineibt walks .cfi_sites: no preamble, no FineIBT, no overlap
    'no-kcfi': 'nop[-32,-19) md[-19,-14) nop[-14,0)',
  },
  'x86-C-fineibt-intent': {
    kcfi: 'kcfi[-32,-27) nop[-27,-24) md[-24,-19) nop[-19,-16) fineibt[-16,0)',
    'no-kcfi': 'nop[-32,-24) md[-24,-19) nop[-19,0)',
  },
  'x86-C-kcfi-intent-fineibt-built': {
    kcfi: 'kcfi[-32,-27) nop[-27,-24) md[-24,-19) nop[-19,0)',
    'no-kcfi': 'nop[-32,-24) md[-24,-19) nop[-19,0)',
  },
  'arm64-callops-6,4': { plain: 'nop[-16,-12) md[-12,-8) callops[-8,0)' },
};

describe('function shapes', () => {
  it.each(Object.entries(SHAPES))('%s', (name, shapes) => {
    const c = configurationByName(name);
    expect(Object.fromEntries(c.shapes.map((s) => [s.name, formatStrip(s.occupants)]))).toEqual(shapes);
    // the first shape is the ordinary function's, the one `occupants` describes
    expect(c.shapes[0]?.occupants).toBe(c.occupants);
    expect(c.shapes[0]?.overlaps).toEqual(c.overlaps);
  });

  it('every CFI_CLANG configuration has a no-preamble shape, every one with active thunks a no-thunk shape, every FINEIBT_BHI one three arity shapes', () => {
    for (const c of allConfigurations()) {
      const o = c.options;
      const names = c.shapes.map((s) => s.name);
      const kcfi = o.cfiClang;
      const thunks = o.arch === 'x86' && o.thunksActive;
      expect(
        names.some((n) => n.startsWith('no-kcfi')),
        c.name,
      ).toBe(kcfi);
      expect(
        names.some((n) => n.endsWith('no-thunk')),
        c.name,
      ).toBe(thunks);
      const bhi = o.arch === 'x86' && o.fineibtBhi;
      expect(names.filter((n) => n.includes('+arity')).length, c.name).toBe(bhi ? 3 : 0);
      // the arity classes split only the functions with a preamble
      expect(c.shapes, c.name).toHaveLength(((kcfi ? 1 : 0) * (bhi ? 3 : 1) + 1) * (thunks ? 2 : 1));
    }
  });

  it('FINEIBT_BHI: the arity picks the preamble tail; the kept kCFI mov names the arity register', () => {
    const c = configurationByName('x86-C-fineibt-bhi-intent');
    const bytesOf = (arity: number): string =>
      hexOf(
        paddingImage(c, { ...DEFAULT_PADDING_PARAMS, arity }, shapeOf(c, { cfi: true, directCallDest: true, arity })),
      );
    // offsets -32 (kCFI mov) and -7..-1 (preamble tail from offset 9)
    expect(bytesOf(0).slice(0, 2)).toBe('b8');
    expect(bytesOf(0).split(' ').slice(25).join(' ')).toBe('67 0f 1f 40 d6 75 fd'); // the later preamble's own tail
    expect(bytesOf(1).slice(0, 2)).toBe('b9');
    expect(bytesOf(1).split(' ').slice(25).join(' ')).toBe('2e 49 0f 45 fa 75 03');
    expect(bytesOf(3).slice(0, 2)).toBe('bb');
    expect(bytesOf(3).split(' ').slice(25).join(' ')).toBe('2e 2e e8 21 43 65 00');
    expect(shapeOf(c, { cfi: true, directCallDest: true, arity: 1 }).entryAtBoot?.what).toMatch(/BHI arity-1/);
    // the arity must be of the shape's class
    expect(() => paddingImage(c, { ...DEFAULT_PADDING_PARAMS, arity: 1 }, shapeOf(c, ORDINARY_FUNCTION))).toThrow(
      /arity 1 is not of shape kcfi\+arity2\+/,
    );
    // elsewhere the arity changes nothing
    const plain = configurationByName('x86-C-fineibt-later-intent');
    expect(shapeOf(plain, { cfi: true, directCallDest: true, arity: 1 })).toBe(shapeOf(plain, ORDINARY_FUNCTION));
  });

  it('shapeOf picks the shape by the facts, ignoring those that do not matter', () => {
    const b = configurationByName('x86-B-kcfi');
    expect(shapeOf(b, { cfi: false, directCallDest: false }).name).toBe('no-kcfi');
    expect(shapeOf(b, ORDINARY_FUNCTION).name).toBe('kcfi');
    const a = configurationByName('x86-A16-thunks');
    expect(shapeOf(a, { cfi: false, directCallDest: false }).name).toBe('no-thunk');
    expect(shapeOf(a, { cfi: false, directCallDest: true }).name).toBe('thunk');
    expect(shapeOf(configurationByName('x86-A16'), { cfi: true, directCallDest: false }).name).toBe('plain');
  });
});

describe('byte maps', () => {
  it.each(Object.entries(EXPECTED))('%s', (name, strip) => {
    expect(formatStrip(configurationByName(name).occupants)).toBe(strip);
  });

  it('offsets and compiler flags per case (spec §4.3, §5)', () => {
    const row = (name: string): string => {
      const c = configurationByName(name);
      return `${c.patchableEntry} pad=${c.paddingBytes} align=${c.alignment} insn=${c.insnOffset} data=${c.dataOffset}`;
    };
    expect(row('x86-A16')).toBe('16,16 pad=16 align=16 insn=16 data=15');
    expect(row('x86-A64')).toBe('64,64 pad=64 align=64 insn=64 data=63');
    expect(row('x86-B-kcfi')).toBe('11,11 pad=16 align=16 insn=5 data=4');
    expect(row('x86-C-kcfi-kconfig-thunks')).toBe('27,27 pad=32 align=32 insn=19 data=18');
    expect(row('x86-C-kcfi-intent-thunks')).toBe('27,27 pad=32 align=32 insn=24 data=23');
    expect(row('arm64-md-1,1')).toBe('1,1 pad=4 align=4 insn=4 data=4');
    expect(row('arm64-args-3,1-bti')).toBe('3,1 pad=4 align=4 insn=4 data=4');
    expect(row('arm64-args8-4,2')).toBe('4,2 pad=8 align=8 insn=4 data=4');
    expect(row('arm64-callops-6,4')).toBe('6,4 pad=16 align=8 insn=12 data=12');
  });

  it('BTI changes the name and options, never the padding', () => {
    const plain = configurationByName('arm64-callops-6,4');
    const bti = configurationByName('arm64-callops-6,4-bti');
    expect(bti.occupants).toEqual(plain.occupants);
    expect(bti.options).toEqual({ ...plain.options, bti: true });
  });
});
