import { toI32 } from '../../../impl/kernel/le.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_FUNC, MD_PAD0 } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** The trampoline loads users from the pad0 word next to it (a struct-layout slip in the reader). */
class TrampolineReadsPad0 extends V4Store {
  protected override *readEntry(md: Addr): Op<{ users: number; func: Addr }> {
    const users = toI32(yield* this.mem.load32(md + MD_PAD0));
    return { users, func: yield* this.mem.load64(md + MD_FUNC) };
  }
}

export const trampolineReadsPad0 = mutant(
  'trampoline-reads-pad0',
  'the trampoline reads users from struct kfunc_md.pad0 instead of .users',
  (kernel) => new TrampolineReadsPad0(kernel),
);
