import { X86_NOP } from '../../../impl/kernel/x86-encodings.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { mutant, withHooks } from './define.ts';

/**
 * text_poke() with a 6-byte length (a template buffer one longer than the instruction): the
 * extra byte is a NOP, so where the next byte already is 0x90 the text does not even change.
 * Only the write itself, outside every md window, betrays it.
 */
export const sixByteWrite = mutant(
  'six-byte-write',
  'x86 poke writes 6 bytes: the 5-byte window plus a trailing NOP (0x90) over the byte after it',
  withHooks((hooks, kernel) => {
    if (hooks.arch !== 'x86') return hooks;
    return {
      ...hooks,
      *poke(target: Addr, bytes: Uint8Array): Op<number> {
        const ret = yield* hooks.poke.call(this, target, bytes);
        yield* kernel.mem.store8(target + this.insnSize, X86_NOP);
        return ret;
      },
    };
  }),
);
