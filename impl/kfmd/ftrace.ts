import { aarch64InsnIsBti } from '../arch/arm64-ftrace.ts';
import { arm64Alignment } from '../kernel/arm64-config.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Arm64Options } from '../kernel/options.ts';
import type { Addr, Op } from '../kernel/types.ts';

/** AARCH64_INSN_SIZE */
const AARCH64_INSN_SIZE = 4;

/**
 * kfmd's ftrace_call_adjust(addr) for the padding layout it shares with v4 (spec §5, D13): the
 * recorded address is the first pre-entry word (the metadata words, then with CALL_OPS the
 * 8-byte literal), so skip every pre-entry word first, then probe the entry itself for `bti c`,
 * then skip the first ftrace NOP. v4 skips the metadata words last, after probing the wrong word.
 */
export function* kfmdFtraceCallAdjust(kernel: Kernel, o: Arm64Options, addr: Addr): Op<Addr> {
  // mcount: addr is the mcount call itself, no adjustment
  if (!o.withArgs) return addr;
  // the metadata words: 2 with FUNCTION_ALIGNMENT_8B, else 1 (the Makefile's __padding_nops)
  const metadataWords = arm64Alignment(o) === 8 ? 2 : 1;
  if (o.callOps) {
    // the ops literal follows the metadata words and must be 8-byte aligned (ftrace_caller reads it)
    const literal = addr + metadataWords * AARCH64_INSN_SIZE;
    if (literal % 8 !== 0) {
      kernel.warn('ftrace-misaligned', `Misaligned patch-site 0x${(literal + 8).toString(16)}`);
      return 0;
    }
  }
  // skip every word placed before the function entry point
  addr += (metadataWords + (o.callOps ? 2 : 0)) * AARCH64_INSN_SIZE;
  // skip any BTI: with pre-entry words the compiler puts `bti c` at the entry itself
  if (o.bti) {
    const insn = yield* kernel.mem.load32(addr);
    if (aarch64InsnIsBti(insn)) addr += AARCH64_INSN_SIZE;
  }
  // skip the first NOP after the function entry (patched to `mov x9, x30`)
  return addr + AARCH64_INSN_SIZE;
}
