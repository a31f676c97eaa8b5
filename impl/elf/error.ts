/** The one error the ELF reader throws: every malformed input is refused with a message naming the problem. */
export class ElfError extends Error {
  override readonly name = 'ElfError';
}
