import { arm64Alignment, arm64MetadataBuilt } from '../kernel/arm64-config.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Arm64Options } from '../kernel/options.ts';
import type { Addr, Op } from '../kernel/types.ts';

/** AARCH64_INSN_SIZE */
const AARCH64_INSN_SIZE = 4;

/**
 * aarch64_insn_is_bti(insn): one of the BTI hints, `bti` (HINT #32), `bti c` (#34), `bti j`
 * (#36), `bti jc` (#38). `paciasp` (HINT #25) is a landing pad too, but not a BTI instruction.
 */
export function aarch64InsnIsBti(insn: number): boolean {
  return (insn & 0xffffff3f) >>> 0 === 0xd503241f;
}

/**
 * The part of mainline's ftrace_call_adjust() that v4 keeps [FTA]: from the address
 * __patchable_function_entries records (rec->ip, the first word of the patch area) to the NOP
 * ftrace patches into `BL <caller>`. null: the misaligned-site WARN fired (the C returns 0).
 */
function* mainlineAdjust(kernel: Kernel, o: Arm64Options, addr: Addr): Op<Addr | null> {
  // !CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS: -fpatchable-function-entry=2, no pre-entry NOPs; the
  // compiler puts any `bti c` before the patch area, so addr is the first NOP: the BL is at addr+4
  if (!o.callOps) return addr + AARCH64_INSN_SIZE;
  // CALL_OPS: addr is the first of the two pre-entry NOPs (the 8-byte ops literal), 8-aligned
  if (addr % 8 !== 0) {
    // WARN_RATELIMIT(1, "Misaligned patch-site %pS\n", addr + 8)
    kernel.warn('ftrace-misaligned', `Misaligned patch-site 0x${(addr + 8).toString(16)}`);
    return null;
  }
  // Skip the NOPs placed before the function entry point
  addr += 2 * AARCH64_INSN_SIZE;
  // Skip any BTI
  if (o.bti) {
    const insn = yield* kernel.mem.load32(addr);
    if (aarch64InsnIsBti(insn)) addr += AARCH64_INSN_SIZE;
  }
  // Skip the first NOP after function entry
  addr += AARCH64_INSN_SIZE;
  return addr;
}

/**
 * ftrace_call_adjust(addr) of mainline arch/arm64/kernel/ftrace.c, before kfunc_md [FTA]: right
 * for mainline's patchable entry (=2 with WITH_ARGS, =4,2 with CALL_OPS), wrong for any other.
 */
export function* ftraceCallAdjustMainline(kernel: Kernel, o: Arm64Options, addr: Addr): Op<Addr> {
  // mcount: addr is the mcount call itself, no adjustment
  if (!o.withArgs) return addr;
  return (yield* mainlineAdjust(kernel, o, addr)) ?? 0;
}

/**
 * ftrace_call_adjust(addr) as v4 4/4 changes it [V4-4]: the recorded address now points at the
 * first metadata NOP, so after mainline's computation (the non-CALL_OPS early return becomes a
 * `goto out`) it skips the metadata words: 8 bytes with FUNCTION_ALIGNMENT_8B, else 4.
 * The skip comes after the BTI probe (D13, spec §5): with CALL_OPS the probe reads the second
 * literal word instead of the entry, and in every case the result is ip+4 even where `bti c`
 * sits at ip+0 and the BL site is ip+8.
 */
export function* ftraceCallAdjustV4(kernel: Kernel, o: Arm64Options, addr: Addr): Op<Addr> {
  if (!o.withArgs) return addr;
  const adjusted = yield* mainlineAdjust(kernel, o, addr);
  if (adjusted === null) return 0;
  // out: CONFIG_FUNCTION_METADATA
  if (!arm64MetadataBuilt(o)) return adjusted;
  return adjusted + (arm64Alignment(o) === 8 ? 2 * AARCH64_INSN_SIZE : AARCH64_INSN_SIZE);
}
