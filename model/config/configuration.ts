import type { KernelOptions } from './options.ts';
import type { Occupant } from './occupant.ts';
import type { FunctionShape } from './shape.ts';

/** One supported kernel configuration and the layout of the padding before each function. */
export interface Configuration {
  /** Stable, CLI-friendly (letters, digits, '-', ','), unique. */
  readonly name: string;
  readonly arch: 'x86' | 'arm64';
  readonly options: KernelOptions;
  /** One line for humans. */
  readonly description: string;
  /** The -fpatchable-function-entry=N,M value the kernel compiles with, e.g. '27,27' (x86: N = M = PB). */
  readonly patchableEntry: string;
  /** Bytes before the entry covered by occupants (kCFI mov included, so 16 for PB 11). */
  readonly paddingBytes: number;
  /** CONFIG_FUNCTION_ALIGNMENT in bytes. */
  readonly alignment: number;
  /** KFUNC_MD_INSN_OFFSET: the md instruction starts at ip - insnOffset. */
  readonly insnOffset: number;
  /** KFUNC_MD_DATA_OFFSET: the u32 index is read at ip - dataOffset. */
  readonly dataOffset: number;
  /** KFUNC_MD_INSN_SIZE: 5 on x86 (B8 imm32), 4 on arm64 (one word). */
  readonly insnSize: number;
  /**
   * The byte map of an ordinary function (shapes[0]: with a kCFI preamble under CFI_CLANG, a
   * direct-call destination where thunks are active). Sorted by start; together they cover
   * [-paddingBytes, 0).
   */
  readonly occupants: readonly Occupant[];
  /** Every overlapping pair of `occupants`, spelled out; empty unless the spec predicts an overlap. */
  readonly overlaps: readonly string[];
  /**
   * Every function shape the configuration contains (shape.ts): one per combination of the facts
   * that change bytes in it (a kCFI preamble under CFI_CLANG, a call-depth thunk where thunks are
   * active), the ordinary function's first. Each covers [-paddingBytes, 0) too.
   */
  readonly shapes: readonly FunctionShape[];
}

/** Bad configuration input: unknown name, rejected options, out-of-range parameters. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
