import { ElfError } from './error.ts';

// Stryker disable next-line ObjectLiteral: fatal: false is TextDecoder's default; spelled out to say bad UTF-8 in a name decodes to U+FFFD instead of refusing the file
const decoder = new TextDecoder('utf-8', { fatal: false });

/** The NUL-terminated string at `index` of a string table; `what` names the table in errors. */
export function readString(table: Uint8Array, index: number, what: string): string {
  if (index >= table.length) {
    throw new ElfError(`string table index out of range: ${index} in ${what} of ${table.length} bytes`);
  }
  const end = table.indexOf(0, index);
  if (end < 0) throw new ElfError(`unterminated string at ${index} in ${what}`);
  return decoder.decode(table.subarray(index, end));
}
