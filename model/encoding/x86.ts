/**
 * The model's own x86 encoding of the metadata instruction (spec §4.1), written
 * independently of impl/: `mov $index,%eax` = B8 followed by the index as LE32.
 */
/** the opcode kfunc_md_arch_exist tests for and kfunc_md_arch_pretend writes */
export const X86_MOV_EAX_OPCODE = 0xb8;
/** KFUNC_MD_INSN_SIZE on x86 */
export const X86_INSN_SIZE = 5;
/** BYTES_NOP1 */
export const X86_NOP = 0x90;

/** kfunc_md_arch_pretend(insn, index) on x86 */
export function encodeX86(index: number): number[] {
  checkIndex(index);
  return [X86_MOV_EAX_OPCODE, index & 0xff, (index >>> 8) & 0xff, (index >>> 16) & 0xff, (index >>> 24) & 0xff];
}

/** kfunc_md_arch_nops(insn) on x86 */
export function x86Nops(): number[] {
  return Array.from({ length: X86_INSN_SIZE }, () => X86_NOP);
}

/** The index carried by a 5-byte window whose first byte is B8, or null (kfunc_md_arch_exist + kfunc_md_get_index). */
export function decodeX86Index(bytes: readonly number[]): number | null {
  if (bytes.length !== X86_INSN_SIZE || bytes[0] !== X86_MOV_EAX_OPCODE) return null;
  return (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new RangeError(`index ${index} is not a u32`);
  }
}
