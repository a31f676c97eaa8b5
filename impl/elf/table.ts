import { ElfError } from './error.ts';
import type { Section } from './sections.ts';

/** The number of fixed-size entries of a table section, refused when sh_entsize or sh_size do not fit it. */
export function tableEntries(table: Section, entsize: number, what: string): number {
  if (table.entsize !== BigInt(entsize)) {
    throw new ElfError(`${what} (section ${table.index}) has sh_entsize ${table.entsize}, expected ${entsize}`);
  }
  if (table.size % BigInt(entsize) !== 0n) {
    throw new ElfError(`${what} (section ${table.index}) size ${table.size} is not a multiple of ${entsize}`);
  }
  return Number(table.size / BigInt(entsize));
}
