import type { X86Options } from '../kernel/options.ts';
import { functionPaddingBytes } from '../kernel/x86-config.ts';

/**
 * v4's x86 offset macros (include/linux/kfunc_md.h via arch/x86, §4.3): which bytes of the
 * padding carry the `mov $index,%eax`.
 *
 * A: !CFI_CLANG                      -> PB (the head of the padding)
 * B: CFI_CLANG, no thunks, no FineIBT -> 5  (the tail of the padding)
 * C: CFI_CLANG && (CALL_THUNKS || FINEIBT) -> PB - 8 per Kconfig (PB = 27, so 19), or 24 if PB
 *    were the full alignment as the v4 header comment assumes ('intent' reading).
 */
export type X86Case = 'A' | 'B' | 'C';

export interface X86MdOffsets {
  readonly kase: X86Case;
  readonly insnOffset: number;
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
