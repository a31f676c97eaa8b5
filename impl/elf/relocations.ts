import { LeBytes } from './bytes.ts';
import { RELA_SIZE } from './constants.ts';
import { ElfError } from './error.ts';
import type { Section } from './sections.ts';
import type { ElfSymbol } from './symbols.ts';
import { tableEntries } from './table.ts';

/** One Elf64_Rela, its symbol resolved. `offset` is relative to the section it applies to (`target`). */
export interface Relocation {
  readonly offset: bigint;
  readonly type: number;
  readonly symbolIndex: number;
  readonly symbol: ElfSymbol;
  readonly addend: bigint;
}

/** A SHT_RELA section: the section it applies to (sh_info), and its entries against its symbol table (sh_link). */
export interface RelocationSection {
  readonly section: Section;
  readonly target: number;
  readonly relocations: readonly Relocation[];
}

export function readRela(section: Section, bytes: Uint8Array, symbols: readonly ElfSymbol[]): RelocationSection {
  const count = tableEntries(section, RELA_SIZE, 'RELA section');
  const le = new LeBytes(bytes);
  const relocations = Array.from({ length: count }, (_, i) => {
    const at = i * RELA_SIZE;
    const info = le.u64(at + 8, `relocation ${i} r_info`);
    const symbolIndex = Number(info >> 32n);
    const symbol = symbols[symbolIndex];
    if (!symbol) {
      throw new ElfError(
        `relocation ${i} of ${section.name || `section ${section.index}`} refers to symbol ${symbolIndex}, the symbol table has ${symbols.length}`,
      );
    }
    return {
      offset: le.u64(at, `relocation ${i} r_offset`),
      type: Number(info & 0xffffffffn),
      symbolIndex,
      symbol,
      addend: le.i64(at + 16, `relocation ${i} r_addend`),
    };
  });
  return { section, target: section.info, relocations };
}
