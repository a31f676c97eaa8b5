import { arm64MetadataBuilt } from '../kernel/arm64-config.ts';
import type { KernelOptions, X86Options } from '../kernel/options.ts';
import { callThunksActive, fineibtActive, functionPaddingBytes } from '../kernel/x86-config.ts';

/** The two Kconfig symbols of the May series that shape kfunc_md. */
export interface May25Kconfig {
  /** CONFIG_FUNCTION_METADATA: the padding code (fast_*) and md->array are built */
  readonly metadata: boolean;
  /** CONFIG_FUNCTION_METADATA_PADDING: static offsets; otherwise the hash table is built and a boot probe decides */
  readonly padding: boolean;
}

/**
 * Which mode runs after kfunc_md_init_test (late_initcall): the static key kfunc_md_use_padding,
 * and the offsets padding mode uses.
 */
export interface May25Boot {
  readonly kconfig: May25Kconfig;
  readonly mode: 'padding' | 'hash';
  /** KFUNC_MD_INSN_OFFSET, or __insn_offset as the probe left it */
  readonly insnOffset: number;
  /** KFUNC_MD_DATA_OFFSET, or __data_offset */
  readonly dataOffset: number;
  /** the probe hit WARN_ON_ONCE(1) and returned true without setting the offsets (they stay 0) */
  readonly unsetOffsetsWarn: boolean;
}

/**
 * x86 02/25: CONFIG_FUNCTION_METADATA (CC_HAS_ENTRY_PADDING && OBJTOOL: assumed met) and
 * CONFIG_FUNCTION_METADATA_PADDING = !FINEIBT && !(CFI_CLANG && CALL_THUNKS).
 * arm64 03/25: FUNCTION_METADATA depends on !CFI_CLANG; FUNCTION_METADATA_PADDING = FUNCTION_METADATA.
 */
export function may25Kconfig(o: KernelOptions): May25Kconfig {
  if (o.arch === 'arm64') {
    const metadata = arm64MetadataBuilt(o);
    return { metadata, padding: metadata };
  }
  // CONFIG_FINEIBT needs CONFIG_CFI_CLANG
  const fineibtBuilt = o.cfiClang && o.fineibt;
  return { metadata: true, padding: !fineibtBuilt && !(o.cfiClang && o.callThunks) };
}

/** kfunc_md_init_test(): static offsets with FUNCTION_METADATA_PADDING, else kfunc_md_arch_support(). */
export function may25Boot(o: KernelOptions): May25Boot {
  const kconfig = may25Kconfig(o);
  const padding = (insnOffset: number, dataOffset: number, unsetOffsetsWarn = false): May25Boot => ({
    kconfig,
    mode: 'padding',
    insnOffset,
    dataOffset,
    unsetOffsetsWarn,
  });
  const hash: May25Boot = { kconfig, mode: 'hash', insnOffset: 0, dataOffset: 0, unsetOffsetsWarn: false };
  if (o.arch === 'arm64') {
    // the weak kfunc_md_arch_support() returns false: without FUNCTION_METADATA only the hash table is built
    if (!kconfig.padding) return hash;
    // KFUNC_MD_INSN_OFFSET == KFUNC_MD_DATA_OFFSET: AARCH64_INSN_SIZE * 3 with CALL_OPS, else AARCH64_INSN_SIZE
    const off = o.callOps ? 12 : 4;
    return padding(off, off);
  }
  if (kconfig.padding) {
    // CFI_CLANG: the tail 5 bytes (where the thunk would go); else the head of the padding
    if (o.cfiClang) return padding(5, 4);
    const pb = functionPaddingBytes(o);
    return padding(pb, pb - 1);
  }
  return x86ArchSupport(o, padding, hash);
}

/**
 * kfunc_md_arch_support(&__insn_offset, &__data_offset), arch/x86/kernel/ftrace.c (02/25):
 * FineIBT active -> false (hash); CALL_THUNKS && CFI_CLANG -> false if thunks_initialized, else
 * 5/4; anything else WARN_ON_ONCE(1) and true with the offsets never set.
 */
function x86ArchSupport(
  o: X86Options,
  padding: (insn: number, data: number, warn?: boolean) => May25Boot,
  hash: May25Boot,
): May25Boot {
  // cfi_mode == CFI_FINEIBT: the 16 bytes are all taken
  if (o.fineibt && fineibtActive(o)) return hash;
  if (o.callThunks && o.cfiClang) {
    // thunks_initialized: callthunks_init ran because X86_FEATURE_CALL_DEPTH is set
    if (callThunksActive(o)) return hash;
    return padding(5, 4);
  }
  return padding(0, 0, true);
}
