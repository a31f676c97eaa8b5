/**
 * The model's own arm64 encoding (spec §5): the index is stored as a raw 32-bit
 * word (never executed); the unused window holds the A64 NOP 0xd503201f.
 */
/** aarch64_insn_gen_nop() */
export const ARM64_NOP_WORD = 0xd503201f;
/** AARCH64_INSN_SIZE, KFUNC_MD_INSN_SIZE on arm64 */
export const ARM64_INSN_SIZE = 4;

/** kfunc_md_arch_pretend(insn, index) on arm64 */
export function encodeArm64(index: number): number[] {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new RangeError(`index ${index} is not a u32`);
  }
  return wordBytes(index);
}

/** kfunc_md_arch_nops(insn) on arm64 */
export function arm64Nops(): number[] {
  return wordBytes(ARM64_NOP_WORD);
}

/** The window as one LE word (what kfunc_md_arch_exist and kfunc_md_get_index load), or null if not 4 bytes. */
export function decodeArm64Word(bytes: readonly number[]): number | null {
  if (bytes.length !== ARM64_INSN_SIZE) return null;
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}

function wordBytes(word: number): number[] {
  return [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, (word >>> 24) & 0xff];
}
