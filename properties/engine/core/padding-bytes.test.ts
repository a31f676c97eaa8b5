import { describe, expect, it } from 'vitest';
import { describeOperation } from './operations.ts';
import { allConfigurations, paddingImage } from '../../../model/config/index.ts';
import { encodeInsn, hex } from '../../../model/index.ts';
import {
  PADDING_SOURCES,
  describeWindow,
  sourcesOfWindow,
  paddingSources,
  placementLabel,
  shiftsOf,
  windowOf,
} from './padding-bytes.ts';

const byName = (name: string) => {
  const s = PADDING_SOURCES.find((p) => p.name === name);
  if (!s) throw new Error(`no source ${name}`);
  return s;
};

describe('the catalogue of real padding bytes', () => {
  it('lists 30 x86 and 9 arm64 sources, each named once, with a reference and byte values', () => {
    expect(paddingSources('x86')).toHaveLength(30);
    expect(paddingSources('arm64')).toHaveLength(9);
    expect(new Set(PADDING_SOURCES.map((s) => s.name)).size).toBe(PADDING_SOURCES.length);
    for (const s of PADDING_SOURCES) {
      expect(s.ref, s.name).toMatch(/spec §|real-layouts\.md|asm\//);
      expect(s.bytes.length, s.name).toBeGreaterThan(0);
      expect(
        s.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 0xff),
        s.name,
      ).toBe(true);
      // arm64 text is words
      if (s.arch === 'arm64') expect(s.bytes.length % 4, s.name).toBe(0);
    }
  });

  it("holds every occupant of every configuration's boot image byte for byte (one source of the bytes)", () => {
    for (const c of allConfigurations()) {
      const image = [...paddingImage(c)];
      for (const o of c.occupants.filter((x) => !['md', 'nop', 'bhi'].includes(x.kind))) {
        // FINEIBT_BHI: the preamble and the tail FineIBT writes over its end are one source
        const end = c.occupants.find((t) => t.kind === 'bhi' && t.start === o.end)?.end ?? o.end;
        const bytes = image.slice(o.start + c.paddingBytes, end + c.paddingBytes);
        const found = paddingSources(c.arch).some((s) => hex(s.bytes) === hex(bytes));
        expect(found, `${c.name}: ${o.kind} ${hex(bytes)}`).toBe(true);
      }
    }
  });

  it('has every kCFI arity register (B8..BF), each FineIBT encoding, both thunks, ENDBR64, int3; BTI, NOP, BRK', () => {
    const x86 = paddingSources('x86').map((s) => hex(s.bytes.slice(0, 1)));
    for (let op = 0xb8; op <= 0xbf; op++) expect(x86).toContain(op.toString(16));
    const lengths = paddingSources('x86')
      .filter((s) => s.name.startsWith('call-depth thunk'))
      .map((s) => s.bytes.length);
    expect(lengths.sort((a, b) => a - b)).toEqual([9, 10]);
    expect(hex(byName('FineIBT feb2025 preamble').bytes.slice(0, 7))).toBe('f3 0f 1e fa 41 81 ea');
    expect(hex(byName('FineIBT later preamble').bytes.slice(0, 5))).toBe('f3 0f 1e fa 2d');
    const a64 = paddingSources('arm64').map((s) => hex(s.bytes));
    expect(a64).toEqual(expect.arrayContaining(['1f 20 03 d5', '5f 24 03 d5', '00 20 20 d4']));
  });
});

describe('windows over a source', () => {
  it('x86: any byte shift that overlaps, NOPs where the source does not reach', () => {
    const endbr = byName('ENDBR64 (entry of an IBT function or JIT image)');
    const shifts = shiftsOf(endbr, 5);
    expect(shifts[0]).toBe(0);
    expect([...shifts].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4]);
    expect(hex(windowOf(endbr, 3, 5))).toBe('90 90 90 f3 0f');
    expect(hex(windowOf(endbr, -2, 5))).toBe('1e fa 90 90 90');
  });

  it('arm64: word-aligned shifts only (one aligned store), so each window is one word of the source', () => {
    const literal = byName('CALL_OPS literal, ftrace_ops pointer');
    expect(shiftsOf(literal, 4)).toEqual([0, -4]);
    expect(windowOf(literal, -4, 4)).toEqual(literal.bytes.slice(4));
  });

  it('labels say which bytes of which string a window holds', () => {
    const feb = byName('FineIBT feb2025 preamble');
    expect(placementLabel(feb, -3, 5)).toBe('FineIBT feb2025 preamble, bytes 3..7');
    expect(placementLabel(feb, 3, 5)).toBe('FineIBT feb2025 preamble, bytes 0..1 at window byte 3');
    expect(placementLabel(byName('kCFI preamble mov $hash,%ecx (arity 1)'), 0, 5)).toBe(
      'kCFI preamble mov $hash,%ecx (arity 1)',
    );
  });

  it("names the case-C Kconfig-reading boot window (FineIBT over the md's last two bytes)", () => {
    const c = allConfigurations().find((x) => x.name === 'x86-C-fineibt-kconfig');
    if (!c) throw new Error('x86-C-fineibt-kconfig');
    const at = c.paddingBytes - c.insnOffset;
    const window = [...paddingImage(c)].slice(at, at + c.insnSize);
    expect(describeWindow('x86', window)).toContain('FineIBT feb2025 preamble, bytes 0..1 at window byte 3');
  });

  it('falls back to the md instruction, and to nothing for bytes no source holds', () => {
    expect(describeWindow('arm64', encodeInsn('arm64', 2))).toEqual(['md instruction, index 2']);
    expect(describeWindow('x86', [0x12, 0x34, 0x56, 0x78, 0x9a])).toEqual([]);
    expect(describeWindow('x86', [0xb8, 0xa5, 0xb5, 0xe5, 0x56])).toEqual(['kCFI preamble mov $hash,%eax (arity 0)']);
  });

  it('names each source once however many shifts match, for the C a report prints', () => {
    const int3 = [0xcc, 0xcc, 0xcc, 0xcc, 0xcc];
    expect(describeWindow('x86', int3).length).toBeGreaterThan(1);
    expect(sourcesOfWindow('x86', int3)).toHaveLength(1);
    expect(sourcesOfWindow('x86', int3)[0]).toMatch(/^int3 fill/);
    expect(sourcesOfWindow('arm64', encodeInsn('arm64', 7))).toEqual(['md instruction, index 7']);
    expect(sourcesOfWindow('x86', [0x12, 0x34, 0x56, 0x78, 0x9a])).toEqual([]);
    expect(describeOperation({ op: 'foreign_write', fn: 'f1', bytes: int3 })).toMatch(
      /^\/\* fault \*\/ foreign_write\(f1 md window, cc cc cc cc cc\); \/\* int3 fill .*\*\/$/,
    );
    expect(describeOperation({ op: 'foreign_write', fn: 'f0', bytes: [0x3f, 0x23, 0x03, 0xd5] })).toContain(
      '/* paciasp',
    );
    // random bytes, and a write that is no md window, carry no comment
    expect(describeOperation({ op: 'foreign_write', fn: 'f0', bytes: [0x12, 0x34, 0x56, 0x78, 0x9a] })).toBe(
      '/* fault */ foreign_write(f0 md window, 12 34 56 78 9a);',
    );
    expect(describeOperation({ op: 'foreign_write', fn: 'f0', bytes: [0xcc, 0xcc] })).toBe(
      '/* fault */ foreign_write(f0 md window, cc cc);',
    );
  });
});
