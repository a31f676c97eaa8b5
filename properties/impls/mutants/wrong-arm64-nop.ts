import { u32le } from '../../../impl/kernel/le.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { mutant, withHooks } from './define.ts';

/** HINT #1 (YIELD) where HINT #0 (NOP, 0xd503201f) was meant: one wrong constant in the arch header. */
const WRONG_NOP = 0xd503203f;

/** Both users of the constant (exist and nops) get the wrong word, as they would in C. */
export const wrongArm64Nop = mutant(
  'wrong-arm64-nop',
  'arm64 NOP constant is HINT #1 (YIELD, 0xd503203f) instead of HINT #0 (0xd503201f), in exist() and nops()',
  withHooks((hooks, kernel) => {
    if (hooks.arch !== 'arm64') return hooks;
    const mem = kernel.mem;
    return {
      ...hooks,
      *exist(ip: Addr): Op<boolean> {
        return (yield* mem.load32(ip - this.insnOffset)) !== WRONG_NOP;
      },
      nops(): Uint8Array {
        return Uint8Array.from(u32le(WRONG_NOP));
      },
    };
  }),
);
