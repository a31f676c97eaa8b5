import { arm64MetadataBuilt } from '../kernel/arm64-config.ts';
import { A64_NOP } from '../kernel/arm64-encodings.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { readU32le, u32le } from '../kernel/le.ts';
import type { Arm64Options } from '../kernel/options.ts';
import { EFAULT, EINVAL } from '../kernel/types.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { ftraceCallAdjustV4 } from './arm64-ftrace.ts';
import type { ArchHooks } from './hooks.ts';

/** KFUNC_MD_INSN_SIZE on arm64: AARCH64_INSN_SIZE */
const INSN_SIZE = 4;

/**
 * v4 4/4: the padding word holds the raw index (decodes as UDF, never executed); unused is
 * the A64 NOP; the write is aarch64_insn_patch_text_nosync, one aligned 32-bit store, so
 * readers see the old or the new word and nothing in between.
 */
export function arm64Hooks(kernel: Kernel, o: Arm64Options): ArchHooks {
  // CONFIG_FUNCTION_METADATA depends on !CONFIG_CFI_CLANG on arm64
  if (!arm64MetadataBuilt(o)) throw new Error('arm64 FUNCTION_METADATA depends on !CFI_CLANG: kfunc_md is not built');
  // with CALL_OPS the 8-byte ops literal occupies ip-8..ip-1, so the md word moves to ip-12:
  // KFUNC_MD_INSN_OFFSET = KFUNC_MD_DATA_OFFSET = AARCH64_INSN_SIZE * 3 under
  // CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS, else AARCH64_INSN_SIZE
  const insnOffset = o.callOps ? 12 : 4;
  const mem = kernel.mem;
  // methods read offsets through `this`, so a copy with other offsets ({ ...hooks, insnOffset }) stays coherent
  const hooks: ArchHooks = {
    arch: 'arm64',
    insnOffset,
    dataOffset: insnOffset,
    insnSize: INSN_SIZE,
    /** kfunc_md_arch_exist(ip): !aarch64_insn_is_nop() of the word at ip - KFUNC_MD_INSN_OFFSET */
    *exist(ip: Addr): Op<boolean> {
      return (yield* mem.load32(ip - this.insnOffset)) !== A64_NOP;
    },
    /** kfunc_md_arch_pretend(insn, index): the index itself is the word */
    pretend(index: number): Uint8Array {
      return Uint8Array.from(u32le(index));
    },
    /** kfunc_md_arch_nops(insn): aarch64_insn_gen_nop() */
    nops(): Uint8Array {
      return Uint8Array.from(u32le(A64_NOP));
    },
    /** kfunc_md_arch_poke(ip, insn): aarch64_insn_patch_text_nosync(ip, word): 0, -EINVAL or -EFAULT */
    *poke(target: Addr, bytes: Uint8Array): Op<number> {
      if (target % 4 !== 0) return -EINVAL;
      // copy_to_kernel_nofault through the fixmap fails on anything that is not text
      if (!kernel.isText(target, INSN_SIZE)) return -EFAULT;
      yield* mem.store32(target, readU32le(bytes));
      return 0;
    },
    /** ftrace_call_adjust(addr) as v4 4/4 changes it: the metadata words are skipped after the BTI probe (D13) */
    ftraceCallAdjust: (addr: Addr): Op<Addr> => ftraceCallAdjustV4(kernel, o, addr),
  };
  return hooks;
}
