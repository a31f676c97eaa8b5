import { TEXT_MUTEX } from '../../../impl/kernel/mutexes.ts';
import { EBUSY } from '../../../impl/kernel/types.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/**
 * `if (!memcmp(...)) return -EBUSY`: the NOP test inverted. Free windows are refused and foreign
 * bytes are poked over (with success), so get still succeeds wherever someone else wrote first.
 */
class EbusyInverted extends V4Store {
  protected override *textPokeHelper(ip: Addr, insn: Uint8Array | null, nops: Uint8Array): Op<number> {
    if (!insn) return yield* super.textPokeHelper(ip, insn, nops);
    const target = ip - this.hooks.insnOffset;
    let ret = 0;
    yield* this.mem.mutexLock(TEXT_MUTEX);
    if ((yield* this.memcmp(target, insn)) === 0) ret = 0;
    else if ((yield* this.memcmp(target, nops)) === 0) ret = -EBUSY;
    else ret = yield* this.hooks.poke(target, insn);
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
    return ret;
  }
}

export const ebusyInverted = mutant(
  'ebusy-inverted',
  'poke helper: the -EBUSY test inverted (refuses NOP windows, pokes over foreign bytes and succeeds)',
  (kernel) => new EbusyInverted(kernel),
);
