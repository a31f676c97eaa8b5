import type { LeBytes } from './bytes.ts';
import { toIndex } from './bytes.ts';
import { SHDR_SIZE, SHN_UNDEF, SHN_XINDEX, SHT_NOBITS } from './constants.ts';
import { ElfError } from './error.ts';
import type { ElfHeader } from './header.ts';
import { readString } from './strings.ts';

/** One section header (Elf64_Shdr) with its name resolved; addresses and sizes as BigInt. */
export interface Section {
  readonly index: number;
  readonly name: string;
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
}

type RawSection = Omit<Section, 'name'>;

function readRaw(bytes: LeBytes, base: number, index: number): RawSection {
  const at = base + index * SHDR_SIZE;
  // Stryker disable next-line ArrowFunction: readRaw runs only after counts / readSections checked the headers it reads lie in the file, so no read here fails and these labels never reach an error
  const f = (field: string): string => `section header ${index} ${field}`;
  return {
    index,
    nameOffset: bytes.u32(at, f('sh_name')),
    type: bytes.u32(at + 4, f('sh_type')),
    flags: bytes.u64(at + 8, f('sh_flags')),
    addr: bytes.u64(at + 16, f('sh_addr')),
    offset: bytes.u64(at + 24, f('sh_offset')),
    size: bytes.u64(at + 32, f('sh_size')),
    link: bytes.u32(at + 40, f('sh_link')),
    info: bytes.u32(at + 44, f('sh_info')),
    addralign: bytes.u64(at + 48, f('sh_addralign')),
    entsize: bytes.u64(at + 56, f('sh_entsize')),
  };
}

/** The section count and name-table index after extended numbering (gABI: both live in section 0 when too big). */
function counts(bytes: LeBytes, header: ElfHeader): { count: number; shstrndx: number } {
  if (header.shoff === 0) return { count: 0, shstrndx: SHN_UNDEF };
  if (header.shentsize !== SHDR_SIZE) {
    throw new ElfError(`e_shentsize is ${header.shentsize}, an ELF64 section header is ${SHDR_SIZE}`);
  }
  const needsZero = header.shnum === 0 || header.shstrndx === SHN_XINDEX;
  if (needsZero && header.shoff + SHDR_SIZE > bytes.length) {
    throw new ElfError(
      `section header table out of bounds: section 0 (extended section numbering) at offset ${header.shoff}, the file is ${bytes.length} bytes`,
    );
  }
  const zero = needsZero ? readRaw(bytes, header.shoff, 0) : undefined;
  const count = header.shnum === 0 && zero ? toIndex(zero.size, 'section count (sh_size of section 0)') : header.shnum;
  const shstrndx = header.shstrndx === SHN_XINDEX && zero ? zero.link : header.shstrndx;
  return { count, shstrndx };
}

/** The bytes of a section as a view into the file (empty for SHT_NOBITS); refused when outside the file. */
export function sectionBytes(bytes: LeBytes, s: RawSection): Uint8Array {
  if (s.type === SHT_NOBITS) return new Uint8Array(0);
  const end = s.offset + s.size;
  if (end > BigInt(bytes.length)) {
    throw new ElfError(
      `section ${s.index} out of bounds: offset ${s.offset} + size ${s.size} exceeds the file (${bytes.length} bytes)`,
    );
  }
  return bytes.slice(Number(s.offset), Number(s.size), `section ${s.index}`);
}

/** Every section header, names resolved through the section name string table. */
export function readSections(bytes: LeBytes, header: ElfHeader): { sections: Section[]; shstrndx: number } {
  const { count, shstrndx } = counts(bytes, header);
  // count 0 ends the table at e_shoff, which is 0 or had section 0 checked inside the file by counts
  const tableEnd = header.shoff + count * SHDR_SIZE;
  if (tableEnd > bytes.length) {
    throw new ElfError(
      `section header table out of bounds: ${count} headers at offset ${header.shoff} end at ${tableEnd}, the file is ${bytes.length} bytes`,
    );
  }
  const raw = Array.from({ length: count }, (_, i) => readRaw(bytes, header.shoff, i));
  if (shstrndx !== SHN_UNDEF && shstrndx >= count) {
    throw new ElfError(`section name string table index ${shstrndx} out of range: the file has ${count} sections`);
  }
  const names = shstrndx === SHN_UNDEF ? undefined : sectionBytes(bytes, raw[shstrndx]);
  const sections = raw.map((s) => ({
    ...s,
    name: names ? readString(names, s.nameOffset, `the section name table (section ${shstrndx})`) : '',
  }));
  return { sections, shstrndx };
}
