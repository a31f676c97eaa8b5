import { describe, expect, it } from 'vitest';
import {
  SHN_ABS,
  SHN_XINDEX,
  SHT_PROGBITS,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_OBJECT,
  parseElf,
} from './index.ts';
import type { SynthSection } from './testing/synthetic.ts';
import { buildElf, relaEntries, symbolTable, words } from './testing/synthetic.ts';

const KERNEL_TEXT = 0xffffffff81000000n; // above 2^53: must stay exact

/** .text (1), .symtab (2), .strtab (3), .rela.text (4); .shstrtab (5) added by buildElf. */
function small(): SynthSection[] {
  const { symtab, strtab } = symbolTable([
    { name: 'f', value: KERNEL_TEXT + 16n, size: 5n, bind: STB_GLOBAL, type: STT_FUNC, shndx: 1 },
    { name: 'g', value: 32n, size: 3n, bind: STB_LOCAL, type: STT_FUNC, shndx: 1 },
    { name: 'abs', value: 7n, size: 0n, bind: STB_GLOBAL, type: STT_OBJECT, shndx: SHN_ABS },
  ]);
  return [
    { name: '.text', type: SHT_PROGBITS, data: Uint8Array.from({ length: 48 }, (_, i) => i), flags: 6n },
    { name: '.symtab', type: SHT_SYMTAB, data: symtab, link: 3, info: 1, entsize: 24, addralign: 8 },
    { name: '.strtab', type: SHT_STRTAB, data: strtab },
    {
      name: '.rela.text',
      type: SHT_RELA,
      data: relaEntries([{ offset: 1n, sym: 1, type: 4, addend: -4n }]),
      link: 2,
      info: 1,
      entsize: 24,
    },
  ];
}

describe('a synthetic ELF64 LE object', () => {
  it('has its sections by name and index, bytes as views into the file', () => {
    const file = buildElf(small());
    const elf = parseElf(file);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.symtab', '.strtab', '.rela.text', '.shstrtab']);
    expect(elf.shstrndx).toBe(5);
    const text = elf.sectionAt(1);
    expect([text.type, text.flags, text.size]).toEqual([SHT_PROGBITS, 6n, 48n]);
    const bytes = elf.bytesOf(text);
    expect(bytes.buffer).toBe(file.buffer);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 1, 2, 3]);
  });

  it('has its symbols, addresses and sizes as BigInt (a kernel address above 2^53 exactly)', () => {
    const elf = parseElf(buildElf(small()));
    expect(elf.symbols().map((s) => [s.name, s.value, s.size, s.bind, s.type, s.shndx])).toEqual([
      ['', 0n, 0n, STB_LOCAL, 0, 0],
      ['f', KERNEL_TEXT + 16n, 5n, STB_GLOBAL, STT_FUNC, 1],
      ['g', 32n, 3n, STB_LOCAL, STT_FUNC, 1],
      ['abs', 7n, 0n, STB_GLOBAL, STT_OBJECT, SHN_ABS],
    ]);
    expect(elf.symbol('f')?.value).toBe(0xffffffff81000010n);
  });

  it('has its RELA entries with the symbol, type and signed addend, for the section sh_info names', () => {
    const elf = parseElf(buildElf(small()));
    const [rela] = elf.relocations();
    expect(rela?.target).toBe(1);
    expect(rela?.relocations.map((r) => [r.offset, r.type, r.symbol.name, r.addend])).toEqual([[1n, 4, 'f', -4n]]);
    expect(elf.relocationsFor(elf.sectionAt(1))).toHaveLength(1);
    expect(elf.relocationsFor(elf.sectionAt(2))).toHaveLength(0);
  });

  it('reads a file that is a view at an odd offset into a larger buffer', () => {
    const file = buildElf(small());
    const host = new Uint8Array(file.length + 7);
    host.set(file, 3);
    const elf = parseElf(host.subarray(3, 3 + file.length));
    expect(elf.symbol('g')?.value).toBe(32n);
    expect(elf.bytesOf(elf.sectionAt(1))[5]).toBe(5);
  });

  it('reads the same file with extended section numbering forced (e_shnum 0, e_shstrndx SHN_XINDEX)', () => {
    const file = buildElf(small(), { extended: true });
    const v = new DataView(file.buffer);
    expect([v.getUint16(60, true), v.getUint16(62, true)]).toEqual([0, SHN_XINDEX]);
    const elf = parseElf(file);
    expect([elf.header.shnum, elf.header.shstrndx]).toEqual([0, SHN_XINDEX]);
    expect(elf.sections.map((s) => s.name)).toEqual(parseElf(buildElf(small())).sections.map((s) => s.name));
    expect(elf.sectionAt(0).size).toBe(6n);
    expect(elf.sectionAt(0).link).toBe(5);
  });

  it('has no sections and no symbols when e_shoff is 0', () => {
    const file = buildElf([]);
    new DataView(file.buffer).setBigUint64(40, 0n, true);
    const elf = parseElf(file);
    expect(elf.sections).toEqual([]);
    expect(elf.symbols()).toEqual([]);
  });
});

describe('more sections than e_shnum can count (clang: one __patchable_function_entries per function)', () => {
  const N = 70_000; // N + 2 sections in all: more than e_shnum (16 bits) can hold
  // sections 1 .. N-3 are dummies, then .symtab (N-2), .strtab (N-1), .symtab_shndx (N), .shstrtab (N+1)
  const far = N - 3; // the last dummy, far above SHN_LORESERVE
  const built = new Map<boolean, Uint8Array>();
  const build = (withShndx: boolean): Uint8Array => {
    const done = built.get(withShndx);
    if (done) return done;
    const dummies: SynthSection[] = Array.from({ length: N - 3 }, (_, i) =>
      i === far - 1
        ? { name: '__patchable_function_entries', type: SHT_PROGBITS, data: Uint8Array.of(0xaa, 0xbb) }
        : { name: '__patchable_function_entries', type: SHT_PROGBITS },
    );
    const { symtab, strtab } = symbolTable([
      { name: 'near', value: 1n, size: 1n, bind: STB_GLOBAL, type: STT_FUNC, shndx: 1 },
      { name: 'far', value: 2n, size: 2n, bind: STB_GLOBAL, type: STT_FUNC, shndx: SHN_XINDEX },
      { name: 'abs', value: 3n, size: 0n, bind: STB_GLOBAL, type: STT_OBJECT, shndx: SHN_ABS },
    ]);
    const symSections: SynthSection[] = [
      { name: '.symtab', type: SHT_SYMTAB, data: symtab, link: N - 1, info: 1, entsize: 24 },
      { name: '.strtab', type: SHT_STRTAB, data: strtab },
      withShndx
        ? { name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, data: words([0, 0, far, 0]), link: N - 2, entsize: 4 }
        : { name: '.note', type: SHT_PROGBITS },
    ];
    const file = buildElf([...dummies, ...symSections]);
    built.set(withShndx, file);
    return file;
  };

  it('finds the count in section 0 sh_size and the name table in section 0 sh_link', () => {
    const elf = parseElf(build(true));
    expect(elf.header.shnum).toBe(0);
    expect(elf.header.shstrndx).toBe(SHN_XINDEX);
    expect(elf.sections).toHaveLength(N + 2);
    expect(elf.sectionAt(0).size).toBe(BigInt(N + 2));
    expect(elf.shstrndx).toBe(N + 1);
    expect(elf.sectionAt(N + 1).name).toBe('.shstrtab');
    expect(elf.sectionAt(N).name).toBe('.symtab_shndx');
    expect(elf.sectionAt(far).name).toBe('__patchable_function_entries');
    expect(Array.from(elf.bytesOf(elf.sectionAt(far)))).toEqual([0xaa, 0xbb]);
  });

  it('resolves st_shndx SHN_XINDEX through SHT_SYMTAB_SHNDX; other indices stay as they are', () => {
    const elf = parseElf(build(true));
    expect(elf.symbols().map((s) => [s.name, s.rawShndx, s.shndx])).toEqual([
      ['', 0, 0],
      ['near', 1, 1],
      ['far', SHN_XINDEX, far],
      ['abs', SHN_ABS, SHN_ABS],
    ]);
  });

  it('refuses SHN_XINDEX when the file has no SYMTAB_SHNDX', () => {
    expect(() => parseElf(build(false)).symbols()).toThrow(
      'symbol 2 has st_shndx SHN_XINDEX but the file has no SYMTAB_SHNDX',
    );
  });
});
