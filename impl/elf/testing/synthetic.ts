/**
 * Builds small ELF64 little-endian files in memory for the reader's tests: any sections, a symbol
 * table, and extended section numbering on request. Each layout field is written where the gABI
 * puts it, so a test can then damage one field and check the reader names it.
 */
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ET_REL,
  SHDR_SIZE,
  SHN_XINDEX,
  SHT_PROGBITS,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STT_FUNC,
  SYM_SIZE,
} from '../constants.ts';
import { parseElf } from '../file.ts';
import type { ElfFile } from '../file.ts';

export interface SynthSection {
  readonly name: string;
  readonly type: number;
  readonly data?: Uint8Array;
  readonly flags?: bigint;
  readonly link?: number;
  readonly info?: number;
  readonly entsize?: number;
  readonly addralign?: number;
  /** sh_size when it is not data.length (SHT_NOBITS, or a lie for a malformed file) */
  readonly size?: bigint;
}

export interface SynthOptions {
  readonly machine?: number;
  /** e_shnum = 0 and e_shstrndx = SHN_XINDEX, the real values in section 0 */
  readonly extended?: boolean;
}

/** A string table and the offset of each string in it. */
export function stringTable(strings: readonly string[]): { bytes: Uint8Array; offsets: number[] } {
  const enc = new TextEncoder();
  const parts: number[] = [0];
  const offsets = strings.map((s) => {
    const at = parts.length;
    parts.push(...enc.encode(s), 0);
    return at;
  });
  return { bytes: Uint8Array.from(parts), offsets };
}

export interface SynthSymbol {
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly bind: number;
  readonly type: number;
  readonly shndx: number;
}

/** .symtab bytes (the null symbol first) and the .strtab it names; st_shndx as given (SHN_XINDEX allowed). */
export function symbolTable(symbols: readonly SynthSymbol[]): { symtab: Uint8Array; strtab: Uint8Array } {
  const { bytes: strtab, offsets } = stringTable(symbols.map((s) => s.name));
  const symtab = new Uint8Array((symbols.length + 1) * SYM_SIZE);
  const v = new DataView(symtab.buffer);
  symbols.forEach((s, i) => {
    const at = (i + 1) * SYM_SIZE;
    v.setUint32(at, offsets[i] ?? 0, true);
    v.setUint8(at + 4, (s.bind << 4) | s.type);
    v.setUint16(at + 6, s.shndx, true);
    v.setBigUint64(at + 8, s.value, true);
    v.setBigUint64(at + 16, s.size, true);
  });
  return { symtab, strtab };
}

/** 32-bit little-endian words (a SYMTAB_SHNDX section's contents). */
export function words(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setUint32(i * 4, x, true));
  return out;
}

/** Elf64_Rela entries. */
export function relaEntries(
  entries: readonly { offset: bigint; sym: number; type: number; addend: bigint }[],
): Uint8Array {
  const out = new Uint8Array(entries.length * 24);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    v.setBigUint64(i * 24, e.offset, true);
    v.setBigUint64(i * 24 + 8, (BigInt(e.sym) << 32n) | BigInt(e.type), true);
    v.setBigInt64(i * 24 + 16, e.addend, true);
  });
  return out;
}

/** Section index i of `sections` is i + 1 in the file (0 is the null section); .shstrtab comes last. */
export function buildElf(sections: readonly SynthSection[], options: SynthOptions = {}): Uint8Array {
  const all: SynthSection[] = [...sections, { name: '.shstrtab', type: SHT_STRTAB }];
  const names = stringTable(all.map((s) => s.name));
  const datas = all.map((s, i) => (i === all.length - 1 ? names.bytes : (s.data ?? new Uint8Array(0))));
  let offset = EHDR_SIZE;
  const offsets = datas.map((d) => {
    const at = offset;
    offset += d.length;
    return at;
  });
  const shoff = Math.ceil(offset / 8) * 8;
  const count = all.length + 1;
  const out = new Uint8Array(shoff + count * SHDR_SIZE);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, ELFCLASS64, ELFDATA2LSB, 1], 0);
  v.setUint16(16, ET_REL, true);
  v.setUint16(18, options.machine ?? 62, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(58, SHDR_SIZE, true);
  const shstrndx = count - 1;
  const big = options.extended === true || count >= 0xff00;
  v.setUint16(60, big ? 0 : count, true);
  v.setUint16(62, big ? SHN_XINDEX : shstrndx, true);
  if (big) {
    v.setBigUint64(shoff + 32, BigInt(count), true);
    v.setUint32(shoff + 40, shstrndx, true);
  }
  all.forEach((s, i) => {
    const d = datas[i] ?? new Uint8Array(0);
    out.set(d, offsets[i] ?? 0);
    const at = shoff + (i + 1) * SHDR_SIZE;
    v.setUint32(at, names.offsets[i] ?? 0, true);
    v.setUint32(at + 4, s.type, true);
    v.setBigUint64(at + 8, s.flags ?? 0n, true);
    v.setBigUint64(at + 24, BigInt(offsets[i] ?? 0), true);
    v.setBigUint64(at + 32, s.size ?? BigInt(d.length), true);
    v.setUint32(at + 40, s.link ?? 0, true);
    v.setUint32(at + 44, s.info ?? 0, true);
    v.setBigUint64(at + 48, BigInt(s.addralign ?? 1), true);
    v.setBigUint64(at + 56, BigInt(s.entsize ?? 0), true);
  });
  return out;
}

/** Offsets of the header fields and of section header `index` in a file buildElf made. */
export function shdrAt(file: Uint8Array, index: number): number {
  const shoff = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(40, true));
  return shoff + index * SHDR_SIZE;
}

/** .text (1), .symtab (2), .strtab (3), .rela.text (4), then `extra`; .shstrtab last. */
export function sections(shndx = 1, extra: SynthSection[] = []): SynthSection[] {
  const { symtab, strtab } = symbolTable([{ name: 'f', value: 0n, size: 4n, bind: STB_GLOBAL, type: STT_FUNC, shndx }]);
  return [
    { name: '.text', type: SHT_PROGBITS, data: new Uint8Array(16) },
    { name: '.symtab', type: SHT_SYMTAB, data: symtab, link: 3, info: 1, entsize: 24 },
    { name: '.strtab', type: SHT_STRTAB, data: strtab },
    {
      name: '.rela.text',
      type: SHT_RELA,
      data: relaEntries([{ offset: 0n, sym: 1, type: 4, addend: -4n }]),
      link: 2,
      info: 1,
      entsize: 24,
    },
    ...extra,
  ];
}

/** Everything the reader can be asked, so any problem in the file surfaces. */
export function readAll(file: Uint8Array): ElfFile {
  const elf = parseElf(file);
  for (const s of elf.sections) elf.bytesOf(s);
  elf.symbols();
  elf.relocations();
  return elf;
}
