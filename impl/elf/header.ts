import type { LeBytes } from './bytes.ts';
import { toIndex } from './bytes.ts';
import { EHDR_SIZE, ELFCLASS64, ELFDATA2LSB } from './constants.ts';
import { ElfError } from './error.ts';

/** The ELF64 file header (Elf64_Ehdr) fields the reader needs. e_shnum / e_shstrndx as stored (before extended numbering). */
export interface ElfHeader {
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: bigint;
  readonly phoff: bigint;
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

const MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Reads and validates the header: length, magic, ELF64, little-endian. */
export function readHeader(bytes: LeBytes): ElfHeader {
  if (bytes.length < EHDR_SIZE) {
    throw new ElfError(`truncated ELF header: ${bytes.length} bytes, an ELF64 header is ${EHDR_SIZE}`);
  }
  if (MAGIC.some((b, i) => bytes.u8(i, 'e_ident') !== b)) throw new ElfError('bad magic: not an ELF file');
  const cls = bytes.u8(4, 'EI_CLASS');
  if (cls !== ELFCLASS64) throw new ElfError(`not ELF64: EI_CLASS is ${cls}, expected ${ELFCLASS64}`);
  const data = bytes.u8(5, 'EI_DATA');
  if (data !== ELFDATA2LSB) throw new ElfError(`not little-endian: EI_DATA is ${data}, expected ${ELFDATA2LSB}`);
  return {
    type: bytes.u16(16, 'e_type'),
    machine: bytes.u16(18, 'e_machine'),
    version: bytes.u32(20, 'e_version'),
    entry: bytes.u64(24, 'e_entry'),
    phoff: bytes.u64(32, 'e_phoff'),
    shoff: toIndex(bytes.u64(40, 'e_shoff'), 'e_shoff'),
    flags: bytes.u32(48, 'e_flags'),
    ehsize: bytes.u16(52, 'e_ehsize'),
    shentsize: bytes.u16(58, 'e_shentsize'),
    shnum: bytes.u16(60, 'e_shnum'),
    shstrndx: bytes.u16(62, 'e_shstrndx'),
  };
}
