import { LeBytes } from './bytes.ts';
import { SHN_XINDEX, SHT_STRTAB, SHT_SYMTAB_SHNDX, SYM_SIZE } from './constants.ts';
import { ElfError } from './error.ts';
import type { Section } from './sections.ts';
import { readString } from './strings.ts';
import { tableEntries } from './table.ts';

/** One symbol (Elf64_Sym). `shndx` is the section index with SHN_XINDEX resolved through SHT_SYMTAB_SHNDX. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly type: number;
  readonly bind: number;
  readonly visibility: number;
  /** st_shndx as stored (SHN_XINDEX when the real index is in the extended table) */
  readonly rawShndx: number;
  /** the section index, or the special value (SHN_UNDEF, SHN_ABS, SHN_COMMON) */
  readonly shndx: number;
}

/** What reading a symbol table needs from the file. */
export interface SymbolSource {
  readonly sections: readonly Section[];
  bytesOf(section: Section): Uint8Array;
}

function linkedStrings(file: SymbolSource, table: Section): Uint8Array {
  const strtab = file.sections[table.link];
  if (!strtab || strtab.type !== SHT_STRTAB) {
    throw new ElfError(`symbol table (section ${table.index}) sh_link ${table.link} is not a string table`);
  }
  return file.bytesOf(strtab);
}

/** The SHT_SYMTAB_SHNDX section whose sh_link names this symbol table, as a bounds-checked reader. */
function extendedIndices(file: SymbolSource, table: Section, count: number): LeBytes | undefined {
  const shndx = file.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === table.index);
  if (!shndx) return undefined;
  if (shndx.size < BigInt(count * 4)) {
    throw new ElfError(
      `SYMTAB_SHNDX (section ${shndx.index}) has ${shndx.size} bytes, symbol table ${table.index} needs ${count * 4}`,
    );
  }
  return new LeBytes(file.bytesOf(shndx));
}

/** Every symbol of a SHT_SYMTAB (or SHT_DYNSYM) section, index 0 included. */
export function readSymbols(file: SymbolSource, table: Section): ElfSymbol[] {
  const what = 'symbol table';
  const count = tableEntries(table, SYM_SIZE, what);
  const bytes = new LeBytes(file.bytesOf(table));
  const names = linkedStrings(file, table);
  const xindex = extendedIndices(file, table, count);
  return Array.from({ length: count }, (_, index) => {
    const at = index * SYM_SIZE;
    // Stryker disable next-line ArrowFunction: `bytes` holds exactly count * SYM_SIZE bytes (tableEntries, sectionBytes), so no read here fails and these labels never reach an error
    const f = (field: string): string => `symbol ${index} ${field}`;
    const info = bytes.u8(at + 4, f('st_info'));
    const rawShndx = bytes.u16(at + 6, f('st_shndx'));
    let shndx = rawShndx;
    if (rawShndx === SHN_XINDEX) {
      if (!xindex) throw new ElfError(`symbol ${index} has st_shndx SHN_XINDEX but the file has no SYMTAB_SHNDX`);
      shndx = xindex.u32(index * 4, `SYMTAB_SHNDX entry ${index}`);
    }
    return {
      index,
      name: readString(names, bytes.u32(at, f('st_name')), `the symbol string table (section ${table.link})`),
      value: bytes.u64(at + 8, f('st_value')),
      size: bytes.u64(at + 16, f('st_size')),
      type: info & 0xf,
      bind: info >> 4,
      visibility: bytes.u8(at + 5, f('st_other')) & 0x3,
      rawShndx,
      shndx,
    };
  });
}
