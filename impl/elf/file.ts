import { LeBytes } from './bytes.ts';
import { SHT_RELA, SHT_SYMTAB } from './constants.ts';
import { ElfError } from './error.ts';
import type { ElfHeader } from './header.ts';
import { readHeader } from './header.ts';
import type { RelocationSection } from './relocations.ts';
import { readRela } from './relocations.ts';
import type { Section } from './sections.ts';
import { readSections, sectionBytes } from './sections.ts';
import type { ElfSymbol } from './symbols.ts';
import { readSymbols } from './symbols.ts';

/**
 * An ELF64 little-endian file: the header, the sections (extended numbering resolved), their
 * bytes as views, .symtab and the RELA sections. Headers are read and validated up front;
 * symbols and relocations on first use, then kept.
 */
export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: readonly Section[];
  /** the section name string table's index after extended numbering */
  readonly shstrndx: number;
  private readonly bytes: LeBytes;
  private symtab: readonly ElfSymbol[] | undefined;

  constructor(data: Uint8Array) {
    this.bytes = new LeBytes(data);
    this.header = readHeader(this.bytes);
    const { sections, shstrndx } = readSections(this.bytes, this.header);
    this.sections = sections;
    this.shstrndx = shstrndx;
  }

  /** The first section with this name, or undefined. */
  section(name: string): Section | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The section with this index, refused when there is none. */
  sectionAt(index: number): Section {
    const s = this.sections[index];
    if (!s) throw new ElfError(`section index ${index} out of range: the file has ${this.sections.length} sections`);
    return s;
  }

  /** The bytes of a section, a view into the file (empty for SHT_NOBITS). */
  bytesOf(section: Section): Uint8Array {
    return sectionBytes(this.bytes, section);
  }

  /** The symbols of the (one) SHT_SYMTAB section, index 0 included; empty when there is none. */
  symbols(): readonly ElfSymbol[] {
    if (!this.symtab) {
      const table = this.sections.find((s) => s.type === SHT_SYMTAB);
      this.symtab = table ? readSymbols(this, table) : [];
    }
    return this.symtab;
  }

  /** The symbol with this name, or undefined (the first one when several share it). */
  symbol(name: string): ElfSymbol | undefined {
    return this.symbols().find((s) => s.name === name);
  }

  /** Every SHT_RELA section with its entries, symbols resolved through .symtab. */
  relocations(): RelocationSection[] {
    return this.sections
      .filter((s) => s.type === SHT_RELA)
      .map((s) => {
        const table = this.sectionAt(s.link);
        if (table.type !== SHT_SYMTAB) {
          throw new ElfError(`RELA section ${s.index} sh_link ${s.link} is not the symbol table`);
        }
        return readRela(s, this.bytesOf(s), this.symbols());
      });
  }

  /** The relocations that apply to one section (those of every RELA section whose sh_info names it). */
  relocationsFor(section: Section): RelocationSection['relocations'] {
    return this.relocations()
      .filter((r) => r.target === section.index)
      .flatMap((r) => r.relocations);
  }
}

/** Parses an ELF64 little-endian file; throws ElfError naming the problem when it is malformed. */
export function parseElf(data: Uint8Array): ElfFile {
  return new ElfFile(data);
}
