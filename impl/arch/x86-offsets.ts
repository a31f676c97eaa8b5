import type { X86Options } from '../kernel/options.ts';
import { functionPaddingBytes } from '../kernel/x86-config.ts';

/**
 * v4's x86 offset macros KFUNC_MD_INSN_OFFSET / KFUNC_MD_DATA_OFFSET (arch/x86/include/asm/ftrace.h,
 * §4.3): which bytes of the padding carry the `mov $index,%eax`. PB = CONFIG_FUNCTION_PADDING_BYTES.
 *
 * A: !CONFIG_CFI_CLANG                      -> PB (the head of the padding)
 * B: CONFIG_CFI_CLANG, no thunks, no FineIBT -> 5  (the tail of the padding)
 * C: CONFIG_CFI_CLANG && (CONFIG_CALL_THUNKS || CONFIG_FINEIBT) -> PB - 8 per Kconfig (PB = 27, so 19),
 *    or 24 if PB were the full alignment as the v4 header comment assumes ('intent' reading).
 */
export type X86Case = 'A' | 'B' | 'C';

export interface X86MdOffsets {
  readonly kase: X86Case;
  /** KFUNC_MD_INSN_OFFSET */
  readonly insnOffset: number;
  /** KFUNC_MD_DATA_OFFSET = KFUNC_MD_INSN_OFFSET - 1 */
  readonly dataOffset: number;
}

export function x86MdOffsets(o: X86Options): X86MdOffsets {
  const pb = functionPaddingBytes(o);
  let kase: X86Case;
  let insnOffset: number;
  if (!o.cfiClang) {
    kase = 'A';
    insnOffset = pb;
  } else if (o.callThunks || o.fineibt) {
    kase = 'C';
    insnOffset = (o.caseCReading === 'kconfig' ? pb : o.functionAlignment) - 8;
  } else {
    kase = 'B';
    insnOffset = 5;
  }
  // the index follows the one-byte opcode
  return { kase, insnOffset, dataOffset: insnOffset - 1 };
}
