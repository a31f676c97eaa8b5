import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { mutant, withHooks } from './define.ts';

/** `mov $imm32,%r32` is B8+reg: the kCFI decoder accepts B8..BF (spec §4.1, kCFI arity). */
const MOV_IMM32_MASK = 0xf8;
const MOV_EAX = 0xb8;

/**
 * x86 exist() borrows the kCFI preamble decoder: any `mov $imm32,%reg` (B8..BF) counts as the
 * md instruction, so a kCFI-arity preamble (`b9 <hash>` for one argument) reads as an index.
 */
export const existAnyMovReg = mutant(
  'exist-any-mov-reg',
  'x86 exist() accepts any mov $imm32,%reg (opcode B8..BF, as the kCFI-arity decoder does), not only B8',
  withHooks((hooks, kernel) => {
    if (hooks.arch !== 'x86') return hooks;
    const mem = kernel.mem;
    return {
      ...hooks,
      *exist(ip: Addr): Op<boolean> {
        return ((yield* mem.load8(ip - this.insnOffset)) & MOV_IMM32_MASK) === MOV_EAX;
      },
    };
  }),
);

/** aarch64_insn_is_hint(): the HINT #imm space, NOP = HINT #0 */
const HINT_MASK = 0xfffff01f;
const HINT_VALUE = 0xd503201f;
/** YIELD, WFE, WFI, SEV, SEVL: HINT #1..#5, (insn & 0xfe0) */
const NOT_NOP_HINTS: ReadonlySet<number> = new Set([0x020, 0x040, 0x060, 0x080, 0x0a0]);

/** The pre-6.x aarch64_insn_is_nop(): every HINT but YIELD/WFE/WFI/SEV/SEVL is a NOP, BTI and PAC too. */
function oldIsNop(word: number): boolean {
  return (word & HINT_MASK) >>> 0 === HINT_VALUE && !NOT_NOP_HINTS.has(word & 0xfe0);
}

/**
 * arm64 exist() with the old, HINT-class aarch64_insn_is_nop(): a `bti c` or `paciasp` word in the
 * window reads as free padding, so put() forgets to decrement used and get() sees no md.
 */
export const existHintIsNop = mutant(
  'exist-hint-is-nop',
  'arm64 exist() uses the old aarch64_insn_is_nop(): any HINT but YIELD/WFE/WFI/SEV/SEVL (bti c, paciasp) is a NOP',
  withHooks((hooks, kernel) => {
    if (hooks.arch !== 'arm64') return hooks;
    const mem = kernel.mem;
    return {
      ...hooks,
      *exist(ip: Addr): Op<boolean> {
        return !oldIsNop(yield* mem.load32(ip - this.insnOffset));
      },
    };
  }),
);
