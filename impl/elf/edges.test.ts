/**
 * The reader at the edges of every bound it checks: a read that ends exactly at the end of the
 * buffer is accepted, one byte further is refused with a message naming it; the two halves of
 * extended section numbering (e_shnum 0, e_shstrndx SHN_XINDEX) each on their own; every header
 * field read from its own place.
 */
import { describe, expect, it } from 'vitest';
import { LeBytes, toIndex } from './bytes.ts';
import { ElfError, SHN_XINDEX, SHT_PROGBITS, SHT_SYMTAB_SHNDX, parseElf } from './index.ts';
import type { SynthSection } from './testing/synthetic.ts';
import { buildElf, readAll, sections, shdrAt, words } from './testing/synthetic.ts';

const NAMES = ['', '.text', '.symtab', '.strtab', '.rela.text', '.shstrtab'];
const E_SHOFF = 40;
const E_SHNUM = 60;
const E_SHSTRNDX = 62;
const SH_NAME = 0;
const SH_SIZE = 32;
const SH_LINK = 40;

/** A copy of `base` with `patch` applied. */
function patched(patch: (file: Uint8Array, v: DataView) => void, base: Uint8Array = buildElf(sections())): Uint8Array {
  const file = base.slice();
  patch(file, new DataView(file.buffer));
  return file;
}

/** The ElfError message reading the whole file throws (fails the test on any other outcome). */
function refusal(file: Uint8Array): string {
  try {
    readAll(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    return (e as ElfError).message;
  }
  throw new Error('the file was read without an error');
}

describe('LeBytes: a read is refused, naming it, when any byte of it is outside the buffer', () => {
  const le = new LeBytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  const out = (size: number, offset: number): string =>
    `x out of bounds: ${size} byte(s) at offset ${offset}, buffer is 8 bytes`;

  it('reads that end exactly at the end of the buffer', () => {
    expect(le.u8(7, 'x')).toBe(8);
    expect(le.u16(6, 'x')).toBe(0x0807);
    expect(le.u32(4, 'x')).toBe(0x08070605);
    expect(le.u64(0, 'x')).toBe(0x0807060504030201n);
    expect(le.i64(0, 'x')).toBe(0x0807060504030201n);
    expect(Array.from(le.slice(6, 2, 'x'))).toEqual([7, 8]);
    expect(le.slice(8, 0, 'x')).toHaveLength(0);
  });

  it('an offset just past the end', () => {
    expect(() => le.u8(8, 'x')).toThrow(out(1, 8));
    expect(() => le.slice(9, 0, 'x')).toThrow(out(0, 9));
  });

  it('offset + size one byte past the end', () => {
    expect(() => le.u16(7, 'x')).toThrow(out(2, 7));
    expect(() => le.u32(5, 'x')).toThrow(out(4, 5));
    expect(() => le.u64(1, 'x')).toThrow(out(8, 1));
    expect(() => le.i64(1, 'x')).toThrow(out(8, 1));
    expect(() => le.slice(6, 3, 'x')).toThrow(out(3, 6));
  });

  it('a negative offset', () => {
    expect(() => le.u8(-1, 'x')).toThrow(out(1, -1));
    expect(() => le.u32(-4, 'x')).toThrow(out(4, -4));
    expect(() => le.slice(-1, 1, 'x')).toThrow(out(1, -1));
  });

  it('an offset that is not a safe integer (fractional, NaN, 2^53)', () => {
    expect(() => le.u8(0.5, 'x')).toThrow(out(1, 0.5));
    expect(() => le.u8(Number.NaN, 'x')).toThrow(out(1, Number.NaN));
    expect(() => le.u8(2 ** 53, 'x')).toThrow(out(1, 2 ** 53));
  });

  it('throws ElfError, never the RangeError of the DataView', () => {
    expect(() => le.u64(4, 'x')).toThrow(ElfError);
  });
});

describe('toIndex: a 64-bit offset or size as a number', () => {
  it('accepts exactly MAX_SAFE_INTEGER and refuses one more', () => {
    expect(toIndex(BigInt(Number.MAX_SAFE_INTEGER), 'e_shoff')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toIndex(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'e_shoff')).toThrow(
      'e_shoff 9007199254740992 is too large to address',
    );
  });

  it('e_shoff exactly MAX_SAFE_INTEGER is addressable (then past the end); one more is not', () => {
    const at = (shoff: bigint): Uint8Array => patched((_, v) => v.setBigUint64(E_SHOFF, shoff, true));
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    expect(refusal(at(max))).toMatch(/^section header table out of bounds: 6 headers at offset 9007199254740991 /);
    expect(refusal(at(max + 1n))).toBe('e_shoff 9007199254740992 is too large to address');
  });
});

describe('the ELF header', () => {
  it('a buffer of exactly 64 bytes is a whole header (here with no section table)', () => {
    const file = patched((_, v) => v.setBigUint64(E_SHOFF, 0n, true)).slice(0, 64);
    const elf = parseElf(file);
    expect(elf.sections).toEqual([]);
    expect(elf.shstrndx).toBe(0);
  });
});

describe('the section header table', () => {
  it('ends exactly at the file end (as buildElf lays it out) and is read', () => {
    const file = buildElf(sections());
    expect(shdrAt(file, 6)).toBe(file.length);
    expect(readAll(file).sections.map((s) => s.name)).toEqual(NAMES);
  });

  it('one byte short of the file end is refused, with the count, offset and end', () => {
    const file = buildElf(sections());
    const shoff = shdrAt(file, 0);
    expect(refusal(file.subarray(0, file.length - 1))).toBe(
      `section header table out of bounds: 6 headers at offset ${shoff} end at ${file.length}, the file is ${file.length - 1} bytes`,
    );
  });

  it('e_shoff at the file end, with e_shnum and e_shstrndx as stored (section 0 is not needed)', () => {
    const file = patched((f, v) => v.setBigUint64(E_SHOFF, BigInt(f.length), true));
    expect(refusal(file)).toBe(
      `section header table out of bounds: 6 headers at offset ${file.length} end at ${file.length + 384}, the file is ${file.length} bytes`,
    );
  });

  it('every field of a section header is read from its own place', () => {
    const file = patched((f, v) => {
      const at = shdrAt(f, 1);
      v.setBigUint64(at + 8, 0x1122334455667788n, true);
      v.setBigUint64(at + 16, 0xffffffff81000000n, true);
      v.setUint32(at + 40, 0xa1a2a3a4, true);
      v.setUint32(at + 44, 0xb1b2b3b4, true);
      v.setBigUint64(at + 48, 0x40n, true);
      v.setBigUint64(at + 56, 0x18n, true);
    });
    const s = parseElf(file).sectionAt(1);
    expect(s).toEqual({
      index: 1,
      name: '.text',
      nameOffset: 1,
      type: SHT_PROGBITS,
      flags: 0x1122334455667788n,
      addr: 0xffffffff81000000n,
      offset: 64n,
      size: 16n,
      link: 0xa1a2a3a4,
      info: 0xb1b2b3b4,
      addralign: 0x40n,
      entsize: 0x18n,
    });
  });
});

describe('extended section numbering: e_shnum 0 and e_shstrndx SHN_XINDEX each on their own', () => {
  it('e_shnum 0 with an ordinary e_shstrndx: the count from section 0, the name table from e_shstrndx', () => {
    const file = patched(
      (f, v) => {
        v.setUint16(E_SHSTRNDX, 5, true);
        v.setUint32(shdrAt(f, 0) + SH_LINK, 0, true);
      },
      buildElf(sections(), { extended: true }),
    );
    const elf = readAll(file);
    expect([elf.header.shnum, elf.header.shstrndx]).toEqual([0, 5]);
    expect(elf.shstrndx).toBe(5);
    expect(elf.sections.map((s) => s.name)).toEqual(NAMES);
  });

  it('e_shstrndx SHN_XINDEX with an ordinary e_shnum: the count from e_shnum, the name table from section 0', () => {
    const file = patched((f, v) => {
      v.setUint16(E_SHSTRNDX, SHN_XINDEX, true);
      v.setUint32(shdrAt(f, 0) + SH_LINK, 5, true);
    });
    const elf = readAll(file);
    expect(elf.sectionAt(0).size).toBe(0n);
    expect([elf.header.shnum, elf.header.shstrndx]).toEqual([6, SHN_XINDEX]);
    expect(elf.shstrndx).toBe(5);
    expect(elf.sections.map((s) => s.name)).toEqual(NAMES);
  });

  it('section 0 alone, ending exactly at the file end, is read (one section, no name table)', () => {
    const base = buildElf(sections(), { extended: true });
    const shoff = shdrAt(base, 0);
    const file = patched(
      (_, v) => {
        v.setBigUint64(shoff + SH_SIZE, 1n, true);
        v.setUint32(shoff + SH_LINK, 0, true);
      },
      base.slice(0, shoff + 64),
    );
    const elf = readAll(file);
    expect(elf.sections).toHaveLength(1);
    expect(elf.shstrndx).toBe(0);
    expect(elf.sectionAt(0).name).toBe('');
  });

  const zeroPastEnd = (shnum: number, shstrndx: number): void => {
    const base = buildElf(sections());
    const shoff = base.length - 63;
    const file = patched((_, v) => {
      v.setBigUint64(E_SHOFF, BigInt(shoff), true);
      v.setUint16(E_SHNUM, shnum, true);
      v.setUint16(E_SHSTRNDX, shstrndx, true);
    }, base);
    expect(refusal(file)).toBe(
      `section header table out of bounds: section 0 (extended section numbering) at offset ${shoff}, the file is ${file.length} bytes`,
    );
  };

  it('section 0 one byte past the file end: e_shnum 0 with SHN_XINDEX', () => {
    zeroPastEnd(0, SHN_XINDEX);
  });

  it('section 0 one byte past the file end: e_shnum 0 with an ordinary e_shstrndx', () => {
    zeroPastEnd(0, 5);
  });

  it('section 0 one byte past the file end: SHN_XINDEX with an ordinary e_shnum', () => {
    zeroPastEnd(6, SHN_XINDEX);
  });
});

describe('indices one past the end', () => {
  it('e_shstrndx equal to the section count is refused', () => {
    expect(refusal(patched((_, v) => v.setUint16(E_SHSTRNDX, 6, true)))).toBe(
      'section name string table index 6 out of range: the file has 6 sections',
    );
  });

  it('a section name index equal to the name table length is refused', () => {
    const base = buildElf(sections());
    const length = Number(parseElf(base).sectionAt(5).size);
    const file = patched((f, v) => v.setUint32(shdrAt(f, 1) + SH_NAME, length, true), base);
    expect(refusal(file)).toBe(
      `string table index out of range: ${length} in the section name table (section 5) of ${length} bytes`,
    );
  });

  it('a name that is not UTF-8 decodes with U+FFFD instead of refusing the file', () => {
    const base = buildElf(sections());
    const names = Number(parseElf(base).sectionAt(5).offset);
    const file = patched((f) => (f[names + 1] = 0xff), base);
    expect(readAll(file).sectionAt(1).name).toBe('\uFFFDtext');
  });

  it('a symbol name index equal to the string table length is refused', () => {
    const base = buildElf(sections());
    const elf = parseElf(base);
    const length = Number(elf.sectionAt(3).size);
    const file = patched((_, v) => v.setUint32(Number(elf.sectionAt(2).offset) + 24, length, true), base);
    expect(refusal(file)).toBe(
      `string table index out of range: ${length} in the symbol string table (section 3) of ${length} bytes`,
    );
  });

  it('a section ending exactly at the file end is read; one byte more is refused', () => {
    const base = buildElf(sections());
    const size = base.length - 64;
    const at = (n: number): Uint8Array =>
      patched((f, v) => v.setBigUint64(shdrAt(f, 1) + SH_SIZE, BigInt(n), true), base);
    const elf = readAll(at(size));
    expect(elf.bytesOf(elf.sectionAt(1))).toHaveLength(size);
    expect(refusal(at(size + 1))).toBe(
      `section 1 out of bounds: offset 64 + size ${size + 1} exceeds the file (${base.length} bytes)`,
    );
  });
});

describe('symbols', () => {
  it('are read once and kept', () => {
    const elf = parseElf(buildElf(sections()));
    const first = elf.symbols();
    expect(first).toHaveLength(2);
    expect(elf.symbols()).toBe(first);
  });

  it('SHN_XINDEX is resolved through the SYMTAB_SHNDX section, not another section linking to .symtab', () => {
    // .rela.text (4) links to .symtab (2) too, and comes first
    const shndx: SynthSection = { name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, data: words([0, 1]), link: 2 };
    const elf = readAll(buildElf(sections(SHN_XINDEX, [shndx])));
    expect(elf.sectionAt(4).link).toBe(2);
    expect(elf.symbol('f')?.shndx).toBe(1);
  });

  it('a SYMTAB_SHNDX section linking to another table is not this symbol table’s', () => {
    const shndx: SynthSection = { name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, data: words([0, 1]), link: 3 };
    expect(refusal(buildElf(sections(SHN_XINDEX, [shndx])))).toBe(
      'symbol 1 has st_shndx SHN_XINDEX but the file has no SYMTAB_SHNDX',
    );
  });
});
