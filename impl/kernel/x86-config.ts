import type { X86Options } from './options.ts';

/**
 * x86 Kconfig/boot arithmetic that decides the padding, computed from the options alone
 * (arch/x86/Kconfig FUNCTION_PADDING_CFI / FUNCTION_PADDING_BYTES, alternative.c boot modes).
 */

/** FUNCTION_PADDING_CFI: room left for NOPs once the 5-byte kCFI mov is in the aligned block. */
const FUNCTION_PADDING_CFI: Readonly<Record<X86Options['functionAlignment'], number>> = { 16: 11, 32: 27, 64: 59 };

/** CONFIG_FUNCTION_PADDING_BYTES = the N of -fpatchable-function-entry=N,N (CONFIG_CALL_PADDING). */
export function functionPaddingBytes(o: X86Options): number {
  return o.cfiClang ? FUNCTION_PADDING_CFI[o.functionAlignment] : o.functionAlignment;
}

/** CONFIG_FINEIBT needs CONFIG_CFI_CLANG; cfi=fineibt only takes effect when it is built. */
export function fineibtActive(o: X86Options): boolean {
  return o.cfiClang && o.fineibt && o.cfiMode === 'fineibt';
}

/** cfi=fineibt,bhi on a FINEIBT_BHI kernel: apply_fineibt also rewrites each preamble's tail by arity. */
export function fineibtBhiActive(o: X86Options): boolean {
  return fineibtActive(o) && o.fineibtBhi;
}

/**
 * Thunks are written into the padding only if built (CONFIG_CALL_THUNKS) and enabled at boot
 * (retbleed=stuff, X86_FEATURE_CALL_DEPTH).
 */
export function callThunksActive(o: X86Options): boolean {
  return o.callThunks && o.thunksActive;
}
