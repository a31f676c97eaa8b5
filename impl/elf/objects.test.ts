import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, OBJECTS_DIR, objectBytes } from '../fixtures/catalogue.ts';
import type { ElfFile, ElfSymbol } from './index.ts';
import {
  EM_AARCH64,
  EM_X86_64,
  ET_REL,
  R_AARCH64_ABS64,
  R_AARCH64_CALL26,
  R_X86_64_64,
  R_X86_64_PLT32,
  SHN_ABS,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FILE,
  STT_FUNC,
  STT_SECTION,
  parseElf,
} from './index.ts';

const load = (name: string): ElfFile => parseElf(objectBytes(name));
const funcs = (elf: ElfFile): ElfSymbol[] =>
  elf
    .symbols()
    .filter((s) => s.type === STT_FUNC)
    .sort((a, b) => Number(a.value - b.value));
/** name → [offset in .text, size, LOCAL/GLOBAL] of every function symbol, in address order */
const table = (elf: ElfFile): [string, number, number, string][] =>
  funcs(elf).map((s) => [s.name, Number(s.value), Number(s.size), s.bind === STB_LOCAL ? 'L' : 'G']);

describe('the committed objects through the reader', () => {
  it('are ELF64 LE relocatables for x86-64 and AArch64', () => {
    for (const o of FIXTURES) {
      const elf = load(o.name);
      expect(elf.header.type, o.name).toBe(ET_REL);
      expect(elf.header.machine, o.name).toBe(o.arch === 'x86' ? EM_X86_64 : EM_AARCH64);
    }
  });

  it('x86-A16.o (gcc): its sections', () => {
    const elf = load('x86-A16');
    expect(elf.sections.map((s) => s.name)).toEqual([
      '',
      '.text',
      '.rela.text',
      '.data',
      '.bss',
      '__patchable_function_entries',
      '.rela__patchable_function_entries',
      '__mcount_loc',
      '.rela__mcount_loc',
      '.rodata',
      '.rela.rodata',
      '.note.GNU-stack',
      '.note.gnu.property',
      '.symtab',
      '.strtab',
      '.shstrtab',
    ]);
    const text = elf.section('.text');
    expect([text?.type, text?.flags, text?.size, text?.addralign]).toEqual([SHT_PROGBITS, 6n, 0x169n, 16n]);
    expect(elf.section('.bss')?.type).toBe(SHT_NOBITS);
    expect(elf.bytesOf(elf.section('.bss') ?? elf.sectionAt(0))).toHaveLength(0);
    expect(elf.section('.symtab')?.type).toBe(SHT_SYMTAB);
    expect(elf.section('.rela.text')?.type).toBe(SHT_RELA);
    expect(elf.sectionAt(elf.shstrndx).type).toBe(SHT_STRTAB);
  });

  it('x86-A16.o (gcc): every function with its offset and size', () => {
    expect(table(load('x86-A16'))).toEqual([
      ['sq_static', 0x10, 21, 'L'],
      ['helper_static', 0x40, 16, 'L'],
      ['notrace_insn', 0x60, 10, 'G'],
      ['add', 0x80, 13, 'G'],
      ['caller', 0xa0, 31, 'G'],
      ['call_indirect', 0xd0, 28, 'G'],
      ['notrace_fn', 0xf0, 15, 'G'],
      ['many_args', 0x110, 89, 'G'],
    ]);
    const elf = load('x86-A16');
    expect(elf.symbols().find((s) => s.type === STT_FILE)).toMatchObject({ name: 'padding.c', shndx: SHN_ABS });
    expect(elf.symbol('__fentry__')?.shndx).toBe(SHN_UNDEF);
  });

  it('x86-B-kcfi.o (clang): every function and its __cfi_ preamble symbol', () => {
    expect(table(load('x86-B-kcfi'))).toEqual([
      ['__cfi_add', 0x0, 5, 'G'],
      ['add', 0x10, 13, 'G'],
      ['__cfi_caller', 0x20, 5, 'G'],
      ['caller', 0x30, 31, 'G'],
      ['helper_static', 0x60, 17, 'L'],
      ['__cfi_call_indirect', 0x80, 5, 'G'],
      ['call_indirect', 0x90, 35, 'G'],
      ['__cfi_notrace_insn', 0xc0, 5, 'G'],
      ['notrace_insn', 0xd0, 10, 'G'],
      ['__cfi_notrace_fn', 0xe0, 16, 'G'],
      ['notrace_fn', 0xf0, 15, 'G'],
      ['__cfi_many_args', 0x100, 5, 'G'],
      ['many_args', 0x110, 80, 'G'],
      ['__cfi_sq_static', 0x160, 5, 'L'],
      ['sq_static', 0x170, 21, 'L'],
    ]);
  });

  it('x86-C-kcfi.o (clang): every function and its __cfi_ preamble symbol', () => {
    expect(table(load('x86-C-kcfi'))).toEqual([
      ['__cfi_add', 0x0, 5, 'G'],
      ['add', 0x20, 13, 'G'],
      ['__cfi_caller', 0x40, 5, 'G'],
      ['caller', 0x60, 31, 'G'],
      ['helper_static', 0xa0, 17, 'L'],
      ['__cfi_call_indirect', 0xc0, 5, 'G'],
      ['call_indirect', 0xe0, 35, 'G'],
      ['__cfi_notrace_insn', 0x120, 5, 'G'],
      ['notrace_insn', 0x140, 10, 'G'],
      ['__cfi_notrace_fn', 0x160, 16, 'G'],
      ['notrace_fn', 0x170, 15, 'G'],
      ['__cfi_many_args', 0x180, 5, 'G'],
      ['many_args', 0x1a0, 80, 'G'],
      ['__cfi_sq_static', 0x200, 5, 'L'],
      ['sq_static', 0x220, 21, 'L'],
    ]);
  });

  it('clang gives one __patchable_function_entries section (and .rela) per function, gcc one per object', () => {
    const count = (elf: ElfFile): number =>
      elf.sections.filter((s) => s.name === '__patchable_function_entries').length;
    expect(count(load('x86-B-kcfi'))).toBe(7);
    expect(count(load('x86-C-kcfi'))).toBe(7);
    expect(count(load('x86-A16'))).toBe(1);
    expect(count(load('arm64-callops-6,4'))).toBe(1);
  });

  it('arm64-md-1,1.o and arm64-callops-6,4.o (gcc): every function with its offset and size', () => {
    expect(table(load('arm64-md-1,1'))).toEqual([
      ['sq_static', 0x4, 16, 'L'],
      ['helper_static', 0x18, 20, 'L'],
      ['notrace_insn', 0x30, 12, 'G'],
      ['add', 0x40, 8, 'G'],
      ['caller', 0x4c, 44, 'G'],
      ['call_indirect', 0x7c, 32, 'G'],
      ['notrace_fn', 0x9c, 12, 'G'],
      ['many_args', 0xac, 60, 'G'],
    ]);
    expect(table(load('arm64-callops-6,4'))).toEqual([
      ['sq_static', 0x10, 24, 'L'],
      ['helper_static', 0x38, 28, 'L'],
      ['notrace_insn', 0x68, 20, 'G'],
      ['add', 0x90, 16, 'G'],
      ['caller', 0xb0, 52, 'G'],
      ['call_indirect', 0xf8, 40, 'G'],
      ['notrace_fn', 0x120, 12, 'G'],
      ['many_args', 0x140, 68, 'G'],
    ]);
  });
});

describe('relocations against called functions', () => {
  const inside = (elf: ElfFile, fn: string, offset: bigint): boolean => {
    const s = elf.symbol(fn);
    return !!s && offset >= s.value && offset < s.value + s.size;
  };

  for (const o of FIXTURES) {
    it(`${o.name}: caller's call to add is relocated against add; its call to the static helper is resolved in place`, () => {
      const elf = load(o.name);
      const text = elf.section('.text') ?? elf.sectionAt(0);
      const rels = elf.relocationsFor(text).filter((r) => inside(elf, 'caller', r.offset));
      const calls = rels.filter((r) => r.symbol.name !== '__fentry__');
      expect(calls.map((r) => [r.symbol.name, r.type, r.addend])).toEqual([
        o.arch === 'x86' ? ['add', R_X86_64_PLT32, -4n] : ['add', R_AARCH64_CALL26, 0n],
      ]);
      expect(elf.relocationsFor(text).some((r) => r.symbol.name === 'helper_static')).toBe(false);
    });

    it(`${o.name}: fn_table's two entries point at sq_static and notrace_insn`, () => {
      const elf = load(o.name);
      const rodata = elf.section('.rodata') ?? elf.sectionAt(0);
      const targets = elf.relocationsFor(rodata).map((r) => {
        expect(r.type).toBe(o.arch === 'x86' ? R_X86_64_64 : R_AARCH64_ABS64);
        return r.symbol.type === STT_SECTION ? r.addend : r.symbol.value + r.addend;
      });
      expect(targets).toEqual([elf.symbol('sq_static')?.value, elf.symbol('notrace_insn')?.value]);
      expect(elf.symbol('fn_table')).toMatchObject({ bind: STB_GLOBAL, size: 16n, shndx: rodata.index });
    });
  }
});

/** The names GNU readelf prints for symbol types, bindings and special section indices. */
const TYPE: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 };
const BIND: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2 };
const NDX: Record<string, number> = { UND: 0, ABS: 0xfff1, COM: 0xfff2 };

const readelf = spawnSync('readelf', ['--version']).status === 0;

function run(args: string[]): string {
  const r = spawnSync('readelf', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`readelf ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('the reader agrees with GNU readelf on every committed object', () => {
  for (const o of FIXTURES) {
    it.skipIf(!readelf)(`${o.name}${readelf ? '' : ' (skipped: readelf, from binutils, not installed)'}`, () => {
      const path = join(OBJECTS_DIR, `${o.name}.o`);
      const elf = load(o.name);
      const sections = [
        ...run(['-SW', path]).matchAll(/^\s*\[\s*(\d+)\] (\S+)\s+(\S+)\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/gm),
      ];
      expect(sections.map((m) => [Number(m[1]), m[2], BigInt(`0x${m[5]}`), BigInt(`0x${m[6]}`)])).toEqual(
        elf.sections.slice(1).map((s) => [s.index, s.name, s.offset, s.size]),
      );
      const symbols = [
        ...run(['-sW', path]).matchAll(/^\s*(\d+): ([0-9a-f]+)\s+(\d+) (\S+)\s+(\S+)\s+\S+\s+(\S+) ?(.*)$/gm),
      ];
      expect(
        symbols.map((m) => [
          Number(m[1]),
          BigInt(`0x${m[2]}`),
          BigInt(m[3] ?? ''),
          TYPE[m[4] ?? ''],
          BIND[m[5] ?? ''],
          NDX[m[6] ?? ''] ?? Number(m[6]),
          m[7],
        ]),
      ).toEqual(
        elf
          .symbols()
          .map((s) => [
            s.index,
            s.value,
            s.size,
            s.type,
            s.bind,
            s.shndx,
            s.type === STT_SECTION ? elf.sectionAt(s.shndx).name : s.name,
          ]),
      );
      const relocs = [
        ...run(['-rW', path]).matchAll(/^Relocation section '(\S+)' at offset 0x([0-9a-f]+) contains (\d+) entr/gm),
      ];
      expect(relocs.map((m) => [m[1], BigInt(`0x${m[2]}`), Number(m[3])])).toEqual(
        elf.relocations().map((r) => [r.section.name, r.section.offset, r.relocations.length]),
      );
    });
  }
});
