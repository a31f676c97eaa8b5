/**
 * An ELF64 little-endian reader for kfmd's real fixtures (impl/fixtures/) and, later, kernel images.
 *
 * Written by hand, not taken from npm. Of the npm ELF readers, `elfy`, `elfinfo`, `elf-tools` and
 * `@bugsplat/elfy` give no symbols, read 64-bit fields at the wrong offsets, crash, or return
 * nothing on clang objects with many sections (../../../shared/spec/real-layouts.md, "ELF objects
 * from Node"). `elflib` (0.2.x) reads symbols but never resolves SHN_XINDEX through
 * SHT_SYMTAB_SHNDX, builds its DataViews over the whole underlying buffer (wrong for a view at a
 * non-zero byteOffset) and returns '<error>' for a bad string index instead of refusing the file.
 * clang gives every function its own __patchable_function_entries section, so a kernel-sized
 * object has more than 65,280 sections and needs both extended section numbering and
 * SYMTAB_SHNDX. What kfmd needs is small: headers, names, .symtab, RELA, BigInt addresses, and
 * a clear error for every malformed input.
 */
export { ElfError } from './error.ts';
export { ElfFile, parseElf } from './file.ts';
export type { ElfHeader } from './header.ts';
export type { Section } from './sections.ts';
export type { ElfSymbol } from './symbols.ts';
export type { Relocation, RelocationSection } from './relocations.ts';
export * from './constants.ts';
