/** A64 instruction words the simulated compiler and boot code emit (stored LE). */
/** aarch64_insn_gen_nop(), the word aarch64_insn_is_nop() recognises */
export const A64_NOP = 0xd503201f;
/** `bti c` at the entry with CONFIG_ARM64_BTI_KERNEL */
export const A64_BTI_C = 0xd503245f;
export const A64_RET = 0xd65f03c0;
/** `add w0, w0, w1` */
export const A64_ADD = 0x0b010000;
