import { TEXT_MUTEX } from '../../../impl/kernel/mutexes.ts';
import { EBUSY } from '../../../impl/kernel/types.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** The install half of the decision table without its first row: a window that already holds the instruction is -EBUSY. */
class NoAlreadyEqual extends V4Store {
  protected override *textPokeHelper(ip: Addr, insn: Uint8Array | null, nops: Uint8Array): Op<number> {
    if (!insn) return yield* super.textPokeHelper(ip, insn, nops);
    const target = ip - this.hooks.insnOffset;
    yield* this.mem.mutexLock(TEXT_MUTEX);
    const ret = (yield* this.memcmp(target, nops)) !== 0 ? -EBUSY : yield* this.hooks.poke(target, insn);
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
    return ret;
  }
}

export const noAlreadyEqual = mutant(
  'no-already-equal',
  'poke helper: the "window already holds the instruction -> 0" row is gone, so it returns -EBUSY',
  (kernel) => new NoAlreadyEqual(kernel),
);
