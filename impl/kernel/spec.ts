import type { KernelOptions } from './options.ts';

/** One function as the compiler saw it. */
export interface FunctionSpec {
  readonly name: string;
  /** false = no patchable-entry padding at all (x86 top-level asm, arm64 notrace = patchable_function_entry(0,0)) */
  readonly padded: boolean;
  /** x86 kCFI type hash (the `mov $hash` immediate at __cfi_<name> and the FineIBT hash) */
  readonly kcfiHash?: number;
  /**
   * x86 CONFIG_CFI_CLANG: clang emitted a `__cfi_<name>` preamble (`mov $hash,%eax`), so objtool
   * lists the function in `.cfi_sites` and apply_fineibt() rewrites its preamble. clang does so for
   * every non-static function and for address-taken statics, not for other statics
   * (real-layouts.md rules 9-10): false lays the padding out as all NOPs by the no-preamble rule.
   * Default true; ignored without CFI_CLANG.
   */
  readonly cfi?: boolean;
  /**
   * x86: the function is the destination of a direct call that callthunks patches (objtool's
   * `.call_sites`, call_get_dest() → patch_dest()), so a call-depth thunk is installed in its
   * padding when thunks are active. A function only ever called through pointers gets none.
   * Default true.
   */
  readonly directCallDest?: boolean;
  /**
   * Last bytes of the previous function's body. They are placed directly before this
   * function's padding block (or its entry when unpadded): the previous body is taken to be
   * just long enough for that. Default: none on x86, a `ret` word on arm64.
   */
  readonly tail?: readonly number[];
  /** rel32 of the call-depth thunk's %gs-relative __x86_call_depth operand (default derived from the ip) */
  readonly thunkRel32?: number;
  /**
   * x86 FINEIBT_BHI: the argument count (0..7) clang's kCFI-arity puts in the preamble mov's
   * register and apply_fineibt rewrites the preamble tail by. Default 2, the default body's
   * int add(int, int). Ignored elsewhere (plain kCFI always uses %eax).
   */
  readonly arity?: number;
  /** x86 FINEIBT_BHI, arity 2..7: rel32 of the `call __bhi_args[arity]`, from the entry (default derived from the ip) */
  readonly bhiCallRel32?: number;
  /**
   * bytes at the entry (after `bti c` / ftrace NOPs on arm64). Default: x86 `lea (%rdi,%rsi),%eax;
   * ret`; arm64 one `add` word, whose `ret` is the next function's default tail (or the image's last word)
   */
  readonly body?: readonly number[];
}

export interface KernelSpec {
  readonly options: KernelOptions;
  /** functions laid out by the compiler rules (x86-text.ts, arm64-text.ts); must be empty when `image` is given */
  readonly functions: readonly FunctionSpec[];
  /**
   * Text that already exists (a real kernel's .text, a compiler fixture's section) instead of the
   * compiler-rule layout: loaded as it is at TEXT_BASE, then given the configuration's boot-time
   * rewrites like a laid-out text (image.ts).
   */
  readonly image?: TextImage;
  /** PAGE_SIZE, default 4096; ENTRIES_PER_PAGE = pageSize / 16, so tests use small pages to grow quickly */
  readonly pageSize?: number;
  /** MAX_PAGE_ORDER, default 10 */
  readonly maxOrder?: number;
  /** order in which x86 text_poke() stores the 5 bytes, default [0,1,2,3,4] */
  readonly pokeByteOrder?: readonly number[];
}

/** Where a function ended up. */
export interface PlacedFunction {
  readonly name: string;
  readonly ip: number;
  readonly padded: boolean;
  /** first byte of the pre-entry block (kCFI hash or first padding NOP); == ip when unpadded */
  readonly blockStart: number;
  /** x86: has a kCFI preamble (listed in `.cfi_sites`): CFI_CLANG and FunctionSpec.cfi; false elsewhere */
  readonly cfi: boolean;
  /**
   * arm64: the address `__patchable_function_entries` records for the function (rec->ip before
   * ftrace_call_adjust): the first word of its patch area, i.e. the first pre-entry NOP, or with
   * no pre-entry NOPs the first NOP at the entry (after `bti c`). Absent when it has no patch area.
   */
  readonly patchableEntry?: number;
}

/** Compiled text before boot-time rewrites. */
export interface TextLayout {
  readonly bytes: Uint8Array;
  readonly functions: readonly PlacedFunction[];
}

/**
 * A text blob and the functions in it, every address an offset from the blob's first byte (the
 * simulation places byte 0 at its own TEXT_BASE; a real link address such as 0xffffffff81000000
 * is not exact as a JS number, so the caller keeps it for its reports).
 */
export interface TextImage {
  readonly bytes: Uint8Array;
  /** in any order; each padded function's block [blockStart, ip) must lie inside bytes */
  readonly functions: readonly ImageFunction[];
}

/** A function of a TextImage: where it is, and the compiler facts FunctionSpec has (kcfiHash, cfi, directCallDest, ...). */
export interface ImageFunction extends Omit<FunctionSpec, 'tail' | 'body'> {
  /** entry offset in TextImage.bytes */
  readonly ip: number;
  /** offset of the first byte of the pre-entry block (kCFI hash or first padding NOP); == ip when unpadded */
  readonly blockStart: number;
  /** arm64: offset of the first word of the patch area (PlacedFunction.patchableEntry), when it has one */
  readonly patchableEntry?: number;
}
