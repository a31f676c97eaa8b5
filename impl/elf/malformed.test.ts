import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXTURES, objectBytes } from '../fixtures/catalogue.ts';
import { ElfError, SHN_XINDEX, SHT_SYMTAB_SHNDX, parseElf } from './index.ts';
import { buildElf, readAll, sections, shdrAt, words } from './testing/synthetic.ts';

type Patch = (file: Uint8Array, v: DataView) => void;
const SH_NAME = 0;
const SH_SIZE = 32;
const SH_LINK = 40;
const SH_ENTSIZE = 56;

function patched(patch: Patch, base: Uint8Array = buildElf(sections())): Uint8Array {
  const file = base.slice();
  patch(file, new DataView(file.buffer));
  return file;
}

/** Offset of a section's data in a file buildElf made. */
const dataAt = (file: Uint8Array, index: number): number => Number(parseElf(file).sectionAt(index).offset);

const CASES: [string, () => Uint8Array, RegExp][] = [
  ['truncated header', () => buildElf(sections()).subarray(0, 63), /^truncated ELF header: 63 bytes/],
  ['empty input', () => new Uint8Array(0), /^truncated ELF header: 0 bytes/],
  ['bad magic', () => patched((f) => (f[1] = 0x46)), /^bad magic: not an ELF file$/],
  ['ELF32', () => patched((f) => (f[4] = 1)), /^not ELF64: EI_CLASS is 1/],
  ['big-endian', () => patched((f) => (f[5] = 2)), /^not little-endian: EI_DATA is 2/],
  ['e_shentsize', () => patched((_, v) => v.setUint16(58, 40, true)), /^e_shentsize is 40/],
  [
    'e_shnum past the end',
    () => patched((_, v) => v.setUint16(60, 200, true)),
    /^section header table out of bounds: 200 headers/,
  ],
  [
    'e_shoff past the end',
    () => patched((f, v) => v.setBigUint64(40, BigInt(f.length), true)),
    /^section header table out of bounds/,
  ],
  [
    'e_shoff not addressable',
    () => patched((_, v) => v.setBigUint64(40, 1n << 60n, true)),
    /^e_shoff 1152921504606846976 is too large to address/,
  ],
  [
    'extended numbering, section 0 past the end',
    () => patched((f, v) => v.setBigUint64(40, BigInt(f.length - 8), true), buildElf(sections(), { extended: true })),
    /^section header table out of bounds: section 0 \(extended section numbering\) at offset/,
  ],
  [
    'extended numbering, count in section 0 too large',
    () =>
      patched(
        (f, v) => v.setBigUint64(shdrAt(f, 0) + SH_SIZE, 1n << 40n, true),
        buildElf(sections(), { extended: true }),
      ),
    /^section count \(sh_size of section 0\) 1099511627776|^section header table out of bounds/,
  ],
  [
    'extended numbering, name table index in section 0 out of range',
    () => patched((f, v) => v.setUint32(shdrAt(f, 0) + SH_LINK, 77, true), buildElf(sections(), { extended: true })),
    /^section name string table index 77 out of range: the file has 6 sections/,
  ],
  [
    'e_shstrndx out of range',
    () => patched((_, v) => v.setUint16(62, 99, true)),
    /^section name string table index 99 out of range: the file has 6 sections/,
  ],
  [
    'section name table out of bounds',
    () => patched((f, v) => v.setBigUint64(shdrAt(f, 5) + SH_SIZE, 1n << 20n, true)),
    /^section 5 out of bounds: offset \d+ \+ size 1048576 exceeds the file/,
  ],
  [
    'section out of bounds',
    () => patched((f, v) => v.setBigUint64(shdrAt(f, 1) + SH_SIZE, 1000n, true)),
    /^section 1 out of bounds: offset 64 \+ size 1000 exceeds the file/,
  ],
  [
    'section size overflowing 64 bits with its offset',
    () => patched((f, v) => v.setBigUint64(shdrAt(f, 1) + SH_SIZE, (1n << 64n) - 1n, true)),
    /^section 1 out of bounds/,
  ],
  [
    'section name index out of range',
    () => patched((f, v) => v.setUint32(shdrAt(f, 1) + SH_NAME, 9999, true)),
    /^string table index out of range: 9999 in the section name table \(section 5\)/,
  ],
  [
    'unterminated section name',
    () => patched((f, v) => v.setBigUint64(shdrAt(f, 5) + SH_SIZE, parseElf(f).sectionAt(5).size - 1n, true)),
    /^unterminated string at \d+ in the section name table/,
  ],
  [
    'symbol table entry size',
    () => patched((f, v) => v.setBigUint64(shdrAt(f, 2) + SH_ENTSIZE, 16n, true)),
    /^symbol table \(section 2\) has sh_entsize 16, expected 24/,
  ],
  [
    'symbol table size',
    () => patched((f, v) => v.setBigUint64(shdrAt(f, 2) + SH_SIZE, 25n, true)),
    /^symbol table \(section 2\) size 25 is not a multiple of 24/,
  ],
  [
    'symbol table sh_link',
    () => patched((f, v) => v.setUint32(shdrAt(f, 2) + SH_LINK, 1, true)),
    /^symbol table \(section 2\) sh_link 1 is not a string table/,
  ],
  [
    'symbol table sh_link out of range',
    () => patched((f, v) => v.setUint32(shdrAt(f, 2) + SH_LINK, 1000, true)),
    /^symbol table \(section 2\) sh_link 1000 is not a string table/,
  ],
  [
    'symbol name index out of range',
    () => patched((f, v) => v.setUint32(dataAt(f, 2) + 24, 999, true)),
    /^string table index out of range: 999 in the symbol string table \(section 3\)/,
  ],
  [
    'SHN_XINDEX without SYMTAB_SHNDX',
    () => buildElf(sections(SHN_XINDEX)),
    /^symbol 1 has st_shndx SHN_XINDEX but the file has no SYMTAB_SHNDX/,
  ],
  [
    'SYMTAB_SHNDX too short',
    () =>
      buildElf(sections(SHN_XINDEX, [{ name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, data: words([0]), link: 2 }])),
    /^SYMTAB_SHNDX \(section 5\) has 4 bytes, symbol table 2 needs 8/,
  ],
  [
    'RELA symbol index out of range',
    () => patched((f, v) => v.setUint32(dataAt(f, 4) + 12, 9, true)),
    /^relocation 0 of \.rela\.text refers to symbol 9, the symbol table has 2/,
  ],
  [
    'RELA sh_link not the symbol table',
    () => patched((f, v) => v.setUint32(shdrAt(f, 4) + SH_LINK, 3, true)),
    /^RELA section 4 sh_link 3 is not the symbol table/,
  ],
  [
    'RELA sh_link out of range',
    () => patched((f, v) => v.setUint32(shdrAt(f, 4) + SH_LINK, 99, true)),
    /^section index 99 out of range: the file has 6 sections/,
  ],
  [
    'RELA entry size',
    () => patched((f, v) => v.setBigUint64(shdrAt(f, 4) + SH_ENTSIZE, 16n, true)),
    /^RELA section \(section 4\) has sh_entsize 16, expected 24/,
  ],
];

describe('malformed input is refused with an ElfError naming the problem', () => {
  it('the unpatched synthetic file reads cleanly (so each case below fails for its own reason)', () => {
    expect(readAll(buildElf(sections())).symbols()).toHaveLength(2);
    expect(readAll(buildElf(sections(), { extended: true })).sections).toHaveLength(6);
  });

  for (const [what, make, message] of CASES) {
    it(what, () => {
      const file = make();
      let thrown: unknown;
      try {
        readAll(file);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ElfError);
      expect((thrown as ElfError).message).toMatch(message);
    });
  }
});

/** Reads everything; returns the error when it is anything but an ElfError. */
function foreignError(file: Uint8Array): unknown {
  try {
    readAll(file);
  } catch (e) {
    if (!(e instanceof ElfError)) return e;
  }
  return undefined;
}

describe('damaged real objects: an ElfError or a clean read, never a RangeError', () => {
  for (const name of ['x86-C-kcfi', 'arm64-callops-6,4-bti']) {
    it(`${name} cut at every length`, () => {
      const whole = objectBytes(name);
      const bad = Array.from({ length: whole.length }, (_, n) => n).filter(
        (n) => foreignError(whole.subarray(0, n)) !== undefined,
      );
      expect(bad).toEqual([]);
    });
  }

  it('random byte and word overwrites of every committed object', () => {
    const objects = FIXTURES.map((o) => objectBytes(o.name));
    const edit = fc.record({
      at: fc.nat(),
      value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0xffff, 0xffffffff, 0x7fffffff)),
      width: fc.constantFrom(1, 2, 4, 8),
    });
    fc.assert(
      fc.property(fc.nat({ max: objects.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (i, edits) => {
        const file = (objects[i] ?? new Uint8Array(0)).slice();
        const v = new DataView(file.buffer);
        for (const e of edits) {
          const at = e.at % Math.max(1, file.length - 8);
          if (e.width === 1) v.setUint8(at, e.value & 0xff);
          else if (e.width === 2) v.setUint16(at, e.value & 0xffff, true);
          else if (e.width === 4) v.setUint32(at, e.value >>> 0, true);
          else v.setBigUint64(at, BigInt(e.value >>> 0) << 32n, true);
        }
        expect(foreignError(file)).toBeUndefined();
      }),
      { seed: 10, numRuns: 3000 },
    );
  });
});
