import type { Addr, Op } from '../kernel/types.ts';

/**
 * What the generic kfunc_md code needs from an architecture (spec §3): where the instruction
 * sits relative to the entry, how to recognise and encode it, and how to write it.
 * In v4 these are the static inline kfunc_md_arch_* hooks and the KFUNC_MD_* macros each arch
 * defines in its asm/ftrace.h under CONFIG_FUNCTION_METADATA.
 */
export interface ArchHooks {
  readonly arch: 'x86' | 'arm64';
  /** KFUNC_MD_INSN_OFFSET: the instruction starts at ip - insnOffset */
  readonly insnOffset: number;
  /** KFUNC_MD_DATA_OFFSET: the u32 index is read from ip - dataOffset (kfunc_md_get_index) */
  readonly dataOffset: number;
  /** KFUNC_MD_INSN_SIZE: bytes of the instruction (x86 5, arm64 AARCH64_INSN_SIZE = 4) */
  readonly insnSize: number;
  /** kfunc_md_arch_exist(ip): does the padding before ip hold a metadata instruction? (one load) */
  exist(ip: Addr): Op<boolean>;
  /** kfunc_md_arch_pretend(insn, index): the instruction carrying `index` (insnSize bytes) */
  pretend(index: number): Uint8Array;
  /** kfunc_md_arch_nops(insn): the NOP pattern the padding holds when unused (insnSize bytes) */
  nops(): Uint8Array;
  /** kfunc_md_arch_poke(target, insn): write insnSize bytes of live text at target: 0 or a negative errno */
  poke(target: Addr, bytes: Uint8Array): Op<number>;
  /**
   * arm64 only: ftrace_call_adjust(addr) as this kernel builds it (arch/arm64/kernel/ftrace.c):
   * from the address __patchable_function_entries records to the NOP ftrace patches into
   * `BL <caller>` (spec §5, D13, I10). x86 has none here: its call site is the fentry call itself.
   */
  readonly ftraceCallAdjust?: (addr: Addr) => Op<Addr>;
}
