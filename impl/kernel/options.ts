/**
 * Kernel configuration options that select a padding layout (Kconfig symbols plus the
 * boot-time choices that change bytes). CONFIG_FUNCTION_METADATA itself is always on; on x86 it
 * selects CONFIG_CALL_PADDING. model/ declares the same shape on its own side
 * (model/config/options.ts): the harness passes one to the other, and the compiler checks
 * they still agree.
 */
export type X86CfiMode = 'off' | 'kcfi' | 'fineibt';
/** Which §4.3 reading of case C: Kconfig (FUNCTION_PADDING_BYTES = 27) or the v4 comment (32). */
export type CaseCReading = 'kconfig' | 'intent';
/** FineIBT preamble encodings that mainline used over time (spec §4.1). */
export type FineIbtEncoding = 'pre2025' | 'feb2025' | 'later';

export interface X86Options {
  readonly arch: 'x86';
  /** CONFIG_CFI_CLANG */
  readonly cfiClang: boolean;
  /** CONFIG_CALL_THUNKS (MITIGATION_CALL_DEPTH_TRACKING) built in */
  readonly callThunks: boolean;
  /** CONFIG_FINEIBT built in */
  readonly fineibt: boolean;
  /** boot-time cfi= mode (cfi=kcfi, cfi=fineibt; 'off' without CONFIG_CFI_CLANG) */
  readonly cfiMode: X86CfiMode;
  /** X86_FEATURE_CALL_DEPTH set at boot (retbleed=stuff): thunks written into the padding */
  readonly thunksActive: boolean;
  /** CONFIG_FUNCTION_ALIGNMENT */
  readonly functionAlignment: 16 | 32 | 64;
  /** what CONFIG_FUNCTION_PADDING_BYTES the case-C KFUNC_MD_INSN_OFFSET macro is read with */
  readonly caseCReading: CaseCReading;
  /** which fineibt_preamble_start layout apply_fineibt() copies */
  readonly fineibtEncoding: FineIbtEncoding;
  /**
   * CONFIG_FINEIBT_BHI built and booted with cfi=fineibt,bhi: clang's kCFI-arity puts each
   * function's argument count in its preamble mov (B8+reg), and apply_fineibt rewrites the
   * preamble tail per arity, the arity-1 sequence across the entry (spec §4.1). Needs the later
   * preamble encoding.
   */
  readonly fineibtBhi: boolean;
}

export interface Arm64Options {
  readonly arch: 'arm64';
  /** CONFIG_CFI_CLANG (FUNCTION_METADATA depends on !CFI_CLANG) */
  readonly cfiClang: boolean;
  /** CONFIG_DYNAMIC_FTRACE_WITH_ARGS */
  readonly withArgs: boolean;
  /** CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS (selects FUNCTION_ALIGNMENT_8B) */
  readonly callOps: boolean;
  /** CONFIG_FUNCTION_ALIGNMENT_8B */
  readonly alignment8b: boolean;
  /** CONFIG_ARM64_BTI_KERNEL: `bti c` at the entry */
  readonly bti: boolean;
}

export type KernelOptions = X86Options | Arm64Options;
