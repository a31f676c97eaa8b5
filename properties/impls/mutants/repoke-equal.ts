import { TEXT_MUTEX } from '../../../impl/kernel/mutexes.ts';
import { EBUSY } from '../../../impl/kernel/types.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/**
 * The install row "already holds the instruction" pokes it again instead of returning 0: the
 * bytes end up the same, but every such get costs a text_poke (and its IPIs) for nothing.
 */
class RepokeEqual extends V4Store {
  protected override *textPokeHelper(ip: Addr, insn: Uint8Array | null, nops: Uint8Array): Op<number> {
    if (!insn) return yield* super.textPokeHelper(ip, insn, nops);
    const target = ip - this.hooks.insnOffset;
    yield* this.mem.mutexLock(TEXT_MUTEX);
    let ret: number;
    if ((yield* this.memcmp(target, insn)) === 0 || (yield* this.memcmp(target, nops)) === 0)
      ret = yield* this.hooks.poke(target, insn);
    else ret = -EBUSY;
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
    return ret;
  }
}

export const repokeEqual = mutant(
  'repoke-equal',
  'poke helper: a window that already holds the instruction is poked again (same bytes, a needless text_poke)',
  (kernel) => new RepokeEqual(kernel),
);
